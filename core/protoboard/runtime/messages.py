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
    #: the soft reboot came from the raw REPL: start the next run there, skipping code.py
    raw_repl: bool = False


@dataclass(frozen=True)
class ResetRequest(ToSupervisor):
    """microcontroller.reset(): a hard reset (boot.py again, the board's state forgotten)."""


@dataclass(frozen=True)
class EraseFilesystem(ToSupervisor):
    """storage.erase_filesystem(): make the drive afresh at the coming reset."""


@dataclass(frozen=True)
class PartReply(ToSupervisor):
    """The answer to a :class:`SetPart`, :class:`AddPart`, :class:`RemovePart` or
    :class:`ListParts` with the same ``id``; ``data`` is what the request asked for (JSON-ready)."""

    id: int
    ok: bool
    error: str | None = None
    data: Any = None


@dataclass(frozen=True)
class PartsLoaded(ToSupervisor):
    """The VM wired the parts file's parts it was given to try (``ok``), or they failed
    (``error``, already shown on the console) and it wired the last good ones instead."""

    ok: bool
    error: str | None = None
    specs: tuple[Any, ...] = ()


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


@dataclass(frozen=True)
class BoardState(ToSupervisor):
    """What changed on the simulated board since the last one (the board view's deltas, see
    :mod:`protoboard.web.boardview.watch`); ``full`` when it is the whole state."""

    delta: dict[str, Any]
    full: bool = False


@dataclass(frozen=True)
class WokenUp(ToSupervisor):
    """An alarm ended the run's (pretended) deep sleep: run code.py again as after a reset,
    with ``alarm`` (protoboard.hal.alarm.WakeAlarm) as alarm.wake_alarm."""

    alarm: Any


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


@dataclass(frozen=True)
class AddPart(ToVM):
    """Wire a part now (``protoboard sim add``); ``spec`` is a
    :class:`protoboard.partsfile.PartSpec`. Answered with a :class:`PartReply`."""

    id: int
    spec: Any


@dataclass(frozen=True)
class RemovePart(ToVM):
    """Take a part off the board now (``protoboard sim remove``); answered with a
    :class:`PartReply`."""

    id: int
    name: str


@dataclass(frozen=True)
class ListParts(ToVM):
    """Describe the attached parts (``protoboard sim parts``); answered with a
    :class:`PartReply` whose ``data`` is the list."""

    id: int


@dataclass(frozen=True)
class WatchBoard(ToVM):
    """Start (``on``) or stop sending :class:`BoardState` deltas: a board view is open."""

    on: bool


@dataclass(frozen=True)
class TraceBoard(ToVM):
    """Send the pins' histories and the bus transactions seen (the logic analyzer); answered
    with a :class:`PartReply`."""

    id: int


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
class AddRequest(ControlRequest):
    """``{"op": "add", "name", "type", "connections", "settings"}``: wire a part for the rest
    of this ``protoboard run``."""

    name: str
    type: str
    connections: dict[str, str]
    settings: dict[str, Any]


@dataclass(frozen=True)
class RemoveRequest(ControlRequest):
    """``{"op": "remove", "name"}``: take a part off for the rest of this ``protoboard run``."""

    name: str


@dataclass(frozen=True)
class PartsRequest(ControlRequest):
    """``{"op": "parts"}``: the attached parts and what can be set on them."""


@dataclass(frozen=True)
class StatusRequest(ControlRequest):
    """``{"op": "status"}``: the board, its state and its USB identity."""


@dataclass(frozen=True)
class WatchRequest(ControlRequest):
    """A board view opened (``on``) or the last one closed: the VM sends state or stops."""

    on: bool


@dataclass(frozen=True)
class TraceRequest(ControlRequest):
    """The logic analyzer's capture: pin histories and bus transactions from the VM."""


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
    if op == "add":
        return AddRequest(
            str(request["name"]),
            str(request["type"]),
            _text_map(request.get("connections", {})),
            dict(request.get("settings", {})),
        )
    if op == "remove":
        return RemoveRequest(str(request["name"]))
    if op == "parts":
        return PartsRequest()
    return UnknownRequest(str(op))


def _text_map(value: Any) -> dict[str, str]:
    if not isinstance(value, dict):
        raise TypeError("connections must be an object of role: pin")
    return {str(key): str(item) for key, item in value.items()}
