"""Simulated alarms: time on the host's monotonic clock (the program's ``time.monotonic()``),
pin levels from the simulated pins, touch from ``TouchPad`` parts."""

from __future__ import annotations

import time
from collections.abc import Sequence

from protoboard.hal import alarm as hal
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.touch import TouchPad


class Sleeper(hal.Sleeper):
    def __init__(self, backend: Simulator) -> None:
        super().__init__(backend)
        self._sim = backend

    def level(self, pin: str, pull: bool, value: bool) -> bool:
        sim_pin = self._sim.pins[pin]
        if pull and sim_pin.mode in ("unused", "input"):
            # the alarm's pull holds the pin at the level opposite its value
            sim_pin.set_pull("down" if value else "up")
        return sim_pin.level

    def _touched(self, pin: str) -> bool:
        return any(isinstance(part, TouchPad) and part.touched for part in self._sim.parts_on(pin))

    def fired(self, alarms: Sequence[hal.WakeAlarm], start_levels: dict[str, bool]) -> int | None:
        now = time.monotonic()
        for index, alarm in enumerate(alarms):
            if alarm.kind == "time" and now >= alarm.monotonic_time:
                return index
            if alarm.kind == "pin":
                level = self.level(alarm.pin, alarm.pull, alarm.value)
                if level == alarm.value and not (
                    alarm.edge and start_levels.get(alarm.pin) == alarm.value
                ):
                    return index
                if alarm.edge and level != alarm.value:
                    start_levels[alarm.pin] = level  # armed: the next change to value fires
            if alarm.kind == "touch" and self._touched(alarm.pin):
                return index
        return None
