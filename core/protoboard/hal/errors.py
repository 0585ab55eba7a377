"""The only errors a port implementation may raise.

Bindings translate them into CircuitPython's exception types and texts, so every port reports a
failure the same way. A port that hits an unexpected condition raises :class:`HardwareError` with a
plain-language explanation.
"""

from __future__ import annotations

import errno


class HalError(Exception):
    """Base class of every error an implementation raises."""


class PinInUse(HalError):
    """A pin is already held by another peripheral. ``pin_name`` is the name the board gives it
    (``D13``), as CircuitPython's message shows it."""

    def __init__(self, pin_name: str) -> None:
        super().__init__(pin_name)
        self.pin_name = pin_name


class NotSimulated(HalError):
    """The board runs on real hardware: it has no simulated pins or parts to drive."""


class InvalidPin(HalError):
    """The pin cannot do what was asked (e.g. AnalogIn on a pin with no ADC)."""


class InvalidPins(HalError):
    """These pins cannot form the requested bus."""


class BusError(HalError):
    """A bus transaction failed. ``errno`` says how (ENODEV for a NACK, ETIMEDOUT, EIO)."""

    def __init__(self, code: int = errno.EIO, detail: str = "") -> None:
        super().__init__(code, detail)
        self.errno = code
        self.detail = detail


class UnsupportedFrequency(HalError):
    """The peripheral cannot run at the requested frequency."""


class ResourceConflict(HalError):
    """A shared resource (a PWM timer, a DMA channel) is used with other settings."""


class HardwareError(HalError):
    """Anything else the port could not do; the message is shown to the user as is."""
