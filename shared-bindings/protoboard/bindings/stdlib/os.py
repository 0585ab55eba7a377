"""``os`` as a program on a board sees it: ``os.uname()`` describes the board.

Learn guides tell boards apart with ``"Circuit Playground" in os.uname().machine``. Every other
name is CPython's own ``os``, whose path functions the runtime maps onto the drive (see
:mod:`protoboard.runtime.paths`) and whose ``getenv`` reads ``settings.toml`` as a board's does
(:mod:`protoboard.runtime.settings`).
"""

from __future__ import annotations

import os as _os
from typing import NamedTuple

from protoboard.bindings.stdlib._hostproxy import become_proxy
from protoboard.version import CIRCUITPYTHON_API_VERSION, __release_date__, __version__


class _UnameResult(NamedTuple):
    sysname: str
    nodename: str
    release: str
    version: str
    machine: str


def uname() -> _UnameResult:
    """Returns a named tuple of operating specific and CircuitPython port specific information."""
    try:
        from protoboard.machine import current

        board = current().board
        name, mcu = board.name, board.mcu
    except Exception:  # no board active
        name, mcu = "Protoboard Simulated Board", "cpython"
    version = f"{CIRCUITPYTHON_API_VERSION} (Protoboard {__version__}) on {__release_date__}"
    return _UnameResult(mcu, mcu, CIRCUITPYTHON_API_VERSION, version, f"{name} with {mcu}")


become_proxy(__name__, _os)
