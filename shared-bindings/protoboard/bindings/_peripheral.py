"""The lifetime every peripheral object shares: pin claims, deinit, context manager."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _validate


class Peripheral:
    """Base of objects that hold pins or a bus.

    ``deinit()`` is idempotent and frees the pins; any other use after it raises CircuitPython's
    ``Object has been deinitialized...``. ``with`` returns the object and deinits it on exit.
    """

    __slots__ = ("__weakref__", "_impl", "_machine", "_pins")

    _impl: Any

    def _claim(self, *pins: Any) -> None:
        """Claim ``pins`` (None entries are skipped) on the active machine, all or none."""
        from protoboard.machine import current

        self._machine = current()
        self._pins = tuple(p for p in pins if p is not None)
        self._impl = None
        self._machine.claim(self._pins)

    def _attach(self, impl: Any) -> None:
        self._impl = impl

    def _checked(self) -> Any:
        impl = self._impl
        if impl is None:
            _validate.raise_deinited()
        return impl

    def deinit(self) -> None:
        """Turn off the peripheral and release its pins for other use."""
        impl = getattr(self, "_impl", None)
        if impl is not None:
            self._impl = None
            try:
                impl.deinit()
            finally:
                self._machine.release(self._pins)
        elif getattr(self, "_pins", None) and getattr(self, "_machine", None) is not None:
            # Construction failed after the claim: give the pins back.
            self._machine.release(self._pins)
            self._pins = ()

    def __enter__(self) -> Any:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()


def build(peripheral: Peripheral, factory: Any, *args: Any, **kwargs: Any) -> None:
    """Construct the port implementation for ``peripheral``, translating port errors and giving
    the pins back if construction fails."""
    from protoboard.bindings._errors import translate

    try:
        with translate():
            peripheral._attach(factory(peripheral._machine.backend, *args, **kwargs))
    except BaseException:
        peripheral.deinit()
        raise
