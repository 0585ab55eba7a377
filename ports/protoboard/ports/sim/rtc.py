"""Simulated real-time clock: the board's ``Clock`` part (named ``RTC`` on the default board).

A board file may wire one in ``[[parts]]``; a board without one gets a ``Clock`` named ``RTC``
the first time the program uses the clock, so tests and ``protoboard sim`` find it by name.
"""

from __future__ import annotations

from protoboard.hal import rtc as hal
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.clock import Clock

#: what a SAMD51's FREQCORR register accepts
CALIBRATION_RANGE = (-127, 127)


def board_clock(sim: Simulator) -> Clock:
    """The board's clock part, attached on first use when the board file has none."""
    with sim.lock:
        for part in sim.parts.values():
            if isinstance(part, Clock):
                return part
        name = "RTC" if "RTC" not in sim.parts else "RTC_CLOCK"
        clock = Clock(name=name)
        sim.attach(clock)
        return clock


class RTC(hal.RTC):
    calibration_range = CALIBRATION_RANGE

    def __init__(self, backend: Simulator) -> None:
        super().__init__(backend)
        self._sim = backend

    def read(self) -> int:
        return board_clock(self._sim).seconds

    def write(self, seconds: int) -> None:
        board_clock(self._sim).seconds = seconds

    def read_calibration(self) -> int:
        return board_clock(self._sim).calibration

    def write_calibration(self, value: int) -> None:
        board_clock(self._sim).calibration = value
