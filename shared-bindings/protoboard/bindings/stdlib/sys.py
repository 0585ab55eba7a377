"""``sys`` as a program on a board sees it: ``sys.implementation`` says CircuitPython.

Programs and libraries ask ``sys.implementation.name == "circuitpython"`` to take their board
code paths, and ``sys.implementation.version[0] >= 10`` to pick an API (Learn guides do both).
Protoboard follows CircuitPython 10's API, so it answers as CircuitPython 10.3 would, with
``_machine`` naming the simulated board as a board names itself ("<board> with <mcu>").

``sys.platform`` is the board's chip family as CircuitPython names it (``"Atmel SAMD21"``,
``"nRF52840"``, ``"RP2040"``, ``"Espressif"``...): ``adafruit_circuitplayground`` picks the
Express or the Bluefruit code by it.

Everything else is CPython's own ``sys`` (``path``, ``modules``, ``stdout``, ``exit``...); on
purpose ``version`` and ``version_info`` stay CPython's: the Python the program runs on is
CPython, and libraries use them to choose code paths that work here.
"""

from __future__ import annotations

import sys as _sys
from typing import Any

from protoboard.bindings.stdlib._hostproxy import HostProxy, become_proxy
from protoboard.version import CIRCUITPYTHON_API_VERSION

#: ``MPY_FILE_HEADER_INT``: .mpy version 6, sub-version 3, no native code architecture
_MPY = 6 | (3 << 8)


class _Implementation(tuple[Any, ...]):
    """MicroPython's "attrtuple": a tuple whose items are also attributes (one of them starts
    with an underscore, which a NamedTuple refuses)."""

    _fields = ("name", "version", "_machine", "_mpy")

    def __new__(cls, name: str, version: tuple[Any, ...], machine: str, mpy: int) -> Any:
        return super().__new__(cls, (name, version, machine, mpy))

    name = property(lambda self: self[0])
    version = property(lambda self: self[1])
    _machine = property(lambda self: self[2])
    _mpy = property(lambda self: self[3])

    def __repr__(self) -> str:
        pairs = ", ".join(
            f"{field}={value!r}" for field, value in zip(self._fields, self, strict=True)
        )
        return f"({pairs})"


def _machine() -> str:
    try:
        from protoboard.machine import current

        board = current().board
        return f"{board.name} with {board.mcu}"
    except Exception:  # no board active (a tool imported this): still a valid answer
        return "Protoboard Simulated Board with cpython"


def _version() -> tuple[Any, ...]:
    major, minor, micro = (int(part) for part in CIRCUITPYTHON_API_VERSION.split("."))
    return (major, minor, micro, "")


#: SAMD51 boards among the atmel-samd port's (their ids say so; the stubs do not name the chip)
_SAMD51 = ("m4", "samd51", "same5", "pyportal", "pygamer", "pybadge", "grandcentral",
           "matrixportal", "hallowing", "monster_m4sk", "edgebadge")  # fmt: skip


def _platform() -> str:
    """CircuitPython's ``MICROPY_PY_SYS_PLATFORM`` for the board's port."""
    try:
        from protoboard.machine import current

        board = current().board
        port, board_id = board.mcu, board.board_id
    except Exception:  # no board active
        return "Protoboard"
    if port == "atmel-samd":
        return "MicroChip SAMD51" if any(m in board_id for m in _SAMD51) else "Atmel SAMD21"
    if port == "raspberrypi":
        return "RP2350" if "2350" in board_id or "pico2" in board_id else "RP2040"
    names = {"nordic": "nRF52840", "espressif": "Espressif", "cxd56": "CXD56",
             "mimxrt10xx": "NXP IMXRT10XX", "broadcom": "BROADCOM", "stm": "STM32"}  # fmt: skip
    return names.get(port, "Protoboard")


class _BoardSys(HostProxy):
    """The proxy, with the names that depend on the active board worked out when read (a
    process runs programs on several boards: tests, ``exec`` after ``exec``)."""

    @property
    def implementation(self) -> _Implementation:
        made: _Implementation = _Implementation("circuitpython", _version(), _machine(), _MPY)
        return made

    @property
    def platform(self) -> str:
        return _platform()


become_proxy(__name__, _sys, _BoardSys)
