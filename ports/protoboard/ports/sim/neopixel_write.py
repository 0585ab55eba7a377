"""Simulated NeoPixel output: the bytes reach the strip parts on the pin."""

from __future__ import annotations

from protoboard.hal import neopixel_write as hal
from protoboard.ports.sim.model import Simulator


class NeoPixelWriter(hal.NeoPixelWriter):
    def __init__(self, backend: Simulator) -> None:
        super().__init__(backend)
        self._sim = backend

    def write(self, pin: str, data: bytes) -> None:
        self._sim.pins[pin].send_data(data, "neopixel")
