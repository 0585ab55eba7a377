"""Board pin names: does our ``board`` module on a board expose exactly that board's pin names
(from the sim port's TOML, or the board's stub in ``circuitpython-stubs``' board_definitions)?"""

from __future__ import annotations

import dataclasses
import importlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protoboard.bindings.microcontroller import Pin
from protoboard.boards import stub_root
from protoboard.conformance.scope import STUBS_DISTRIBUTION
from protoboard.registry import select_port
from protoboard.testing import simulated_board


@dataclass
class BoardReport:
    board_id: str
    source: str = ""
    expected: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    board_id_ok: bool = True
    #: bus functions the board definition has (``I2C``, ``STEMMA_I2C``...). Reported as a
    #: warning, not a failure: a stub names the function but not its pins, which live in the
    #: board's C config, so a port may not be able to provide every one.
    bus_functions: list[str] = field(default_factory=list)
    bus_functions_missing: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.missing and not self.extra and self.board_id_ok

    def as_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["ok"] = self.ok
        return data


_STUB_PIN = re.compile(r"^([^\s:#]+)\s*:\s*microcontroller\.Pin\b", re.M)
_STUB_BUS = re.compile(r"^def\s+(\w+)\(\)\s*->\s*busio\.(?:I2C|SPI|UART)\s*:", re.M)


def board_stub_path(board_id: str) -> Path | None:
    root = stub_root()
    if root is None:
        return None
    path = root / board_id / "__init__.pyi"
    return path if path.is_file() else None


def expected_board_names(board_id: str) -> tuple[str, list[str], list[str]]:
    """(source, pin names, bus function names) of a board: the sim port's own TOML if it ships
    the board, else the board's stub in ``board_definitions``."""
    port = select_port("sim")
    own = port.boards.get(board_id)
    if own is not None:
        pins = [name for names in own.pins.values() for name in names]
        buses = [bus.upper() for bus in own.buses]
        return own.source, pins, buses
    path = board_stub_path(board_id)
    if path is None:
        raise LookupError(
            f"unknown board id '{board_id}' (neither a sim board nor in "
            f"{STUBS_DISTRIBUTION}' board_definitions)"
        )
    text = path.read_text(encoding="utf-8")
    # A regex rather than ast: some boards have pin names that are not identifiers
    # (``32KHZ_XTAL1``), which real boards expose through getattr() all the same.
    return str(path), _STUB_PIN.findall(text), _STUB_BUS.findall(text)


def check_board(board_id: str) -> BoardReport:
    """Does our ``board`` on ``board_id`` expose exactly that board's pin names?"""
    report = BoardReport(board_id)
    try:
        report.source, expected, buses = expected_board_names(board_id)
    except (LookupError, OSError) as exc:
        report.error = str(exc)
        return report
    report.expected = list(dict.fromkeys(expected))
    report.bus_functions = list(dict.fromkeys(buses))
    try:
        with simulated_board(board_id):
            board = importlib.import_module("board")
            ours = {name for name in board.__all__ if isinstance(getattr(board, name, None), Pin)}
            report.board_id_ok = board.board_id == board_id
            for name in report.bus_functions:
                if not callable(getattr(board, name, None)):
                    report.bus_functions_missing.append(name)
    except Exception as exc:
        report.error = f"{type(exc).__name__}: {exc}"
        return report
    wanted = set(report.expected)
    report.missing = [name for name in report.expected if name not in ours]
    report.extra = sorted(ours - wanted)
    return report


def all_board_ids() -> list[str]:
    return select_port("sim").board_ids()
