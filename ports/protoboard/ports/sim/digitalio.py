"""Simulated GPIO."""

from __future__ import annotations

from protoboard.hal import digitalio as hal
from protoboard.ports.sim.model import Simulator

_PULLS = {None: None, hal.Pull.UP: "up", hal.Pull.DOWN: "down"}


class DigitalInOut(hal.DigitalInOut):
    def __init__(self, backend: Simulator, pin: str) -> None:
        super().__init__(backend, pin)
        self._pin = backend.pins[pin]
        self._pin.configure("input")
        # The hot path: value writes go straight to the simulated pin, one call fewer.
        self.set_value = self._pin.drive  # type: ignore[method-assign]

    def switch_to_input(self, pull: hal.Pull | None) -> None:
        self._pin.configure("input", pull=_PULLS[pull])

    def switch_to_output(self, value: bool, drive_mode: hal.DriveMode) -> None:
        self._pin.configure(
            "output", open_drain=drive_mode is hal.DriveMode.OPEN_DRAIN, drive=value
        )

    def set_value(self, value: bool) -> None:
        self._pin.drive(value)

    def get_value(self) -> bool:
        return self._pin._level

    def set_pull(self, pull: hal.Pull | None) -> None:
        self._pin.set_pull(_PULLS[pull])

    def set_drive_mode(self, drive_mode: hal.DriveMode) -> None:
        self._pin.configure(
            "output", open_drain=drive_mode is hal.DriveMode.OPEN_DRAIN, drive=self._pin._drive
        )

    def deinit(self) -> None:
        self._pin.release()
