"""Contract for ``alarm``: what wakes a sleeping board.

Alarms cross the boundary as :class:`WakeAlarm` descriptions (picklable, so the alarm that woke
the board from deep sleep reaches the next run). The port watches them: time on the board's
monotonic clock, pin levels from its pins, touch from its touch pads.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from dataclasses import dataclass

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation

#: bytes of alarm.sleep_memory (an ESP32-S3's RTC memory)
SLEEP_MEMORY_LENGTH = 4096


@dataclass(frozen=True)
class WakeAlarm:
    """``kind`` is "time", "pin" or "touch"; ``pin`` a port pin id; ``monotonic_time`` in
    seconds of ``time.monotonic()``."""

    kind: str
    monotonic_time: float = 0.0
    pin: str = ""
    value: bool = False
    edge: bool = False
    pull: bool = False


class Sleeper(Implementation):
    """One per board."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def fired(self, alarms: Sequence[WakeAlarm], start_levels: dict[str, bool]) -> int | None:
        """The index of an alarm that has fired now, or None. ``start_levels``: each pin
        alarm's level when the sleep began (an edge alarm fires on a change to its value)."""

    @abc.abstractmethod
    def level(self, pin: str, pull: bool, value: bool) -> bool:
        """A pin alarm's pin level now (with the pull toward ``not value`` when ``pull``)."""

    def deinit(self) -> None:
        """Nothing to release."""
