"""The active machine: one board on one port, with its pin claims and board-level singletons.

Every binding object belongs to the machine that was active when it was made. A user program runs
against exactly one machine per process (the VM); tests make a fresh one for each case.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from typing import Any

from protoboard.boards import BoardDef
from protoboard.modules import MODULES
from protoboard.registry import Port, select_port


class ResetRequested(BaseException):
    """Raised by ``microcontroller.reset()`` so the runtime can restart the board; a
    BaseException, so a program's ``except Exception`` does not swallow it."""


class Machine:
    """A board definition brought to life on a port.

    ``pins`` maps port pin ids to :class:`microcontroller.Pin` objects and ``board_pins`` maps the
    board's names (``D13``, ``LED``) to the same objects.
    """

    def __init__(self, port: Port, board: BoardDef) -> None:
        from protoboard.bindings.microcontroller import Pin

        self.port = port
        self.board = board
        self.backend = port.open_backend(board)
        self.pins: dict[str, Any] = {}
        self.board_pins: dict[str, Any] = {}
        for pin_id, names in board.pins.items():
            pin = Pin._create(pin_id, names[0] if names else None)
            self.pins[pin_id] = pin
            for name in names:
                self.board_pins[name] = pin
        self._claimed: set[Any] = set()
        self._lock = threading.Lock()
        #: board.I2C() and friends, and other per-run objects the bindings keep
        self.singletons: dict[str, Any] = {}
        #: set by microcontroller.on_next_reset(); read by the runtime at the next reset
        self.next_run_mode: Any = None
        #: name of the microcontroller.ResetReason this run started from
        self.reset_reason = "POWER_ON"

    # -- modules ------------------------------------------------------------------------------

    @property
    def modules(self) -> frozenset[str]:
        """Built-in modules this board enables that Protoboard provides."""
        return frozenset(self.board.modules) & MODULES.keys()

    def impl(self, key: str) -> Any:
        """The port's implementation class for a contract key, e.g. ``"busio.I2C"``."""
        return self.port.implementation(key)

    # -- pins ---------------------------------------------------------------------------------

    def claim(self, pins: Iterable[Any]) -> None:
        """Claim all ``pins`` or none: ``ValueError: D13 in use`` if one is taken."""
        from protoboard.bindings import _validate

        pins = tuple(pins)
        with self._lock:
            for pin in pins:
                if pin in self._claimed:
                    raise _validate.pin_in_use(pin._display_name)
            self._claimed.update(pins)

    def release(self, pins: Iterable[Any]) -> None:
        with self._lock:
            self._claimed.difference_update(pins)

    def in_use(self, pin: Any) -> bool:
        return pin in self._claimed

    def close(self) -> None:
        """Release the backend (threads, files). The machine is unusable afterwards."""
        for obj in list(self.singletons.values()):
            deinit = getattr(obj, "deinit", None)
            if callable(deinit):
                deinit()
        self.singletons.clear()
        close = getattr(self.backend, "close", None)
        if callable(close):
            close()


_active: Machine | None = None
_active_lock = threading.Lock()


def create(port: str | None = None, board: str | None = None) -> Machine:
    """A new machine on the named (or selected) port with the named (or default) board.

    ``PROTOBOARD_PORT`` and ``PROTOBOARD_BOARD`` fill in what is not given.
    """
    selected = select_port(port)
    return Machine(selected, selected.board(board or os.environ.get("PROTOBOARD_BOARD") or None))


def current() -> Machine:
    """The active machine, creating the default one on first use."""
    global _active
    machine = _active
    if machine is None:
        with _active_lock:
            if _active is None:
                _active = create()
            machine = _active
    return machine


def activate(machine: Machine | None) -> Machine | None:
    """Make ``machine`` the active one (None: none); return the previous one."""
    global _active
    with _active_lock:
        previous, _active = _active, machine
    return previous
