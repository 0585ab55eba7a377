"""``digitalio`` on Blinka's pin objects (``init(mode, pull)``, ``value([v])``), whichever chip
Blinka drives them with. Claims, validation and errors are the binding's, above this."""

from __future__ import annotations

from typing import Any

from protoboard.hal import digitalio as hal
from protoboard.ports.blinka.backend import BlinkaBackend


class DigitalInOut(hal.DigitalInOut):
    def __init__(self, backend: BlinkaBackend, pin: str) -> None:
        super().__init__(backend, pin)
        self._pin: Any = backend.blinka_pin(pin)
        self._drive = False
        self._output = False
        self.switch_to_input(None)

    def _pull(self, pull: hal.Pull | None) -> int:
        if pull is hal.Pull.UP:
            return int(self._pin.PULL_UP)
        if pull is hal.Pull.DOWN:
            return int(self._pin.PULL_DOWN)
        return int(getattr(self._pin, "PULL_NONE", 0))

    def switch_to_input(self, pull: hal.Pull | None) -> None:
        self._pin.init(mode=self._pin.IN, pull=self._pull(pull))
        self._output = False

    def switch_to_output(self, value: bool, drive_mode: hal.DriveMode) -> None:
        # Blinka's pins have no open-drain mode; the binding's drive_mode stays as set
        self._pin.init(mode=self._pin.OUT)
        self._output = True
        self.set_value(value)

    def set_value(self, value: bool) -> None:
        self._drive = value
        self._pin.value(1 if value else 0)

    def get_value(self) -> bool:
        return bool(self._pin.value())

    def set_pull(self, pull: hal.Pull | None) -> None:
        self.switch_to_input(pull)

    def set_drive_mode(self, drive_mode: hal.DriveMode) -> None:
        self.switch_to_output(self._drive, drive_mode)

    def deinit(self) -> None:
        # Blinka frees a line when its pin is set back to input
        self._pin.init(mode=self._pin.IN)
