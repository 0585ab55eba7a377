"""USB Util

This is a subset of the PyUSB util module.
"""

from __future__ import annotations

from protoboard.hal import usb_host as _hal

SPEED_LOW: int = _hal.SPEED_LOW
"""A low speed, 1.5 Mbit/s device."""

SPEED_FULL: int = _hal.SPEED_FULL
"""A full speed, 12 Mbit/s device."""

SPEED_HIGH: int = _hal.SPEED_HIGH
"""A high speed, 480 Mbit/s device."""
