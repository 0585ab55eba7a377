"""Simulated touch sensing, read from the ``TouchPad`` part on the pin.

A pin in the board's ``touch`` capability has touch hardware; one in ``touch_resistor`` uses
CircuitPython's portable method and needs the pad's 1 MΩ resistor to match ``pull`` (down for
None). Any other pin is not a touch pin.
"""

from __future__ import annotations

from protoboard.hal import touchio as hal
from protoboard.hal.digitalio import Pull
from protoboard.hal.errors import InvalidPin
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.touch import TouchPad

#: what a touch pin with no pad wired reads
BARE_PIN_RAW = 500


class TouchIn(hal.TouchIn):
    def __init__(self, backend: Simulator, pin: str, pull: Pull | None) -> None:
        super().__init__(backend, pin, pull)
        board = backend.board
        self._portable = not board.has("touch", pin) and board.has("touch_resistor", pin)
        if not (board.has("touch", pin) or self._portable):
            raise InvalidPin(pin)
        if self._portable:
            self.timeout = hal.TIMEOUT_TICKS
        self._resistor = "up" if pull is Pull.UP else "down"
        self._sim = backend
        self._pin = backend.pins[pin]
        self._pin.configure("touchio")

    def _pad(self) -> TouchPad | None:
        for part in self._sim.parts_on(self._pin.id):
            if isinstance(part, TouchPad):
                return part
        return None

    def read(self) -> int:
        pad = self._pad()
        if not self._portable:
            return pad.raw_value if pad is not None else BARE_PIN_RAW
        if pad is None or pad.resistor != self._resistor:
            return hal.TIMEOUT_TICKS
        return min(pad.raw_value, hal.TIMEOUT_TICKS)

    def initial_threshold(self, raw: int) -> int:
        if self._portable:  # shared-module/touchio: raw_reading * 1.05 + 100
            return int(raw * 1.05 + 100)
        return raw + 100

    def deinit(self) -> None:
        self._pin.release()
