"""Board data from Blinka's board module for the board PlatformDetect finds.

Blinka's ``board`` picks the module for the detected board; we load it privately
(:mod:`protoboard.ports.blinka.loader`: a program's ``import board`` gets Protoboard's), then
read its pins: every attribute that is one of Blinka's pin objects. Names that share a pin are
one pin with several names, as on a CircuitPython board. A pin's id is its name in Blinka's
``microcontroller.pin`` (the chip's name for it, ``D4``, ``C0``...), so
``microcontroller.pin.D4`` is the same object as the board name that uses it.
"""

from __future__ import annotations

import os
from functools import cache
from types import ModuleType
from typing import Any

from protoboard.boards import BoardDef, BoardError, BusPins
from protoboard.ports.blinka.loader import NOT_INSTALLED, blinka_module

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

#: modules every Blinka board gets: the runtime's own, pure ones every CircuitPython board has
#: (``adafruit_neopixel`` subclasses ``adafruit_pixelbuf.PixelBuf``), and those the bridge
#: implements on any board Blinka drives (``microcontroller``'s processor and NVM are the host's)
ALWAYS = frozenset(
    {"board", "micropython", "supervisor", "storage", "microcontroller", "nvm"}
    | {"adafruit_pixelbuf", "rainbowio"}
)
#: our module -> Blinka's module that must import for the board to enable it (Blinka raises
#: NotImplementedError at import for a board it has no such code for)
BLINKA_MODULES = {
    "digitalio": "digitalio",
    "busio": "busio",
    "pwmio": "pwmio",
    "analogio": "analogio",
    "neopixel_write": "neopixel_write",
}
#: Blinka's chip data (lists in its ``microcontroller.pin``) -> our pin capability
CAPABILITY_LISTS = {"analogIns": "analog_in", "analogOuts": "analog_out", "pwmOuts": "pwm"}
#: default buses: role -> board names to try, in order
DEFAULT_BUSES: dict[str, dict[str, tuple[str, ...]]] = {
    "i2c": {"scl": ("SCL",), "sda": ("SDA",)},
    "spi": {"clock": ("SCK", "SCLK"), "MOSI": ("MOSI",), "MISO": ("MISO",)},
    "uart": {"tx": ("TX", "UART_TX"), "rx": ("RX", "UART_RX")},
}
#: the roles a default bus cannot do without
REQUIRED_ROLES = {"i2c": ("scl", "sda"), "spi": ("clock",), "uart": ()}


def bridge_requested() -> bool:
    return any(os.environ.get(name) for name in BRIDGE_VARIABLES)


def blinka_board_module() -> ModuleType:
    """Blinka's ``board`` module, loaded under a private name."""
    try:
        return blinka_module("board")
    except NotImplementedError as exc:  # Blinka's "board not supported"
        raise BoardError(f"Blinka does not support this computer: {exc}") from None
    except ModuleNotFoundError as exc:
        raise BoardError(f"{NOT_INSTALLED} (it could not import {exc.name})") from None
    except RuntimeError as exc:  # Blinka: "The platform library 'x' was not found. To install..."
        raise BoardError(f"Blinka could not set up this computer's board: {exc}") from None


def _is_pin(value: Any) -> bool:
    return type(value).__name__ == "Pin" and hasattr(value, "id")


class PinNames:
    """Our pin ids for Blinka's pin objects: the chip's name from ``microcontroller.pin``.

    Pins are matched by object first, then by id (Blinka's chip modules make ``SDA = Pin(2)``
    beside ``D2 = Pin(2)``: one pin). Pins with no id (a test board's bus pins) are matched
    by object only; a pin the chip module does not list is ``P<id>``, or the board's name."""

    def __init__(self, chip: ModuleType | None) -> None:
        self._by_object: dict[int, str] = {}
        self._by_id: dict[Any, str] = {}
        for name, value in vars(chip or ModuleType("none")).items():
            if name.startswith("_") or not _is_pin(value):
                continue
            if value.id is not None:  # the first name of an id names every object with it
                name = self._by_id.setdefault(_hashable(value.id), name)
            self._by_object.setdefault(id(value), name)

    def name(self, pin: Any, board_name: str) -> str:
        found = self._by_object.get(id(pin))
        if found is None and pin.id is not None:
            found = self._by_id.get(_hashable(pin.id))
        if found is None:
            raw = pin.id if not isinstance(pin.id, tuple) else "_".join(map(str, pin.id))
            found = f"P{raw}" if raw is not None else board_name
        return found


