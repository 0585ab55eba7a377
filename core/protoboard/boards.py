"""Boards as data: pin names, enabled modules, default buses and on-board parts.

A board comes from a TOML file shipped by a port (``ports/<port>/boards/*.toml``) or from the
``circuitpython-stubs`` package, which describes ~640 real CircuitPython boards; either way it
becomes a :class:`BoardDef`. Nothing here knows about a particular port.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any


class BoardError(ValueError):
    """A board file is malformed or a board id is unknown (the message says which and why)."""


@dataclass(frozen=True)
class BusPins:
    """The pins of a board's default bus, by board pin name (``{"scl": "SCL", "sda": "SDA"}``)."""

    pins: Mapping[str, str | None]


@dataclass(frozen=True)
class BoardDef:
    board_id: str
    name: str
    mcu: str
    #: port pin id -> board names, in the order the board lists them (first is the main name).
    pins: Mapping[str, tuple[str, ...]]
    #: CircuitPython modules this board enables.
    modules: frozenset[str]
    #: ``i2c``/``spi``/``uart`` -> default bus pins; extra singletons such as ``STEMMA_I2C``.
    buses: Mapping[str, BusPins] = field(default_factory=dict)
    #: pin capabilities by port pin id: ``analog_in``, ``analog_out``, ``pwm``, ``touch``.
    capabilities: Mapping[str, frozenset[str]] = field(default_factory=dict)
    #: on-board parts as plain data for the port to build (type, name, pin(s), options).
    parts: tuple[Mapping[str, Any], ...] = ()
    nvm_size: int = 4096
    source: str = ""
    #: the board's built-in display (``board.DISPLAY``) as plain data: its bus, driver and
    #: options; None for a board without one
    display: Mapping[str, Any] | None = None
    #: capabilities given to every pin because the board's data does not say which pins have
    #: them (a real board's stub): allowed rather than a false "Invalid pin"
    assumed: frozenset[str] = frozenset()

    @property
    def board_names(self) -> dict[str, str]:
        """Board pin name -> port pin id."""
        return {name: pin for pin, names in self.pins.items() for name in names}

    def has(self, capability: str, pin: str) -> bool:
        return pin in self.capabilities.get(capability, frozenset())

    def i2c_pins_ok(self, scl: str, sda: str) -> bool:
        """Whether one I2C unit can have these clock and data pins. Chips whose I2C units sit on
        fixed pins (the RP2040's GP0/GP1 pair is SDA then SCL) list them as ``i2c_scl:<unit>`` and
        ``i2c_sda:<unit>`` capabilities; a board without them routes any pin (a GPIO matrix, or
        data that does not say)."""
        units = {key.split(":", 1)[1] for key in self.capabilities if key.startswith("i2c_scl:")}
        if not units:
            return True
        return any(self.has(f"i2c_scl:{u}", scl) and self.has(f"i2c_sda:{u}", sda) for u in units)


