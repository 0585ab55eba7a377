"""Contract for ``bitbangio``: I2C and SPI done in software on any two or three GPIO pins.

The interface is busio's (:mod:`protoboard.hal.busio`); these are separate contracts so a port
can offer bit-banged buses on pins its bus peripherals cannot use, or leave ``bitbangio`` out.
"""

from __future__ import annotations

from protoboard.hal import busio


class I2C(busio.I2C):
    """An I2C controller on any two pins; the same calls and errors as busio's."""


class SPI(busio.SPI):
    """An SPI controller on any pins; the same calls as busio's."""
