"""Simulated HUB75 matrix driver: each shown frame goes, as the LEDs would light it (colour
depth cut to ``bit_depth`` bits, brightness applied), to the parts on the clock pin."""

from __future__ import annotations

from array import array

from protoboard.hal import rgbmatrix as hal
from protoboard.ports.sim.model import Simulator


class RGBMatrix(hal.RGBMatrix):
    def __init__(
        self,
        backend: Simulator,
        rgb_pins: tuple[str, ...],
        addr_pins: tuple[str, ...],
        clock: str,
        latch: str,
        output_enable: str,
        width: int,
        height: int,
        bit_depth: int,
    ) -> None:
        super().__init__(
            backend, rgb_pins, addr_pins, clock, latch, output_enable, width, height, bit_depth
        )
        self._pins = [backend.pins[p] for p in (*rgb_pins, *addr_pins, clock, latch, output_enable)]
        for pin in self._pins:
            pin.configure("rgbmatrix", drive=False)
        self._clock = backend.pins[clock]
        self._levels = 1 << bit_depth

    def _channel(self, value: int, bits: int, brightness: float) -> int:
        full = (1 << bits) - 1
        level = (value * (self._levels - 1) + full // 2) // full  # what bit_depth PWM can show
        return round(level * 255 / (self._levels - 1) * brightness)

    def show(self, frame: bytes, brightness: float) -> None:
        values = array("H", frame)
        rgb = bytearray()
        for v in values:
            rgb += bytes(
                (
                    self._channel((v >> 11) & 0x1F, 5, brightness),
                    self._channel((v >> 5) & 0x3F, 6, brightness),
                    self._channel(v & 0x1F, 5, brightness),
                )
            )
        self._clock.send_data(bytes(rgb), "rgbmatrix")

    def deinit(self) -> None:
        for pin in self._pins:
            pin.release()
