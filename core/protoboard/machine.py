"""The active machine: one board on one port, with its pin claims and board-level singletons.

Every binding object belongs to the machine that was active when it was made. A user program runs
against exactly one machine per process (the VM); tests make a fresh one for each case.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, Protocol, TypeVar, cast

from protoboard.boards import BoardDef
from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation
from protoboard.hal.errors import PinInUse
from protoboard.modules import MODULES
from protoboard.registry import Port, select_port

if TYPE_CHECKING:
    from protoboard.bindings.microcontroller import Pin

P = ParamSpec("P")
ImplementationT = TypeVar("ImplementationT", bound=Implementation)


class Releasable(Protocol):
    """What the machine releases when it closes (``board.I2C()``, keypad scanners...)."""

    def deinit(self) -> None: ...


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
        self.backend: Backend = port.open_backend(board)
        self.pins: dict[str, Pin] = {}
        self.board_pins: dict[str, Pin] = {}
        for pin_id, names in board.pins.items():
            pin = Pin._create(pin_id, names[0] if names else None)
            self.pins[pin_id] = pin
            for name in names:
                self.board_pins[name] = pin
        self._claimed: set[Pin] = set()
        self._lock = threading.Lock()
        #: board.I2C() and friends, and other per-run objects the bindings keep; each is
        #: deinitialized when the machine closes
        self.singletons: dict[str, Releasable] = {}
        #: set by microcontroller.on_next_reset(); read by the runtime at the next reset
        self.next_run_mode: Any = None
        #: name of the microcontroller.ResetReason this run started from
        self.reset_reason = "POWER_ON"

    # -- modules ------------------------------------------------------------------------------

    @property
    def modules(self) -> frozenset[str]:
        """Built-in modules this board enables that Protoboard provides."""
        return frozenset(self.board.modules) & MODULES.keys()

    # The contract is typed as a callable taking the backend first (a contract class is one), so
    # a type checker checks the arguments against the contract's constructor.
    def create(
        self,
        contract: Callable[Concatenate[Backend, P], ImplementationT],
        *args: P.args,
        **kwargs: P.kwargs,
    ) -> ImplementationT:
        """The port's implementation of ``contract``, made on this machine's backend:
        ``machine.create(hal.digitalio.DigitalInOut, "GPIO13")``. It raises only HAL errors."""
        # The callable is the contract class; its implementation takes the same arguments.
        found = self.port.implementation(cast(type[ImplementationT], contract))
        implementation = cast(Callable[Concatenate[Backend, P], ImplementationT], found)
        return implementation(self.backend, *args, **kwargs)

    # -- pins ---------------------------------------------------------------------------------

    def claim(self, pins: Iterable[Pin]) -> None:
        """Claim all ``pins`` or none: :class:`~protoboard.hal.errors.PinInUse` if one is taken."""
        pins = tuple(pins)
        with self._lock:
            for pin in pins:
                if pin in self._claimed:
                    raise PinInUse(pin._display_name)
            self._claimed.update(pins)

    def release(self, pins: Iterable[Pin]) -> None:
        with self._lock:
            self._claimed.difference_update(pins)

    def release_all(self) -> None:
        """Deinit the singletons and free every pin, as a reset does (the backend stays)."""
        for obj in list(self.singletons.values()):
            obj.deinit()
        self.singletons.clear()
        with self._lock:
            self._claimed.clear()

    def in_use(self, pin: Pin) -> bool:
        return pin in self._claimed

    def close(self) -> None:
        """Deinit the singletons and close the backend. The machine is unusable afterwards."""
        from protoboard.displaycore import registry

        registry.release_all()  # displays stop refreshing before their parts go away
        for obj in list(self.singletons.values()):
            obj.deinit()
        self.singletons.clear()
        self.backend.close()


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