def _require(data: Mapping[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise BoardError(f"{where}: missing required key '{key}'")
    value = data[key]
    if not isinstance(value, kind):
        raise BoardError(f"{where}: '{key}' must be a {kind.__name__}, not {type(value).__name__}")
    return value


def _on_stub(data: Mapping[str, Any], where: str) -> dict[str, Any]:
    """A board file with ``stub = "<id>"`` takes that real board's pins, buses and the modules
    Protoboard provides from circuitpython-stubs, and adds its own (parts, display, modules)."""
    base = stub_board(_require(data, "stub", str, where))
    merged: dict[str, Any] = {
        "name": base.name,
        "mcu": base.mcu,
        "nvm_size": base.nvm_size,
        "pins": {pin: list(names) for pin, names in base.pins.items()},
        "buses": {bus: dict(pins.pins) for bus, pins in base.buses.items() if pins.pins},
        "capabilities": {
            kind: [base.pins[p][0] for p in sorted(ids)] for kind, ids in base.capabilities.items()
        },
        "assumed": sorted(base.assumed),
    }
    merged.update({k: v for k, v in data.items() if k not in ("modules", "stub")})
    from protoboard.modules import MODULES  # the modules Protoboard has (the stub lists all)

    provided = {name for name in base.modules if name in MODULES}
    merged["modules"] = sorted(provided | set(data.get("modules", ())))
    return merged


def parse_board(data: Mapping[str, Any], where: str) -> BoardDef:
    """Build a :class:`BoardDef` from a board file's parsed TOML, checking every reference."""
    if "stub" in data:
        data = _on_stub(data, where)
    board_id = _require(data, "board_id", str, where)
    pins_table = _require(data, "pins", dict, where)
    pins: dict[str, tuple[str, ...]] = {}
    seen: dict[str, str] = {}
    for pin_id, names in pins_table.items():
        names = (names,) if isinstance(names, str) else tuple(names)
        for name in names:
            if name in seen:
                raise BoardError(
                    f"{where}: board name '{name}' is given to {seen[name]} and {pin_id}"
                )
            seen[name] = pin_id
        pins[pin_id] = names
    buses = {}
    for bus, table in data.get("buses", {}).items():
        for role, name in table.items():
            if name is not None and name not in seen:
                raise BoardError(f"{where}: bus '{bus}' uses unknown pin '{name}' for {role}")
        buses[bus] = BusPins(dict(table))
    capabilities = {}
    for capability, names in data.get("capabilities", {}).items():
        ids = set()
        for name in names:
            if name in pins:
                ids.add(name)
            elif name in seen:
                ids.add(seen[name])
            else:
                raise BoardError(f"{where}: capability '{capability}' names unknown pin '{name}'")
        capabilities[capability] = frozenset(ids)
    return BoardDef(
        board_id=board_id,
        name=data.get("name", board_id),
        mcu=data.get("mcu", "unknown"),
        pins=pins,
        modules=frozenset(_require(data, "modules", list, where)),
        buses=buses,
        capabilities=capabilities,
        parts=tuple(data.get("parts", ())),
        nvm_size=int(data.get("nvm_size", 4096)),
        source=where,
        display=data.get("display"),
        assumed=frozenset(data.get("assumed", ())),
    )


def load_board_file(path: Path | Any) -> BoardDef:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(f"{path}: not valid TOML: {exc}") from None
    return parse_board(data, str(path))


def boards_in(package: str) -> dict[str, BoardDef]:
    """Every ``*.toml`` board in ``package``'s ``boards/`` folder, by board id."""
    from importlib import resources  # slow to import: only when reading board files

    folder = resources.files(package) / "boards"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".toml"):
            board = load_board_file(entry)
            found[board.board_id] = board
    return found


# --- real boards from circuitpython-stubs ---------------------------------------------------------

_PIN_LINE = re.compile(r"^(\w+): microcontroller\.Pin\s*#\s*(\S+)", re.M)
_FUNC_LINE = re.compile(r"^def (\w+)\(\) -> busio\.(I2C|SPI|UART):", re.M)
_DOC_FIELD = re.compile(r"^ - ([\w ]+): (.*)$", re.M)
_TITLE = re.compile(r"Board stub for (.+)")


def stub_root() -> Path | None:
    """The folder of the ``circuitpython-stubs`` board definitions (one folder per board id),
    or None when the stubs are not installed."""
    import importlib.util

    # board_definitions is a namespace package (no __init__.py): take its folder from the spec.
    spec = importlib.util.find_spec("board_definitions")
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


@cache
def stub_board_ids() -> tuple[str, ...]:
    root = stub_root()
    if root is None:
        return ()
    return tuple(sorted(p.name for p in root.iterdir() if (p / "__init__.pyi").is_file()))


def _default_bus(kind: str, names: set[str], function: str) -> BusPins:
    suffix = function[len(kind) :]  # STEMMA_I2C -> "", I2C1 -> "1"
    prefix = function[: -len(kind)] if function.endswith(kind) else ""
    candidates: dict[str, tuple[str, ...]] = {
        "I2C": ("SCL", "SDA"),
        "SPI": ("SCK", "MOSI", "MISO"),
        "UART": ("TX", "RX"),
    }
    roles = {"I2C": ("scl", "sda"), "SPI": ("clock", "MOSI", "MISO"), "UART": ("tx", "rx")}[kind]
    chosen: dict[str, str | None] = {}
    for role, base in zip(roles, candidates[kind], strict=True):
        options = [f"{prefix}{base}{suffix}", f"{base}{suffix}", base]
        if prefix == "STEMMA_":
            options.insert(0, f"STEMMA_{base}")
        chosen[role] = next((o for o in options if o in names), None)
    required = {"I2C": ("scl", "sda"), "SPI": ("clock",), "UART": ()}[kind]
    if any(chosen[r] is None for r in required) or all(v is None for v in chosen.values()):
        return BusPins({})  # the board has this bus, but its pins have no telltale names
    return BusPins(chosen)


# Modules every CPython-hosted board can offer whatever the real board compiles in.
ALWAYS_AVAILABLE = frozenset({"board", "microcontroller", "micropython"})


#: the ADC inputs of chips whose port tells the chip family, by port pin id (the datasheets):
#: RP2040/RP2350 GPIO26-29 (and GPIO40-47 on the RP2350B); nRF52840 AIN0-7
_ADC_PINS = {
    "raspberrypi": re.compile(r"GPIO(2[6-9]|4[0-7])"),
    "nordic": re.compile(r"P0_(0[2-5]|2[89]|3[01])"),
}


def _i2c_units(port: str, pins: Mapping[str, Any]) -> dict[str, frozenset[str]]:
    """The fixed I2C pins of chips whose port tells the chip family: on the RP2040/RP2350 an
    even GPIO is SDA and an odd one SCL, of unit (n // 2) % 2 (the datasheet's function table,
    checked the same way by CircuitPython's ``common_hal_busio_i2c_construct``)."""
    if port != "raspberrypi":
        return {}
    units: dict[str, set[str]] = {}
    for pin in pins:
        match = re.fullmatch(r"GPIO(\d+)", pin)
        if match:
            n = int(match.group(1))
            units.setdefault(f"i2c_{'scl' if n % 2 else 'sda'}:{(n // 2) % 2}", set()).add(pin)
    return {key: frozenset(ids) for key, ids in units.items()}


def _analog_pins(port: str, pins: Mapping[str, Any]) -> set[str] | None:
    """The pins that can be analog inputs, from the chip family's data; None where the port
    (Espressif's many chips, SAMD21/51, ...) does not tell which chip it is."""
    pattern = _ADC_PINS.get(port)
    if pattern is None:
        return None
    return {pin for pin in pins if pattern.fullmatch(pin)}


@cache
def stub_board(board_id: str) -> BoardDef:
    """A real board's pinout and module list, read from ``circuitpython-stubs``."""
    root = stub_root()
    if root is None:
        raise BoardError(
            "the circuitpython-stubs package is not installed; run: pip install circuitpython-stubs"
        )
    path = root / board_id / "__init__.pyi"
    if not path.is_file():
        raise BoardError(f"unknown board id '{board_id}'")
    text = path.read_text(encoding="utf-8")
    fields = dict(_DOC_FIELD.findall(text))
    title = _TITLE.search(text)
    pins: dict[str, list[str]] = {}
    for name, pin_id in _PIN_LINE.findall(text):
        pins.setdefault(pin_id, []).append(name)
    names = {n for group in pins.values() for n in group}
    modules = {m.strip() for m in fields.get("Included modules", "").split(",") if m.strip()}
    buses = {}
    for function, kind in _FUNC_LINE.findall(text):
        buses[function.lower()] = _default_bus(kind, names, function)
    port = fields.get("port", "unknown")
    analog = _analog_pins(port, pins)
    assumed = {"pwm", "touch"} | ({"analog_in"} if analog is None else set())
    return BoardDef(
        board_id=board_id,
        name=title.group(1).strip() if title else board_id,
        mcu=fields.get("port", "unknown"),
        pins={pin: tuple(group) for pin, group in pins.items()},
        modules=frozenset(modules | ALWAYS_AVAILABLE),
        buses=buses,
        # Stubs do not say which pins can touch: allow every pin rather than a false
        # "Invalid pin".
        capabilities={
            "analog_in": frozenset(pins if analog is None else analog),
            "pwm": frozenset(pins),
            "touch": frozenset(pins),
            **_i2c_units(port, pins),
        },
        assumed=frozenset(assumed),
        # Some stubs say "NVM size: Unknown": treat anything but a number as no NVM.
        nvm_size=int(nvm) if (nvm := fields.get("NVM size", "0").strip()).isdigit() else 0,
        source=str(path),
    )
