"""``help()`` at the REPL, as a CircuitPython board answers it.

A board's ``help`` is MicroPython's: a welcome text, ``help("modules")`` listing the built-in
modules in four columns, and ``help(obj)`` naming an object's type and members. CPython's pydoc
would list the computer's ~300 modules and page through host documentation instead.
"""

from __future__ import annotations

from collections.abc import Callable
from inspect import ismodule
from typing import Any

from protoboard.version import __version__

WELCOME = (
    f"Welcome to Protoboard {__version__}!\n\n"
    "Visit circuitpython.org for more information.\n\n"
    'To list built-in modules type `help("modules")`.\n'
)
BINDINGS = "protoboard.bindings."
COLUMNS = 4
COLUMN_WIDTH = 18
_NOTHING = object()


def module_names() -> list[str]:
    """The built-in modules a program on the active board can import."""
    from protoboard import machine
    from protoboard.boardimport import BOARD_STANDARD
    from protoboard.modules import PYTHON_MODULES

    return sorted({*machine.current().modules, *PYTHON_MODULES, *BOARD_STANDARD})


def format_columns(names: list[str]) -> str:
    """Names in four columns read top to bottom; a name longer than a column pushes the rest of
    its row to the next multiple of the column width, as MicroPython prints them."""
    rows = (len(names) + COLUMNS - 1) // COLUMNS
    out = []
    for row in range(rows):
        cells = names[row::rows]
        line = ""
        for cell in cells[:-1]:
            gap = COLUMN_WIDTH - len(cell)
            while gap < 1:
                gap += COLUMN_WIDTH
            line += cell + " " * gap
        out.append(line + cells[-1])
    return "\n".join(out) + "\n"


def describe(obj: Any) -> str:
    """``help(obj)``: its type, then each public member as ``name -- value``."""
    shown = f"<module '{obj.__name__.removeprefix(BINDINGS)}'>" if ismodule(obj) else str(obj)
    lines = [f"object {shown} is of type {type(obj).__name__}"]
    for name in dir(obj):
        if name.startswith("_") and name != "__name__":
            continue
        try:
            value = getattr(obj, name)
        except Exception:  # a property that needs hardware state: name it without a value
            continue
        lines.append(f"  {name} -- {value}")
    return "\n".join(lines) + "\n"


def make_help(write: Callable[[str], None]) -> Callable[..., None]:
    """The ``help`` function for a REPL writing to ``write``."""

    def help(obj: Any = _NOTHING) -> None:
        if obj is _NOTHING:
            write(WELCOME)
        elif obj == "modules":
            write(format_columns(module_names()) + "Plus any modules on the filesystem\n")
        else:
            write(describe(obj))

    return help
