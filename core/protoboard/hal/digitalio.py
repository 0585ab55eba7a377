"""Contract for ``digitalio``: one GPIO line."""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class Pull(enum.Enum):
    UP = "up"
    DOWN = "down"


class DriveMode(enum.Enum):
    PUSH_PULL = "push_pull"
    OPEN_DRAIN = "open_drain"


@dataclass(frozen=True)
class DigitalCapabilities:
    """What a port's GPIO can do; the binding checks these instead of probing with hasattr."""

    pull_up: bool = True
    pull_down: bool = True
    open_drain: bool = True


class DigitalInOut(Implementation):
    """A claimed GPIO. Constructed as an input with no pull, as CircuitPython does."""

    capabilities = DigitalCapabilities()

    def __init__(self, backend: Backend, pin: str) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def switch_to_input(self, pull: Pull | None) -> None: ...

    @abc.abstractmethod
    def switch_to_output(self, value: bool, drive_mode: DriveMode) -> None:
        """Drive ``value`` from the first instant the line becomes an output (no glitch)."""

    @abc.abstractmethod
    def set_value(self, value: bool) -> None: ...

    @abc.abstractmethod
    def get_value(self) -> bool:
        """The level on the line (for an output, what it drives; open drain reads the line)."""

    @abc.abstractmethod
    def set_pull(self, pull: Pull | None) -> None: ...

    @abc.abstractmethod
    def set_drive_mode(self, drive_mode: DriveMode) -> None: ...
