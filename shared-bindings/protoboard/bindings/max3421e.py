"""Provide USB host via a connected MAX3421E chip.

Here is how to test with the MAX3421E featherwing:

.. code-block:: python

   import board
   import max3421e
   import time
   import usb

   spi = board.SPI()
   cs = board.D10
   irq = board.D9

   host_chip = max3421e.Max3421E(spi, chip_select=cs, irq=irq)

   while True:
      print("Finding devices:")
      for device in usb.core.find(find_all=True):
          print(f"{device.idVendor:04x}:{device.idProduct:04x}: {device.manufacturer} {device.product}")
      time.sleep(5)

On the simulated board the chip's SPI register traffic is not modelled: `Max3421E` claims its
chip select (driven high, idle) and interrupt pins and starts the board's USB host, whose
devices are the ``USBKeyboard``, ``USBMouse`` and ``USBGamepad`` parts.
"""  # noqa: E501

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.bindings.usb import core as _core


class Max3421E:
    """Interface with a Max3421E usb host chip."""

    def __init__(
        self,
        spi_bus: Any,
        *,
        chip_select: Any,
        irq: Any,
        baudrate: int = 24000000,
    ) -> None:
        """Create a Max3421E object associated with the given pins.

        Although this object isn't used directly for USB host (the `usb` module is).
        You must keep it alive in memory. When deinit, it will shut down USB host functionality.

        :param busio.SPI spi_bus: The SPI bus that make up the clock and data lines
        :param microcontroller.Pin chip_select: Chip select pin
        :param microcontroller.Pin irq: Interrupt pin
        :param int baudrate: Maximum baudrate to talk to the Max chip in Hz"""
        from protoboard.bindings.busio import SPI

        self._host: Any = None
        cs = _validate.free_pin(chip_select, "chip_select")
        interrupt = _validate.free_pin(irq, "irq")
        _validate.of_type(spi_bus, SPI, "spi_bus")
        self._baudrate = _validate.to_int(baudrate, "baudrate")
        running = _core._running()
        if running is not None:
            raise RuntimeError(f"{running.kind} in use")
        if _core._board_port() is not None:  # the board's own port is already running
            raise RuntimeError("usb_host in use")
        self._spi = spi_bus
        self._host = _core._start("max3421e", (cs, interrupt))

    def __del__(self) -> None:
        """Shuts down USB host functionality and releases chip_select and irq pins."""
        self.deinit()

    def deinit(self) -> None:
        """Shuts down USB host functionality and releases chip_select and irq pins."""
        host, self._host = getattr(self, "_host", None), None
        if host is not None:
            host.deinit()


_enum.publish("max3421e", Max3421E)
