"""Protocols for drivers of I2C and SPI devices (``circuitpython_typing.device_drivers``)."""

from __future__ import annotations

from typing import Any, Protocol


class I2CDeviceDriver(Protocol):
    """A driver that talks through ``adafruit_bus_device.i2c_device.I2CDevice``."""

    i2c_device: Any


class SPIDeviceDriver(Protocol):
    """A driver that talks through ``adafruit_bus_device.spi_device.SPIDevice``."""

    spi_device: Any
