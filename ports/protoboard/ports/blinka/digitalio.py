"""``digitalio`` on Blinka's pin objects (``init(mode, pull)``, ``value([v])``), whichever chip
Blinka drives them with. Claims, validation and errors are the binding's, above this."""

from __future__ import annotations

from typing import Any

from protoboard.hal import digitalio as hal
from protoboard.ports.blinka.backend import BlinkaBackend


class DigitalInOut(hal.DigitalInOut):
    def __init__(self, backend: BlinkaBackend, pin: str) -> None:
        super().__init__(backend, pin)
        self._blinka = backend
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
        with self._blinka.calling("digitalio.DigitalInOut"):
            self._pin.init(mode=self._pin.IN, pull=self._pull(pull))
        self._output = False

    def switch_to_output(self, value: bool, drive_mode: hal.DriveMode) -> None:
        # Blinka's pins have no open-drain mode; the binding's drive_mode stays as set
        with self._blinka.calling("digitalio.DigitalInOut"):
            self._pin.init(mode=self._pin.OUT)
        self._output = True
        self.set_value(value)

    # value() is the hot path: a plain try (free when nothing is raised), no path switch
    # (Blinka's pins read and write through what init() opened)
    def set_value(self, value: bool) -> None:
        self._drive = value
        try:
            self._pin.value(1 if value else 0)
        except Exception as exc:
            raise self._blinka.error("digitalio.DigitalInOut value", exc) from None

    def get_value(self) -> bool:
        try:
            return bool(self._pin.value())
        except Exception as exc:
            raise self._blinka.error("digitalio.DigitalInOut value", exc) from None

    def set_pull(self, pull: hal.Pull | None) -> None:
        self.switch_to_input(pull)

    def set_drive_mode(self, drive_mode: hal.DriveMode) -> None:
        self.switch_to_output(self._drive, drive_mode)

    def deinit(self) -> None:
        # Blinka frees a line when its pin is set back to input
        with self._blinka.calling("digitalio.DigitalInOut deinit"):
            self._pin.init(mode=self._pin.IN)
