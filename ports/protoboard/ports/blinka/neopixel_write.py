"""``neopixel_write`` on Blinka's for the board (rpi_ws281x or the Pi 5's PIO on a Pi, a u2if
board's firmware). The binding has checked the pin is a held ``DigitalInOut``."""

from __future__ import annotations

from typing import Any

from protoboard.hal import neopixel_write as hal
from protoboard.ports.blinka.backend import BlinkaBackend


class _BlinkaGPIO:
    """What Blinka's ``neopixel_write`` reads from the ``DigitalInOut`` it is given: its pin
    object, as ``_pin`` (Blinka's chip code takes the line number from ``_pin.id``)."""

    def __init__(self, pin: Any) -> None:
        self._pin = pin


class NeoPixelWriter(hal.NeoPixelWriter):
    def __init__(self, backend: BlinkaBackend) -> None:
        super().__init__(backend)
        self._blinka = backend
        self._write = backend.module("neopixel_write").neopixel_write

    def write(self, pin: str, data: bytes) -> None:
        gpio = _BlinkaGPIO(self._blinka.blinka_pin(pin))
        with self._blinka.calling("neopixel_write"):
            self._write(gpio, bytearray(data))
