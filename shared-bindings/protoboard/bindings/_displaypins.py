"""The control pins a display bus drives (D/C, chip select, reset): a ``microcontroller.Pin``
the bus claims as a ``digitalio.DigitalInOut`` of its own, or an object the program made that
behaves like one (``digitalio.DigitalInOutProtocol``: ``switch_to_output`` and ``value``)."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _validate


class ControlPin:
    """One control line of a display bus, and whether the bus owns (and frees) it."""

    __slots__ = ("io", "owned")

    def __init__(self, io: Any, owned: bool) -> None:
        self.io = io
        self.owned = owned

    def set(self, value: bool) -> None:
        self.io.value = value

    def release(self) -> None:
        if self.owned:
            self.io.deinit()


def control_pin(value: object, name: str) -> ControlPin | None:
    """``None``, a free Pin (claimed here, driven high) or a DigitalInOut-like object."""
    from protoboard.bindings.digitalio import DigitalInOut
    from protoboard.bindings.microcontroller import Pin

    if value is None:
        return None
    if isinstance(value, Pin):
        _validate.free_pin(value, name)
        io = DigitalInOut(value)
        io.switch_to_output(value=True)
        return ControlPin(io, owned=True)
    if not isinstance(value, DigitalInOut):
        kind = _validate.type_name(value)
        for method in ("deinit", "switch_to_input", "switch_to_output"):
            if not callable(getattr(value, method, None)):
                raise TypeError(f"{kind} object missing '{method}' method")
        for attribute in ("deinited", "direction", "value", "drive_mode", "pull"):
            if not hasattr(value, attribute):
                raise TypeError(f"{kind} object missing '{attribute}' attribute")
    value.switch_to_output(value=True)  # type: ignore[attr-defined]
    return ControlPin(value, owned=False)
