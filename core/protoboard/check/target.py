"""The board a program is checked for: its ``board`` names and its built-in modules.

A real board's facts come from its stub in ``circuitpython-stubs`` (every name ``board``
defines there, ``DISPLAY`` and ``STEMMA_I2C`` included); Protoboard's own boards from their
board files.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from protoboard.boards import BoardError, stub_root
from protoboard.modules import PYTHON_MODULES

#: ``Board ID:...`` in a drive's boot_out.txt names the board that wrote it
_BOOT_OUT_ID = re.compile(r"^Board ID:\s*(\S+)", re.M)


@dataclass(frozen=True)
class Target:
    board_id: str
    title: str
    names: frozenset[str]  # what ``board`` defines
    modules: frozenset[str]  # built-in modules (top-level names)


def _top_level(modules: set[str]) -> frozenset[str]:
    # "busio.SPI", "_bleio (HCI co-processor)": keep the module's own name
    return frozenset(m.split(" ")[0].split(".")[0] for m in modules)


def _stub_names(path: Path) -> frozenset[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
        elif isinstance(node, ast.FunctionDef):
            names.add(node.name)
    return frozenset(names)


@cache
def target(board_id: str | None) -> Target:
    """The target named ``board_id`` (a real board's id, or one of Protoboard's), default
    Protoboard's simulated board. Raises BoardError for an unknown id."""
    from protoboard.boards import stub_board
    from protoboard.registry import select_port

    port = select_port("sim")
    board_id = board_id or port.default_board
    if board_id in port.boards:  # one of ours: CPython stands in for CircuitPython's core
        board = port.board(board_id)
        names = {n for group in board.pins.values() for n in group} | {"board_id"}
        names |= {function.upper() for function in board.buses}
        modules = _top_level(set(board.modules) | set(PYTHON_MODULES))
        return Target(board_id, board.name, frozenset(names), modules)
    board = stub_board(board_id)
    root = stub_root()
    assert root is not None  # stub_board raised otherwise
    stub_names = _stub_names(root / board_id / "__init__.pyi")
    return Target(board_id, board.name, stub_names, _top_level(set(board.modules)))


def board_of_drive(folder: Path) -> str | None:
    """The board id a drive's ``boot_out.txt`` names (a real board writes it at each boot)."""
    try:
        text = (folder / "boot_out.txt").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    found = _BOOT_OUT_ID.search(text)
    return found.group(1) if found else None


__all__ = ["BoardError", "Target", "board_of_drive", "target"]
