"""Ports register themselves through the ``protoboard.ports`` entry-point group.

A port is data: a name, a priority, a ``detect`` hook, its boards, and lazy references to its
implementation classes (``"module:Class"``) keyed by the contract class they implement, so
selecting one port never imports another's code.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import Any, TypeVar, cast

from protoboard.boards import BoardDef, BoardError, boards_in, stub_board, stub_board_ids
from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation, contract_name

ImplementationT = TypeVar("ImplementationT", bound=Implementation)
#: an implementation class, or its lazy ``"module:Class"`` reference
ImplementationRef = str | type[Implementation]

ENTRY_POINT_GROUP = "protoboard.ports"
#: ports shipped with Protoboard, found without scanning every installed distribution's entry
#: points (which costs tens of milliseconds at each start); they are registered as entry points
#: too, so plug-in discovery sees them like any other port.
BUILTIN_PORTS = {"sim": "protoboard.ports.sim:PORT"}


class PortError(RuntimeError):
    """No usable port, or an unknown port name (the message lists the choices)."""


def load_ref(ref: str) -> Any:
    """Import ``"package.module:Attribute"``."""
    module_name, _, attribute = ref.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


@dataclass(frozen=True)
class Port:
    name: str
    description: str
    #: higher wins when several ports detect their hardware
    priority: int
    #: contract class (``protoboard.hal.digitalio.DigitalInOut``) -> ``"module:Class"`` of its
    #: implementation (a class also works, for tests)
    implementations: Mapping[type[Implementation], ImplementationRef]
    #: "module:function" (or the function) called with a BoardDef, returning the board's Backend
    backend: str | Callable[[BoardDef], Backend]
    #: package whose ``boards/`` folder holds this port's board files
    boards_package: str
    default_board: str
    #: "module:function" returning True when this port's hardware is present; None = always
    detect: str | None = None
    #: whether any board from circuitpython-stubs can be run on this port (the simulator)
    any_stub_board: bool = False
    extras: Mapping[str, Any] = field(default_factory=dict)

    def detected(self) -> bool:
        return self.detect is None or bool(load_ref(self.detect)())

    @property
    def boards(self) -> dict[str, BoardDef]:
        return _boards(self.boards_package)

    def board(self, board_id: str | None) -> BoardDef:
        board_id = board_id or self.default_board
        own = self.boards
        if board_id in own:
            return own[board_id]
        if self.any_stub_board and board_id in stub_board_ids():
            return stub_board(board_id)
        hint = "; 'protoboard boards' lists them" if self.any_stub_board else ""
        raise BoardError(f"unknown board id '{board_id}' for port '{self.name}'{hint}")

    def board_ids(self) -> list[str]:
        ids = list(self.boards)
        if self.any_stub_board:
            ids += [b for b in stub_board_ids() if b not in self.boards]
        return ids

    def implementation(self, contract: type[ImplementationT]) -> type[ImplementationT]:
        """The class implementing ``contract`` on this port (imported on first use)."""
        found = _implementation(self.name, contract, self.implementations.get(contract))
        return cast(type[ImplementationT], found)

    def open_backend(self, board: BoardDef) -> Backend:
        factory: Callable[[BoardDef], Backend] = (
            load_ref(self.backend) if isinstance(self.backend, str) else self.backend
        )
        return factory(board)


@cache
def _boards(package: str) -> dict[str, BoardDef]:
    return boards_in(package)


@cache
def _implementation(
    port: str, contract: type[Implementation], ref: ImplementationRef | None
) -> type[Implementation]:
    if ref is None:
        name = contract_name(contract)
        raise NotImplementedError(f"the '{port}' port has no implementation of {name}")
    found: type[Implementation] = load_ref(ref) if isinstance(ref, str) else ref
    return found


@cache
def ports() -> dict[str, Port]:
    """Every installed port, by name."""
    from importlib.metadata import entry_points  # slow to import: only when scanning

    found: dict[str, Port] = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        port = builtin_port(ep.name) if ep.name in BUILTIN_PORTS else ep.load()
        if not isinstance(port, Port):
            raise PortError(f"entry point {ep.value} is not a protoboard Port")
        found[port.name] = port
    return found


@cache
def builtin_port(name: str) -> Port:
    port: Port = load_ref(BUILTIN_PORTS[name])
    return port


def select_port(name: str | None = None) -> Port:
    """The port named (argument, then ``PROTOBOARD_PORT``), else the best detected one."""
    name = name or os.environ.get("PROTOBOARD_PORT") or None
    if name in BUILTIN_PORTS:
        return builtin_port(name)
    available = ports()
    if name:
        if name not in available:
            choices = ", ".join(sorted(available)) or "none"
            raise PortError(f"unknown port '{name}' (installed ports: {choices})")
        return available[name]
    detected = [p for p in available.values() if p.detected()]
    if not detected:
        raise PortError("no port is installed; reinstall protoboard (the 'sim' port ships with it)")
    return max(detected, key=lambda p: p.priority)
