"""Simulated GPIO."""

from __future__ import annotations

import time

from protoboard.hal import digitalio as hal
from protoboard.ports.sim.model import Simulator

_monotonic_ns = time.monotonic_ns

_PULLS = {None: None, hal.Pull.UP: "up", hal.Pull.DOWN: "down"}


class DigitalInOut(hal.DigitalInOut):
    def __init__(self, backend: Simulator, pin: str) -> None:
        super().__init__(backend, pin)
        self._pin = backend.pins[pin]
        self._pin.configure("input")

    def switch_to_input(self, pull: hal.Pull | None) -> None:
        self._pin.configure("input", pull=_PULLS[pull])

    def switch_to_output(self, value: bool, drive_mode: hal.DriveMode) -> None:
        self._pin.configure(
            "output", open_drain=drive_mode is hal.DriveMode.OPEN_DRAIN, drive=value
        )

    # The hot path of every blink: the pin's drive and level are updated here, in one call,
    # rather than through SimPin methods (each Python call costs ~10% of a write).
    def set_value(self, value: bool) -> None:
        pin = self._pin
        if pin._wave is not None:
            pin.sync()
        pin._drive = value
        if pin._open_drain:
            pin._update()
        elif value is not pin._level:
            pin._level = value
            now = _monotonic_ns()
            pin._history.append((now, value))
            if pin._listeners:
                for listener in pin._listeners:
                    listener(pin, value, now)

    def get_value(self) -> bool:
        pin = self._pin
        # A part's waveform is worked out when the program looks (one comparison otherwise).
        if pin._wave is not None and pin._wave_next <= _monotonic_ns():
            pin.sync()
        return pin._level

    def set_pull(self, pull: hal.Pull | None) -> None:
        self._pin.set_pull(_PULLS[pull])

    def set_drive_mode(self, drive_mode: hal.DriveMode) -> None:
        self._pin.configure(
            "output", open_drain=drive_mode is hal.DriveMode.OPEN_DRAIN, drive=self._pin._drive
        )

    def deinit(self) -> None:
        self._pin.release()
