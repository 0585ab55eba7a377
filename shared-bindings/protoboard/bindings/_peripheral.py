"""The lifetime every peripheral object shares: pin claims, deinit, context manager."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Protocol, Self, TypeVar

from protoboard.bindings import _errors, _validate
from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation

if TYPE_CHECKING:
    from protoboard.bindings.microcontroller import Pin
    from protoboard.machine import Machine

P = ParamSpec("P")


class Releasable(Protocol):
    """What a peripheral holds: a port implementation, or portable code built on some."""

    def deinit(self) -> None: ...


ImplT = TypeVar("ImplT", bound=Releasable)

_own: tuple[str, ...] = ()


def _caller() -> tuple[str, int] | None:
    """The first frame outside Protoboard's bindings, ports and core: the program's line."""
    global _own
    if not _own:  # Protoboard's three source roots (or its installed package)
        import protoboard

        _own = tuple(str(Path(p).resolve()) + os.sep for p in protoboard.__path__)
    frame: FrameType | None = sys._getframe(2)
    while frame is not None:
        filename = frame.f_code.co_filename
        if not filename.startswith(_own) and not filename.startswith("<frozen"):
            return filename, frame.f_lineno
        frame = frame.f_back
    return None


ContractT = TypeVar("ContractT", bound=Implementation)


class Peripheral(Generic[ImplT]):
    """Base of objects that hold pins or a bus.

    ``deinit()`` is idempotent and frees the pins; any other use after it raises CircuitPython's
    ``Object has been deinitialized...``. ``with`` returns the object and deinits it on exit.
    """

    __slots__ = ("__weakref__", "_impl", "_machine", "_made_at", "_pins")

    _impl: ImplT | None
    _machine: Machine
    _pins: tuple[Pin, ...]
    #: (file, line) of the program's code that made it: the "pin in use" hint names it
    _made_at: tuple[str, int] | None

    def __new__(cls, *args: Any, **kwargs: Any) -> Self:
        # Holding nothing from birth, so deinit() is safe whenever construction stopped.
        obj = super().__new__(cls)
        obj._impl = None
        obj._pins = ()
        obj._made_at = _caller()
        return obj

    def _claim(self, *pins: Pin | None) -> None:
        """Claim ``pins`` (None entries are skipped) on the active machine, all or none:
        ``ValueError: D13 in use`` if one is taken."""
        from protoboard.machine import current

        self._machine = current()
        self._pins = tuple(p for p in pins if p is not None)
        self._impl = None
        with _errors.translate():
            self._machine.claim(self._pins)

    def _build(
        self: Peripheral[ContractT],
        contract: Callable[Concatenate[Backend, P], ContractT],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> None:
        """Make the port's implementation of ``contract`` for this object (after ``_claim``)."""
        machine = self._machine
        self._construct(lambda: machine.create(contract, *args, **kwargs))

    def _construct(self, make: Callable[[], ImplT]) -> None:
        """Attach what ``make()`` returns, translating port errors and giving the pins back if
        it fails."""
        try:
            with _errors.translate():
                self._impl = make()
        except BaseException:
            self.deinit()
            raise

    def _checked(self) -> ImplT:
        impl = self._impl
        if impl is None:
            _validate.raise_deinited()
        return impl

    def deinit(self) -> None:
        """Turn off the peripheral and release its pins for other use."""
        impl = self._impl
        if impl is not None:
            self._impl = None
            try:
                impl.deinit()
            finally:
                self._machine.release(self._pins)
        elif self._pins:
            # Construction failed after the claim: give the pins back.
            self._machine.release(self._pins)
            self._pins = ()

    def __enter__(self) -> Any:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()
