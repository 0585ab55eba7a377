"""The typed protocol of the runtime: every message between the supervisor and its VMs, and
every request of the control socket, one frozen dataclass each.

A VM sends :class:`ToSupervisor` messages over its pipe (pickled: dataclasses pickle as they
are); the supervisor sends :class:`ToVM` messages back; the control socket's JSON requests are
parsed into :class:`ControlRequest` messages. The supervisor has exactly one handler per
message class (a test checks it), so a message nobody handles cannot be added by accident.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from protoboard.runtime.vmprocess import VMConfig


# -- VM -> supervisor --------------------------------------------------------------------------


@dataclass(frozen=True)
class ToSupervisor:
    """Base of what a VM tells the supervisor."""


@dataclass(frozen=True)
class StateChanged(ToSupervisor):
    """RunContext fields the board keeps across soft reloads changed (autoreload, the next code
    file, a remount...); the keys are field names of both RunContext and the board's state."""

    changes: dict[str, Any]


@dataclass(frozen=True)
class OwnWrite(ToSupervisor):
    """The program is about to write this host path of the drive (not a reason to reload)."""

    path: str


@dataclass(frozen=True)
class ModeChanged(ToSupervisor):
    """The VM left the program: "wait" (press any key) or "repl"."""

    mode: str


@dataclass(frozen=True)
class CodeDone(ToSupervisor):
    """code.py finished; ``outcome`` is a protoboard.vm.Outcome value."""

    outcome: str
    traceback: str | None = None


@dataclass(frozen=True)
class BootOut(ToSupervisor):
    """The text of boot_out.txt (the supervisor writes it, only when it changed)."""

    text: str


@dataclass(frozen=True)
class ReloadRequest(ToSupervisor):
    """Run again: supervisor.reload(), Ctrl-D, an autoreload; ``reason`` is a RunReason name."""

    reason: str = ""


@dataclass(frozen=True)
class ResetRequest(ToSupervisor):
    """microcontroller.reset(): a hard reset (boot.py again, the board's state forgotten)."""


@dataclass(frozen=True)
class EraseFilesystem(ToSupervisor):
    """storage.erase_filesystem(): make the drive afresh at the coming reset."""


@dataclass(frozen=True)
class PartReply(ToSupervisor):
    """The answer to a :class:`SetPart` with the same ``id``."""

    id: int
    ok: bool
    error: str | None = None


@dataclass(frozen=True)
class InternalError(ToSupervisor):
    """Protoboard itself failed in the VM (not the program)."""

    error: str


@dataclass(frozen=True)
class UsbIdentification(ToSupervisor):
    """supervisor.set_usb_identification() from boot.py: what the board's USB device descriptor
    says from the next enumeration on. None and -1 leave a value as it was."""

    manufacturer: str | None = None
    product: str | None = None
    vid: int = -1
    pid: int = -1


# -- supervisor -> VM --------------------------------------------------------------------------


@dataclass(frozen=True)
class ToVM:
    """Base of what the supervisor tells a VM."""


@dataclass(frozen=True)
class Go(ToVM):
    """A spare VM's run: what to run, on which drive and console."""

    config: VMConfig


@dataclass(frozen=True)
class SetPart(ToVM):
    """Change a part of the simulated world now (``protoboard sim set``); answered with a
    :class:`PartReply`."""

    id: int
    part: str
    attribute: str
    value: Any


# -- control socket requests (JSON ``{"op": ...}`` on the wire) ---------------------------------

#: a control socket reply, JSON on the wire: ``ok`` and then ``error``, ``note`` or the data
ControlReply = dict[str, Any]


@dataclass(frozen=True)
class ControlRequest:
    """Base of the control socket's requests."""


@dataclass(frozen=True)
class WorldRequest(ControlRequest):
    """``{"op": "world"}``: the world settings the board applies to every run."""


@dataclass(frozen=True)
class SetRequest(ControlRequest):
    """``{"op": "set", "part", "attribute", "value"}``: change the simulated world."""

    part: str
    attribute: str
    value: Any


@dataclass(frozen=True)
class StatusRequest(ControlRequest):
    """``{"op": "status"}``: the board, its state and its USB identity."""


@dataclass(frozen=True)
class UnknownRequest(ControlRequest):
    """A request whose ``op`` this supervisor does not know (answered with an error)."""

    op: str = ""


def parse_request(request: dict[str, Any]) -> ControlRequest:
    """The typed form of a JSON request; KeyError/TypeError if a known op lacks a field."""
    op = request.get("op")
    if op == "world":
        return WorldRequest()
    if op == "status":
        return StatusRequest()
    if op == "set":
        return SetRequest(str(request["part"]), str(request["attribute"]), request["value"])
    return UnknownRequest(str(op))
