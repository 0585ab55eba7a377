"""A matrix of push buttons on row and column lines, as keypads and keyboards wire them."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from protoboard.ports.sim.parts.base import Part

if TYPE_CHECKING:
    from protoboard.ports.sim.model import SimPin, Simulator


def _driven_level(pin: SimPin) -> bool | None:
    """The level the program actively drives on ``pin``, or None when it does not drive it (an
    input, or an open-drain output letting go)."""
    if pin.mode != "output":
        return None
    if pin._open_drain and pin._drive:
        return None
    return pin.level


class KeyMatrixKeys(Part):
    """Keys at the crossings of row and column lines; a key joins its row and its column.

    The pins are given as lists of board names, rows first::

        pad = sim.attach(KeyMatrixKeys(rows=["D5", "D6"], columns=["D9", "D10", "D11"]))
        pad.press(1, 2)      # the key on row 1, column 2 (keypad key number 1 * 3 + 2)
        pad.release(1, 2)

    The matrix behaves electrically, so any scanning code sees the keys, not just
    ``keypad.KeyMatrix``: with ``diodes=True`` (the default) each key has a diode whose anode is
    on the column (``columns_to_anodes=True``, as ``keypad.KeyMatrix`` assumes by default): a
    row the program drives low pulls the columns of its pressed keys low. With
    ``columns_to_anodes=False`` the diodes are reversed and a row driven high pulls its pressed
    columns high. With ``diodes=False`` a pressed key is a plain wire both ways (a membrane
    keypad): any line the program drives pulls every line connected to it through pressed keys
    (low wins over high), ghost keys included.

    Only lines the program drives as outputs count: a row that is an input, pulled up or not, does
    not pull anything. Connections are named ``row0``, ``row1``..., ``column0``... after
    attaching (``pad.pin("row0")``).
    """

    kind = "KeyMatrixKeys"
    roles = ()

    def __init__(
        self,
        *,
        name: str | None = None,
        rows: Sequence[str] = (),
        columns: Sequence[str] = (),
        columns_to_anodes: bool = True,
        diodes: bool = True,
    ) -> None:
        super().__init__(name=name)
        if isinstance(rows, str) or isinstance(columns, str):
            raise ValueError('rows and columns must be lists of pin names, e.g. rows=["D5", "D6"]')
        self.row_names = tuple(rows)
        self.column_names = tuple(columns)
        if not self.row_names or not self.column_names:
            raise ValueError(
                f"part '{self.name}' needs rows=[...] and columns=[...] "
                '(e.g. rows=["D5", "D6"], columns=["D9", "D10"])'
            )
        self.columns_to_anodes = bool(columns_to_anodes)
        self.diodes = bool(diodes)
        self._pressed: set[tuple[int, int]] = set()
        self._lock = threading.RLock()
        #: pin id -> level this part forces on it (only pins it set; others are left alone)
        self._forced: dict[str, bool] = {}
        self._refreshing = False
        self._dirty = False

    # -- wiring -------------------------------------------------------------------------------

    @property
    def row_roles(self) -> tuple[str, ...]:
        return tuple(f"row{i}" for i in range(len(self.row_names)))

    @property
    def column_roles(self) -> tuple[str, ...]:
        return tuple(f"column{i}" for i in range(len(self.column_names)))

    def _attach(self, sim: Simulator, connections: dict[str, str]) -> None:
        # The base class wires one pin per named role; a matrix has lists, given as options.
        if connections:
            raise ValueError(
                f"part '{self.name}' takes its pins as rows=[...] and columns=[...], "
                f"not {', '.join(sorted(connections))}="
            )
        names = dict(zip(self.row_roles, self.row_names, strict=True))
        names.update(zip(self.column_roles, self.column_names, strict=True))
        resolved = {role: sim.pin(pin_name).id for role, pin_name in names.items()}
        seen: dict[str, str] = {}
        for role, pin_id in resolved.items():
            if pin_id in seen:
                raise ValueError(
                    f"part '{self.name}': {names[role]} is wired to both {seen[pin_id]} and {role}"
                )
            seen[pin_id] = role
        # This instance's roles are its rows and columns.
        self.optional_roles = tuple(resolved)
        super()._attach(sim, resolved)

    def on_attach(self) -> None:
        for role in self.row_roles:
            self.listen(role, self._changed)
        if not self.diodes:
            for role in self.column_roles:
                self.listen(role, self._changed)
        self._refresh()

    def on_detach(self) -> None:
        assert self.sim is not None
        with self._lock:
            for pin_id in self._forced:
                self.sim.pins[pin_id].set_external(None)
            self._forced.clear()

    # -- the keys -----------------------------------------------------------------------------

    def _check(self, row: int, column: int) -> tuple[int, int]:
        if not 0 <= row < len(self.row_names):
            raise IndexError(f"row must be 0-{len(self.row_names) - 1}, not {row}")
        if not 0 <= column < len(self.column_names):
            raise IndexError(f"column must be 0-{len(self.column_names) - 1}, not {column}")
        return row, column

    def press(self, row: int, column: int) -> None:
        """Hold down the key at ``row``, ``column`` (until :meth:`release`)."""
        with self._lock:
            self._pressed.add(self._check(row, column))
            self._refresh()

    def release(self, row: int, column: int) -> None:
        """Let go of the key at ``row``, ``column``."""
        with self._lock:
            self._pressed.discard(self._check(row, column))
            self._refresh()

    def release_all(self) -> None:
        """Let go of every key."""
        with self._lock:
            self._pressed.clear()
            self._refresh()

    def is_pressed(self, row: int, column: int) -> bool:
        return self._check(row, column) in self._pressed

    @property
    def pressed(self) -> frozenset[tuple[int, int]]:
        """The ``(row, column)`` of every key held down."""
        return frozenset(self._pressed)

    def key_number(self, row: int, column: int) -> int:
        """The number ``keypad.KeyMatrix`` gives this key: ``row * len(columns) + column``."""
        row, column = self._check(row, column)
        return row * len(self.column_names) + column

    # -- electrical behaviour -----------------------------------------------------------------

    def _changed(self, pin: Any, level: bool, when: int) -> None:
        self._refresh()

    def _refresh(self) -> None:
        """Work out the level each line is pulled to and apply it; runs again if applying it
        changed a line this part watches (plain-wire matrices feed back)."""
        if self.sim is None:
            return
        with self._lock:
            if self._refreshing:
                self._dirty = True
                return
            self._refreshing = True
            try:
                for _ in range(8):
                    self._dirty = False
                    self._apply(self._wanted_diodes() if self.diodes else self._wanted_wires())
                    if not self._dirty:
                        break
            finally:
                self._refreshing = False

    def _wanted_diodes(self) -> dict[str, bool]:
        conducting = not self.columns_to_anodes  # the row level that turns a diode on
        rows = [self.pin(role) for role in self.row_roles]
        wanted: dict[str, bool] = {}
        for row, column in self._pressed:
            if _driven_level(rows[row]) is conducting:
                wanted[self.connections[f"column{column}"]] = conducting
        return wanted

    def _wanted_wires(self) -> dict[str, bool]:
        # Union the lines joined by pressed keys into nets; a net the program drives is pulled to
        # the driven level (low wins when drivers disagree) on every line it does not drive.
        parent: dict[str, str] = {}

        def find(pin_id: str) -> str:
            while parent.get(pin_id, pin_id) != pin_id:
                pin_id = parent[pin_id]
            return pin_id

        for row, column in self._pressed:
            a = find(self.connections[f"row{row}"])
            b = find(self.connections[f"column{column}"])
            if a != b:
                parent[a] = b
        nets: dict[str, list[str]] = {}
        for pin_id in {p for key in parent.items() for p in key}:
            nets.setdefault(find(pin_id), []).append(pin_id)
        assert self.sim is not None
        wanted: dict[str, bool] = {}
        for members in nets.values():
            levels = [_driven_level(self.sim.pins[pin_id]) for pin_id in members]
            driven = [level for level in levels if level is not None]
            if not driven:
                continue
            level = all(driven)
            for pin_id, own in zip(members, levels, strict=True):
                if own is None:
                    wanted[pin_id] = level
        return wanted

    def _apply(self, wanted: dict[str, bool]) -> None:
        assert self.sim is not None
        for pin_id in [p for p in self._forced if p not in wanted]:
            del self._forced[pin_id]
            self.sim.pins[pin_id].set_external(None)
        for pin_id, level in wanted.items():
            if self._forced.get(pin_id) is not level:
                self._forced[pin_id] = level
                self.sim.pins[pin_id].set_external(level)
