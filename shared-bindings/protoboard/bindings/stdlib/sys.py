"""``sys`` as a program sees it: CPython's, except ``sys.implementation``, which says
``circuitpython`` as on a board.

Adafruit libraries branch on it: ``adafruit_requests`` and ``adafruit_connection_manager`` import
``typing`` (which a board lacks) only ``if not sys.implementation.name == "circuitpython"``, so
with CPython's name they fail on the board's drive. Every other attribute, read or set, is the
real ``sys``'s (``sys.path.append``, ``sys.stdout``, ``sys.modules``...).
"""

from __future__ import annotations

import sys as _sys
import types
from typing import Any

from protoboard.version import CIRCUITPYTHON_API_MAJOR

#: the CircuitPython release whose API Protoboard follows (circuitpython-stubs 10.3.1)
VERSION = (CIRCUITPYTHON_API_MAJOR, 3, 1, "")


def _machine_text() -> str:
    """``sys.implementation._machine``: the board's name and chip, as os.uname().machine."""
    try:
        from protoboard.machine import current

        board = current().board
        return f"{board.name} with {board.mcu}"
    except Exception:  # no board active (imported outside a run)
        return "Protoboard"


class _BoardSys(types.ModuleType):
    def __getattr__(self, name: str) -> Any:
        if name == "implementation":
            return types.SimpleNamespace(
                name="circuitpython", version=VERSION, _machine=_machine_text(), _mpy=0
            )
        return getattr(_sys, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(_sys, name, value)

    def __dir__(self) -> list[str]:
        return sorted(set(dir(_sys)))


_board_sys = _BoardSys(__name__, _sys.__doc__)
# This file stays the module's origin (importlib.util.find_spec, reload, inspect).
_board_sys.__dict__.update(
    {name: globals()[name] for name in ("__spec__", "__file__", "__loader__", "__package__")}
)
_sys.modules[__name__] = _board_sys