def _hashable(value: Any) -> Any:
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _flat(entry: Any) -> tuple[Any, ...]:
    """A ``pwmOuts``/``analogIns`` entry: ``((chip, channel), pin)``, ``(id, pin)`` or a pin."""
    return tuple(entry) if isinstance(entry, tuple) else (entry,)


def chip_module() -> ModuleType | None:
    """Blinka's ``microcontroller.pin`` for the detected chip, or None where it has none."""
    try:
        return blinka_module("microcontroller.pin")
    except (NotImplementedError, ImportError, RuntimeError):
        return None


def board_pins(module: ModuleType, chip: ModuleType | None) -> dict[str, tuple[Any, list[str]]]:
    """Pin id -> (Blinka's pin object, board names)."""
    names = PinNames(chip)
    pins: dict[str, tuple[Any, list[str]]] = {}
    for name, value in vars(module).items():
        if not name.startswith("_") and _is_pin(value):
            pins.setdefault(names.name(value, name), (value, []))[1].append(name)
    return pins


def blinka_pins(module: ModuleType, chip: ModuleType | None) -> dict[str, Any]:
    """Port pin id -> Blinka's pin object."""
    return {pin: value for pin, (value, _) in board_pins(module, chip).items()}


@cache
def detected_board() -> BoardDef:
    module = blinka_board_module()
    return board_from_module(module, chip_module(), enabled_modules())


def enabled_modules() -> frozenset[str]:
    """The modules Blinka has code for on this board (its module imports here)."""
    enabled = set(ALWAYS)
    for ours, theirs in BLINKA_MODULES.items():
        try:
            blinka_module(theirs)
        except NotImplementedError:
            continue  # Blinka: "<module> not supported for this board"
        except Exception:
            pass  # (a missing platform package: enabled; Blinka's error shows on use)
        enabled.add(ours)
    return frozenset(enabled)


def _buses(names: dict[str, str]) -> dict[str, BusPins]:
    buses = {}
    for bus, roles in DEFAULT_BUSES.items():
        # the first of a role's board names that the board has
        chosen = {
            role: next((n for n in options if n in names), None) for role, options in roles.items()
        }
        if all(chosen[role] for role in REQUIRED_ROLES[bus]) and any(chosen.values()):
            buses[bus] = BusPins(chosen)
    return buses


def board_from_module(
    module: ModuleType,
    chip: ModuleType | None = None,
    modules: frozenset[str] = ALWAYS | {"digitalio"},
) -> BoardDef:
    """Our board definition for one of Blinka's board modules (and its chip's pin module)."""
    pins = board_pins(module, chip)
    names = {name: pin for pin, (_, board_names) in pins.items() for name in board_names}
    capabilities: dict[str, frozenset[str]] = {}
    assumed = set()
    for listed, capability in CAPABILITY_LISTS.items():
        entries = getattr(chip, listed, None)
        if entries is None:
            assumed.add(capability)  # Blinka's code decides when the pin is opened
            continue
        # (Blinka's pins compare by id but most cannot be hashed: match by object and id)
        capable = [value for entry in entries for value in _flat(entry) if _is_pin(value)]
        objects = {id(value) for value in capable}
        ids = {_hashable(value.id) for value in capable if value.id is not None}
        capabilities[capability] = frozenset(
            pin
            for pin, (value, _) in pins.items()
            if id(value) in objects or (value.id is not None and _hashable(value.id) in ids)
        )
    board_id = str(getattr(module, "board_id", None) or "blinka_board")
    return BoardDef(
        board_id=board_id,
        name=f"{board_id} (through Blinka)",
        mcu="blinka",
        pins={pin: tuple(board_names) for pin, (_, board_names) in pins.items()},
        modules=frozenset(modules),
        buses=_buses(names),
        capabilities=capabilities,
        assumed=frozenset(assumed),
        source=str(getattr(module, "__file__", "")),
    )
