"""PyUSB-compatible USB host API

The `usb` is a subset of PyUSB that allows you to communicate to USB devices.

On the simulated board the devices are parts plugged into the board's USB host port:
``USBKeyboard``, ``USBMouse`` and ``USBGamepad`` (see the "USB host" page of the docs). A board
whose pins include ``USB_HOST_DATA_PLUS`` and ``USB_HOST_DATA_MINUS`` (the Feather RP2040 USB
Host, the Metro RP2350, the Fruit Jam) starts its host port by itself, as its firmware does; on
other boards a program starts one with `usb_host.Port` or `max3421e.Max3421E`.
"""

from __future__ import annotations

from protoboard.bindings.usb import core, util

__all__ = ["core", "util"]
