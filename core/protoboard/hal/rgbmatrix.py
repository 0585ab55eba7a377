"""Contract for ``rgbmatrix``: a HUB75 RGB LED matrix the port scans out from a frame."""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class RGBMatrix(Implementation):
    def __init__(
        self,
        backend: Backend,
        rgb_pins: tuple[str, ...],
        addr_pins: tuple[str, ...],
        clock: str,
        latch: str,
        output_enable: str,
        width: int,
        height: int,
        bit_depth: int,
    ) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def show(self, frame: bytes, brightness: float) -> None:
        """Scan out ``frame``: ``width * height`` RGB565 pixels, little-endian, row by row."""
