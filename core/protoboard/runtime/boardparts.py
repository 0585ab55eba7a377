"""The supervisor's record of the parts on a running board: the parts file's (the last good
ones, and new ones to try), those ``protoboard sim add`` wired for this session, and those
``protoboard sim remove`` took off.

The supervisor never runs the user's code, so it only reads and checks the parts file
(:func:`protoboard.partsfile.read`); the VM wires the parts, falls back on the last good ones if
the new ones fail, and says which (:class:`~protoboard.runtime.messages.PartsLoaded`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protoboard import partsfile
from protoboard.partsfile import PartsFileError, PartSpec

if TYPE_CHECKING:
    from protoboard.boards import BoardDef
    from protoboard.runtime.world import World


class BoardParts:
    def __init__(self, drive: Path, board: BoardDef, world: World) -> None:
        self.path = drive / partsfile.FILE_NAME
        self.board = board
        self.world = world
        #: the parts file's parts that last wired without error
        self.good: list[PartSpec] = []
        #: what the file said when last read (to notice a change)
        self._last_read: list[PartSpec] | None = None
        self.session: list[PartSpec] = []
        self.removed: set[str] = set()

    def for_run(self, say: Callable[[str], None]) -> dict[str, Any]:
        """The parts fields of a run's VMConfig; reads the parts file again (it may have been
        saved), and says on the console what is wrong with it (the last good parts stay)."""
        try:
            specs = partsfile.read_folder(self.path.parent, self.board)
        except PartsFileError as exc:
            hint = f"\n({exc.hint})" if exc.hint else ""
            say(f"\n{exc.message}{hint}\nThe board keeps the parts it had before.\n")
            return self._fields(self.good, None)
        if specs != self._last_read:
            for spec in specs:  # the file's new values win over earlier 'sim set's
                self.world.forget(spec.name)
            self._last_read = specs
        if specs == self.good:
            return self._fields(self.good, None)
        return self._fields(specs, self.good)

    def _fields(self, parts: list[PartSpec], fallback: list[PartSpec] | None) -> dict[str, Any]:
        names = {spec.name for spec in parts}
        return {
            "parts": list(parts),
            "parts_fallback": None if fallback is None else list(fallback),
            "session_parts": [spec for spec in self.session if spec.name not in names],
            "removed_parts": sorted(self.removed),
        }

    def loaded(self, ok: bool, specs: tuple[Any, ...]) -> None:
        """The VM's word on the parts it tried."""
        if ok:
            self.good = list(specs)

    def spec_for_add(
        self, name: str, kind: str, connections: dict[str, str], settings: dict[str, Any]
    ) -> PartSpec:
        """A checked spec for ``protoboard sim add`` (PartsFileError if it cannot be)."""
        if len(self.session) >= partsfile.MAX_PARTS:
            raise PartsFileError(f"at most {partsfile.MAX_PARTS} parts can be added in a session")
        table: dict[str, Any] = {"type": kind, **settings, **connections}
        spec = partsfile.spec_from(
            name, table, self.board, where="sim add", folder=self.path.parent
        )
        spec = PartSpec(**{**spec.__dict__, "source": "sim add"})
        partsfile.check_drivers([*self.good, *self.session, spec], self.board)
        return spec

    def added(self, spec: PartSpec) -> None:
        self.session = [s for s in self.session if s.name != spec.name] + [spec]
        self.removed.discard(spec.name)
        self.world.forget(spec.name)

    def taken_off(self, name: str) -> None:
        self.session = [s for s in self.session if s.name != name]
        self.removed.add(name)  # an on-board or parts-file part stays off in the runs to come
        self.world.forget(name)
