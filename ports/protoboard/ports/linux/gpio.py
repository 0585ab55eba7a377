"""GPIO line requests through libgpiod v2, with kernel errors turned into the port's errors.

Reads and writes of a claimed line go straight to the kernel's v2 ioctls on the request's file
descriptor (one system call per write, the price libgpiod's C core pays too), so validated
``DigitalInOut.value`` writes cost no more than an unchecked backend's.
"""

from __future__ import annotations

import errno
import fcntl
import struct
from collections.abc import Mapping
from typing import Any

import gpiod
from gpiod.line import Bias, Direction, Drive, Edge, Value

from protoboard.hal.digitalio import DriveMode, Pull
from protoboard.hal.errors import HalError, HardwareError, InvalidPin, PinInUse
from protoboard.ports.linux.backend import LinuxBackend, access_error, on_host

CONSUMER = "protoboard"
# struct gpio_v2_line_values { u64 bits; u64 mask; }: _IOWR(0xB4, 0x0E / 0x0F, 16 bytes)
GET_VALUES = 0xC010B40E
SET_VALUES = 0xC010B40F
VALUES = struct.Struct("=QQ")

BIASES = {None: Bias.DISABLED, Pull.UP: Bias.PULL_UP, Pull.DOWN: Bias.PULL_DOWN}
DRIVES = {DriveMode.PUSH_PULL: Drive.PUSH_PULL, DriveMode.OPEN_DRAIN: Drive.OPEN_DRAIN}


def input_settings(pull: Pull | None, edge: Edge = Edge.NONE) -> gpiod.LineSettings:
    return gpiod.LineSettings(direction=Direction.INPUT, bias=BIASES[pull], edge_detection=edge)


def output_settings(value: bool, drive: DriveMode) -> gpiod.LineSettings:
    return gpiod.LineSettings(
        direction=Direction.OUTPUT,
        output_value=Value.ACTIVE if value else Value.INACTIVE,
        drive=DRIVES[drive],
    )


@on_host
def request(
    backend: LinuxBackend, pins: Mapping[str, gpiod.LineSettings]
) -> tuple[gpiod.LineRequest, list[int]]:
    """Claim the lines of ``pins`` (port pin id -> settings) in one request.

    A line someone else holds (another program, a kernel driver) is ``PinInUse``, as
    CircuitPython says it ("D13 in use"), never the kernel's bare EBUSY."""
    for pin in pins:
        if backend.kernel_owned(pin):
            raise PinInUse(backend.pin_name(pin))
    offsets = [backend.line_offset(pin) for pin in pins]
    path = backend.gpiochip()
    config: dict[Any, gpiod.LineSettings | None] = {
        offset: settings for offset, settings in zip(offsets, pins.values(), strict=True)
    }
    try:
        return gpiod.request_lines(path, config=config, consumer=CONSUMER), offsets
    except OSError as exc:
        raise _request_error(backend, path, list(pins), exc) from None
    except ValueError as exc:  # an offset past the chip's last line
        raise InvalidPin(next(iter(pins))) from exc


def _request_error(backend: LinuxBackend, path: str, pins: list[str], exc: OSError) -> HalError:
    if exc.errno == errno.EBUSY:
        return PinInUse(backend.pin_name(_busy_pin(backend, path, pins)))
    if exc.errno == errno.EINVAL:
        return InvalidPin(pins[0])
    return access_error("gpio", path, exc)


def _busy_pin(backend: LinuxBackend, path: str, pins: list[str]) -> str:
    """Which of ``pins`` is held elsewhere (the kernel's EBUSY does not say)."""
    try:
        with gpiod.Chip(path) as chip:
            for pin in pins:
                if chip.get_line_info(backend.line_offset(pin)).used:
                    return pin
    except (OSError, ValueError):
        pass
    return pins[0]


def reconfigure(req: gpiod.LineRequest, offset: int, settings: gpiod.LineSettings) -> None:
    try:
        req.reconfigure_lines({offset: settings})
    except OSError as exc:
        raise HardwareError(f"the kernel refused the new line settings: {exc.strerror}") from None


class LineValues:
    """Fast reads of the lines of one request (bit i = the request's i-th line)."""

    def __init__(self, fd: int, count: int) -> None:
        self.fd = fd
        self._mask = (1 << count) - 1
        self._query = bytearray(VALUES.pack(0, self._mask))

    def get_all(self) -> int:
        query = self._query
        fcntl.ioctl(self.fd, GET_VALUES, query, True)
        bits: int = VALUES.unpack(query)[0]
        return bits & self._mask
