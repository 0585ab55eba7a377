"""Simulated bit-banged buses: on the simulated board they reach the parts on their pins as
busio's do (the parts see the same bytes, settings and errors)."""

from __future__ import annotations

from protoboard.hal import bitbangio as hal
from protoboard.ports.sim import busio


class I2C(busio.I2C, hal.I2C):
    pass


class SPI(busio.SPI, hal.SPI):
    pass
