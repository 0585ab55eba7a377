"""Contract for the board as a USB *host* (``usb``, ``usb_host``, ``max3421e``).

A port provides the host controller as TinyUSB does on a board: it enumerates what is plugged in
(reads the device and configuration descriptors, gives each device an address, configures it) and
then moves bytes: control transfers on endpoint 0 and interrupt/bulk transfers on the endpoints a
program opens. The binding builds PyUSB's ``usb.core`` on top (configuration caching, strings,
endpoint lookup) and turns the errors below into ``usb.core.USBError`` and ``USBTimeoutError``.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation
from protoboard.hal.errors import HalError

#: ``Device.speed`` values (PyUSB's, as CircuitPython's ``usb.util``)
SPEED_LOW = 1
SPEED_FULL = 2
SPEED_HIGH = 3


class TransferError(HalError):
    """A transfer did not complete; the message says why in plain words."""


class Stalled(TransferError):
    """The device answered STALL (a request it does not support, or a halted endpoint)."""


class TimedOut(TransferError):
    """No data came (the device NAKed) before the timeout."""


class Gone(TransferError):
    """No device answers at that address any more (it was unplugged)."""


@dataclass(frozen=True)
class Mounted:
    """One enumerated device: its address, speed and the descriptors read while enumerating."""

    address: int
    speed: int
    device_descriptor: bytes
    configuration_descriptor: bytes
    #: each time a device is plugged in it is a new ``Mounted`` (an unplugged and replugged
    #: device is not the same device to a program that still holds the old one)
    generation: int

    @property
    def vid(self) -> int:
        return int.from_bytes(self.device_descriptor[8:10], "little")

    @property
    def pid(self) -> int:
        return int.from_bytes(self.device_descriptor[10:12], "little")

    def boot_keyboard_interfaces(self) -> tuple[int, ...]:
        """Interfaces with HID class, boot subclass, keyboard protocol (what CircuitPython's
        keyboard workflow takes for the console)."""
        found = []
        for kind, body in walk_descriptors(self.configuration_descriptor):
            if kind == 0x04 and len(body) >= 9 and body[5:8] == bytes([0x03, 0x01, 0x01]):
                found.append(body[2])
        return tuple(found)


def walk_descriptors(data: bytes) -> list[tuple[int, bytes]]:
    """The ``(bDescriptorType, descriptor)`` pairs of a configuration descriptor set. Raises
    ValueError, in plain words, for a set that is cut short or has a zero-length descriptor
    (which would make a parser loop for ever)."""
    found = []
    offset = 0
    while offset < len(data):
        length = data[offset]
        if length < 2:
            raise ValueError(f"the descriptor at byte {offset} says it is {length} bytes long")
        if offset + length > len(data):
            raise ValueError(
                f"the descriptor at byte {offset} is {length} bytes long but only "
                f"{len(data) - offset} bytes are left"
            )
        found.append((data[offset + 1], bytes(data[offset : offset + length])))
        offset += length
    return found


class HostPort(Implementation):
    """The board's USB host controller with its root port (one per board).

    ``kind`` says what drives it: ``"usb_host"`` (a native or PIO port on two pins) or
    ``"max3421e"`` (the MAX3421E chip over SPI).
    """

    def __init__(self, backend: Backend, kind: str) -> None:
        super().__init__(backend)
        self.kind = kind

    @abc.abstractmethod
    def devices(self) -> tuple[Mounted, ...]:
        """The devices enumerated now, by address (enumerating any newly plugged in)."""

    @abc.abstractmethod
    def control(
        self, address: int, setup: bytes, data: bytes, timeout_ms: int, generation: int
    ) -> bytes:
        """A control transfer on endpoint 0. ``setup`` is the 8-byte SETUP packet; for an OUT
        request ``data`` is sent, for an IN request up to wLength bytes come back. Returns the
        data stage's IN bytes (b"" for OUT). ``timeout_ms`` 0 waits for ever. Raises
        :class:`Stalled`, :class:`TimedOut` or :class:`Gone`."""

    @abc.abstractmethod
    def transfer(
        self,
        address: int,
        endpoint_descriptor: bytes,
        data: bytes | None,
        size: int,
        timeout_ms: int,
        generation: int,
    ) -> bytes | int:
        """An interrupt or bulk transfer on the endpoint ``endpoint_descriptor`` describes: IN
        (``data`` None) returns up to ``size`` bytes, OUT returns the count written. Waits
        ``timeout_ms`` (0: for ever) for a device that NAKs, then raises :class:`TimedOut`;
        :class:`Stalled` for a halted endpoint, :class:`Gone` for an unplugged device."""

    def deinit(self) -> None:
        """Stop the host: devices are forgotten (a new controller enumerates afresh)."""
