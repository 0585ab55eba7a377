"""Board data from Blinka's board module for the board PlatformDetect finds.

Blinka's ``board.py`` picks the module for the detected board; we load that file under a
private name (``board`` is ours: a program's ``import board`` gets Protoboard's), then read its
pins: every attribute that is one of Blinka's pin objects. Names that share a pin object are
one pin with several names, as on a CircuitPython board.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from protoboard.boards import BoardDef, BoardError

#: Blinka's variables that say a USB bridge (or its test board) is in use
BRIDGE_VARIABLES = (
    "BLINKA_FT232H",
    "BLINKA_FT2232H",
    "BLINKA_FT4232H",
    "BLINKA_MCP2221",
    "BLINKA_U2IF",
    "BLINKA_GREATFET",
    "BLINKA_NOVA",
    "BLINKA_OS_AGNOSTIC",
)
PRIVATE_NAME = "_protoboard_blinka_board"
NOT_INSTALLED = "the Blinka port needs Adafruit Blinka: pip install 'protoboard[blinka]'"


def bridge_requested() -> bool:
    return any(os.environ.get(name) for name in BRIDGE_VARIABLES)


def blinka_board_module() -> ModuleType:
    """Blinka's ``board`` module, loaded under a private name."""
    if PRIVATE_NAME in sys.modules:
        return sys.modules[PRIVATE_NAME]
    spec = importlib.util.find_spec("adafruit_blinka")
    if spec is None or spec.origin is None:
        raise BoardError(NOT_INSTALLED)
    path = Path(spec.origin).parent.parent / "board.py"
    file_spec = importlib.util.spec_from_file_location(PRIVATE_NAME, path)
    if file_spec is None or file_spec.loader is None:
        raise BoardError(f"{NOT_INSTALLED} (its board.py is missing)")
    module = importlib.util.module_from_spec(file_spec)
    try:
        file_spec.loader.exec_module(module)
    except NotImplementedError as exc:  # Blinka's "board not supported"
        raise BoardError(f"Blinka does not support this computer: {exc}") from None
    sys.modules[PRIVATE_NAME] = module
    return module


def _is_pin(value: Any) -> bool:
    return type(value).__name__ == "Pin" and hasattr(value, "id")


def pin_id(pin: Any) -> str:
    """Our port pin id for one of Blinka's pins (ids are numbers or (chip, line) pairs)."""
    raw = pin.id if not isinstance(pin.id, tuple) else "_".join(str(part) for part in pin.id)
    return f"P{raw}"


def blinka_pins(module: ModuleType) -> dict[str, Any]:
    """Port pin id -> Blinka's pin object."""
    return {
        pin_id(value): value
        for name, value in vars(module).items()
        if not name.startswith("_") and _is_pin(value)
    }


@cache
def detected_board() -> BoardDef:
    return board_from_module(blinka_board_module())


def board_from_module(module: ModuleType) -> BoardDef:
    """Our board definition for one of Blinka's board modules."""
    names: dict[str, list[str]] = {}
    for name, value in vars(module).items():
        if not name.startswith("_") and _is_pin(value):
            names.setdefault(pin_id(value), []).append(name)
    board_id = str(getattr(module, "board_id", None) or "blinka_board")
    return BoardDef(
        board_id=board_id,
        name=f"{board_id} (through Blinka)",
        mcu="blinka",
        pins={pin: tuple(pin_names) for pin, pin_names in names.items()},
        modules=frozenset({"board", "micropython", "digitalio", "supervisor", "storage"}),
        source=str(getattr(module, "__file__", "")),
    )
