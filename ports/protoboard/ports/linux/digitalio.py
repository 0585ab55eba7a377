"""``digitalio`` on a kernel GPIO line (libgpiod v2): pulls as bias, open drain as drive."""

from __future__ import annotations

import fcntl

from protoboard.hal import digitalio as hal
from protoboard.ports.linux import gpio
from protoboard.ports.linux.backend import LinuxBackend

_ioctl = fcntl.ioctl


class DigitalInOut(hal.DigitalInOut):
    def __init__(self, backend: LinuxBackend, pin: str) -> None:
        super().__init__(backend, pin)
        self._req, (self._offset,) = gpio.request(backend, {pin: gpio.input_settings(None)})
        self._fd = self._req.fd
        # The two possible writes, packed once: a write is then a single ioctl.
        self._on = gpio.VALUES.pack(1, 1)
        self._off = gpio.VALUES.pack(0, 1)
        self._values = gpio.LineValues(self._fd, 1)
        self._drive = False
        self._drive_mode = hal.DriveMode.PUSH_PULL

    def switch_to_input(self, pull: hal.Pull | None) -> None:
        gpio.reconfigure(self._req, self._offset, gpio.input_settings(pull))

    def switch_to_output(self, value: bool, drive_mode: hal.DriveMode) -> None:
        gpio.reconfigure(self._req, self._offset, gpio.output_settings(value, drive_mode))
        self._drive = value
        self._drive_mode = drive_mode

    def set_value(self, value: bool) -> None:
        self._drive = value
        _ioctl(self._fd, gpio.SET_VALUES, self._on if value else self._off)

    def get_value(self) -> bool:
        return bool(self._values.get_all())

    def set_pull(self, pull: hal.Pull | None) -> None:
        self.switch_to_input(pull)

    def set_drive_mode(self, drive_mode: hal.DriveMode) -> None:
        self.switch_to_output(self._drive, drive_mode)

    def deinit(self) -> None:
        self._req.release()
