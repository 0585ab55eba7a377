"""Contract for ``touchio``: capacitive touch on one pin.

Two ways exist on real chips, and a port says which it uses per pin: a touch peripheral (SAMD21
PTC, ESP32 touch channels: ``timeout`` is None) or CircuitPython's portable method (charge the
pin, time its discharge through a 1 MΩ resistor; ``timeout`` is the reading that means no
resistor is there, and the binding then raises CircuitPython's ``No pulldown on pin...``).
"""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation
from protoboard.hal.digitalio import Pull

#: the portable method gives up after this many ticks (CircuitPython's TIMEOUT_TICKS)
TIMEOUT_TICKS = 10_000


class TouchIn(Implementation):
    """Raises :class:`~protoboard.hal.errors.InvalidPin` for a pin that cannot sense touch."""

    #: the reading that means "no pull resistor on the pin", or None with a touch peripheral
    timeout: int | None = None

    def __init__(self, backend: Backend, pin: str, pull: Pull | None) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def read(self) -> int:
        """One raw measurement, 0..65535 (higher when touched)."""

    def initial_threshold(self, raw: int) -> int:
        """The threshold set at construction from the first reading: CircuitPython's touch
        peripherals use ``raw + 100``."""
        return raw + 100
