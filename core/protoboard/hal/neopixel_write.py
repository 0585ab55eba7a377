"""Contract for ``neopixel_write``: clock bytes out of a pin with WS2812 timing."""

from __future__ import annotations

import abc

from protoboard.hal.base import Implementation


class NeoPixelWriter(Implementation):
    """One per board. ``pin`` is the id of a pin the caller holds as a digital output."""

    @abc.abstractmethod
    def write(self, pin: str, data: bytes) -> None: ...

    def deinit(self) -> None:
        """Nothing to release: the pin belongs to the caller's DigitalInOut."""
