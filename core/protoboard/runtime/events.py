"""What reaches the supervisor's main loop, from its threads (VM readers, the watcher, the
control socket, timers, signals): one dataclass per kind, handled one at a time in order."""

from __future__ import annotations

import queue
from dataclasses import dataclass
from pathlib import Path

from protoboard.runtime.messages import ControlReply, ControlRequest, ToSupervisor
from protoboard.runtime.vmpool import VM


@dataclass(frozen=True)
class Event:
    """Base of the main loop's events."""


@dataclass(frozen=True)
class FromVM(Event):
    vm: VM
    message: ToSupervisor


@dataclass(frozen=True)
class VMExited(Event):
    vm: VM
    exitcode: int | None


@dataclass(frozen=True)
class DriveChanged(Event):
    path: Path


@dataclass(frozen=True)
class DriveSettled(Event):
    paths: list[Path]


@dataclass(frozen=True)
class StopGraceOver(Event):
    """A VM asked to stop for a reload had its time: kill it if it is still running."""

    vm: VM


@dataclass(frozen=True)
class Tick(Event):
    """Twice a second: image sync, waiting for a drive."""


@dataclass(frozen=True)
class Control(Event):
    request: ControlRequest
    reply: queue.Queue[ControlReply]


@dataclass(frozen=True)
class SpareWanted(Event):
    """The run is under way: time to prepare the next VM."""


@dataclass(frozen=True)
class Quit(Event):
    why: str
