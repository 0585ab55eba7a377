"""Wokwi's ``diagram.json`` read as a parts file: bring a Wokwi project over with its wiring.

A Wokwi project describes its circuit as parts and wires::

    {"parts": [{"type": "board-pi-pico", "id": "pico"},
               {"type": "wokwi-led", "id": "led1", "attrs": {"color": "red"}}],
     "connections": [["pico:GP15", "led1:A", "green", []], ["led1:C", "pico:GND.8", "black", []]]}

:func:`parse` turns the parts Protoboard simulates into the same :class:`PartSpec` values a
``parts.toml`` gives: the wires are joined into nets, and each part pin that matters is traced to
the board pin on its net. Wiring that decides how a part behaves is read too: an LED whose anode
is on 3.3 V and cathode on the pin lights when the pin is low; a button between the pin and 3.3 V
reads high when pressed. Passive parts (resistors, breadboards, labels) are ignored; a part
Protoboard does not simulate is an error naming it, so nothing is silently left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protoboard.partsfile import (
    MAX_FILE,
    MAX_PARTS,
    PartsFileError,
    PartSpec,
    check_drivers,
    spec_from,
)

if TYPE_CHECKING:
    from protoboard.boards import BoardDef

FILE_NAME = "diagram.json"
#: Wokwi board types and the CircuitPython board ids they are
BOARDS = {
    "board-pi-pico": "raspberry_pi_pico",
    "board-pi-pico-w": "raspberry_pi_pico_w",
    "board-pi-pico2": "raspberry_pi_pico2",
    "board-esp32-devkit-c-v4": "espressif_esp32_devkitc_v4_wroom_32e",
    "board-esp32-s2-devkitm-1": "espressif_esp32s2_devkitc_1_n4",
    "board-esp32-s3-devkitc-1": "espressif_esp32s3_devkitc_1_n8",
    "board-esp32-c3-devkitm-1": "espressif_esp32c3_devkitm_1_n4",
}
#: parts that only shape a circuit; they carry no behaviour of their own here
PASSIVE = frozenset(
    {"wokwi-resistor", "wokwi-breadboard", "wokwi-breadboard-mini", "wokwi-breadboard-half",
     "wokwi-text", "wokwi-junction", "wokwi-logo", "wokwi-capacitor", "wokwi-diode"}
)  # fmt: skip
_POWER = re.compile(r"^(3V3|3\.3V|VCC|VDD|5V|VBUS|VSYS|VIN)$", re.IGNORECASE)
_GROUND = re.compile(r"^(GND|AGND|VSS)$", re.IGNORECASE)
MAX_CONNECTIONS = 2000


@dataclass
class _Part:
    kind: str
    id: str
    attrs: dict[str, Any]
    line: int


@dataclass
class _Nets:
    """Union-find over ``part:pin`` endpoints."""

    parent: dict[str, str] = field(default_factory=dict)

    def find(self, item: str) -> str:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: str, b: str) -> None:
        self.parent[self.find(a)] = self.find(b)

    def net(self, item: str) -> list[str]:
        root = self.find(item)
        return [other for other in list(self.parent) if self.find(other) == root]


@dataclass(frozen=True)
class _Mapping:
    """How a Wokwi part becomes one of ours: its type, which of its pins are which role, and
    its settings from attrs and wiring."""

    kind: str
    pins: dict[str, str]
    settings: Callable[[_Part, _Wiring], dict[str, Any]] = lambda part, wiring: {}


@dataclass
class _Wiring:
    nets: _Nets
    board_id: str

    def level(self, endpoint: str) -> str | None:
        """``"high"``/``"low"`` when ``endpoint`` is wired to the board's power or ground."""
        for other in self.nets.net(endpoint):
            owner, _, pin = other.partition(":")
            if owner != self.board_id:
                continue
            base = pin.split(".")[0]
            if _POWER.match(base):
                return "high"
            if _GROUND.match(base):
                return "low"
        return None


def _led(part: _Part, wiring: _Wiring) -> dict[str, Any]:
    settings: dict[str, Any] = {"color": str(part.attrs.get("color", "red"))}
    if wiring.level(f"{part.id}:A") == "high":  # anode on 3.3 V: the pin sinks the current
        settings["active_high"] = False
    return settings


def _button(part: _Part, wiring: _Wiring) -> dict[str, Any]:
    levels = {wiring.level(f"{part.id}:{pin}") for pin in ("1.l", "1.r", "2.l", "2.r")}
    return {"active_low": False} if "high" in levels else {}


def _pixels(count: Callable[[_Part], int]) -> Callable[[_Part, _Wiring], dict[str, Any]]:
    return lambda part, wiring: {"count": count(part)}


def _attr_int(part: _Part, key: str, default: int) -> int:
    try:
        return int(part.attrs.get(key, default))
    except (TypeError, ValueError):
        return default


PARTS: dict[str, _Mapping] = {
    "wokwi-led": _Mapping("LED", {"A": "pin", "C": "pin"}, _led),
    "wokwi-pushbutton": _Mapping(
        "Button", {"1.l": "pin", "1.r": "pin", "2.l": "pin", "2.r": "pin"}, _button
    ),
    "wokwi-potentiometer": _Mapping("Potentiometer", {"SIG": "pin"}),
    "wokwi-slide-potentiometer": _Mapping("Potentiometer", {"SIG": "pin"}),
    "wokwi-servo": _Mapping("Servo", {"PWM": "pin"}),
    "wokwi-neopixel": _Mapping("NeoPixelStrip", {"DIN": "pin"}, _pixels(lambda p: 1)),
    "wokwi-led-ring": _Mapping(
        "NeoPixelStrip", {"DIN": "pin"}, _pixels(lambda p: _attr_int(p, "pixels", 16))
    ),
    "wokwi-neopixel-matrix": _Mapping(
        "NeoPixelStrip",
        {"DIN": "pin"},
        _pixels(lambda p: _attr_int(p, "rows", 8) * _attr_int(p, "cols", 8)),
    ),
    "wokwi-ky-040": _Mapping("RotaryEncoder", {"CLK": "pin_a", "DT": "pin_b"}),
    "board-ssd1306": _Mapping(
        "SSD1306", {"SCL": "scl", "SDA": "sda"}, lambda part, wiring: {"height": 64}
    ),
}


def read(path: Path, board: BoardDef) -> list[PartSpec]:
    """The parts of the diagram at ``path``, checked against ``board``."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE:
            raise PartsFileError(f"{path.name} is {size} bytes; at most {MAX_FILE} are read")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise PartsFileError(f"can't read {path.name}: {exc}", "save it as UTF-8 text") from None
    return parse(text, board, source=path.name, folder=path.parent)


def parse(text: str, board: BoardDef, *, source: str, folder: Path) -> list[PartSpec]:
    """The simulated parts a diagram's text describes."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PartsFileError(
            f"{source} line {exc.lineno}: not valid JSON ({exc.msg})",
            "export the diagram from Wokwi again, or fix that line",
        ) from None
    parts, connections = _shape(data, source)
    wokwi_parts = [_part(entry, text, source) for entry in parts]
    board_parts = [
        p for p in wokwi_parts if p.kind.startswith("board-") and p.kind != "board-ssd1306"
    ]
    if len(board_parts) != 1:
        raise PartsFileError(
            f"{source}: a diagram needs exactly one board part (board-pi-pico...), "
            f"it has {len(board_parts)}"
        )
    nets = _Nets()
    for connection in connections:
        nets.join(connection[0], connection[1])
    for part in wokwi_parts:
        if part.kind == "wokwi-resistor":  # a series resistor carries the signal through
            nets.join(f"{part.id}:1", f"{part.id}:2")
    wiring = _Wiring(nets, board_parts[0].id)
    specs = []
    meant = BOARDS.get(board_parts[0].kind)
    for part in wokwi_parts:
        if part is board_parts[0] or part.kind in PASSIVE:
            continue
        try:
            specs.append(_spec(part, wiring, board, source=source, folder=folder))
        except PartsFileError as exc:
            if meant is None or meant == board.board_id:
                raise
            raise PartsFileError(
                exc.message,
                f"{source} is wired to a {board_parts[0].kind}: run with --board {meant}",
            ) from None
    check_drivers(specs, board)
    return specs


def diagram_board(text: str) -> str | None:
    """The CircuitPython board id of a diagram's board part, if Protoboard knows it."""
    try:
        parts = json.loads(text).get("parts", [])
    except (ValueError, AttributeError):
        return None
    for entry in parts if isinstance(parts, list) else []:
        if isinstance(entry, dict) and entry.get("type") in BOARDS:
            return BOARDS[entry["type"]]
    return None


def _shape(data: Any, source: str) -> tuple[list[Any], list[list[str]]]:
    if not isinstance(data, dict) or not isinstance(data.get("parts"), list):
        raise PartsFileError(
            f'{source} is not a Wokwi diagram (no "parts" list)',
            "a diagram.json is the file Wokwi's editor shows beside your code",
        )
    parts, connections = data["parts"], data.get("connections", [])
    if len(parts) > MAX_PARTS or not isinstance(connections, list):
        raise PartsFileError(f"{source}: at most {MAX_PARTS} parts and a list of connections")
    if len(connections) > MAX_CONNECTIONS:
        raise PartsFileError(f"{source}: {len(connections)} wires; at most {MAX_CONNECTIONS}")
    wires = []
    for wire in connections:
        if (
            not isinstance(wire, list)
            or len(wire) < 2
            or not all(isinstance(end, str) and ":" in end for end in wire[:2])
        ):
            raise PartsFileError(
                f'{source}: a connection {str(wire)[:60]} is not ["part:pin", "part:pin", ...]'
            )
        wires.append(wire[:2])
    return parts, wires


def _part(entry: Any, text: str, source: str) -> _Part:
    if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
        raise PartsFileError(f'{source}: a part {str(entry)[:60]} has no "type"')
    part_id = entry.get("id")
    if not isinstance(part_id, str) or not part_id:
        raise PartsFileError(f'{source}: a {entry["type"]} has no "id"')
    attrs: dict[str, Any] = entry["attrs"] if isinstance(entry.get("attrs"), dict) else {}
    at = text.find(f'"{part_id}"')
    line = text.count("\n", 0, at) + 1 if at >= 0 else 0
    return _Part(entry["type"], part_id, attrs, line)


def _spec(part: _Part, wiring: _Wiring, board: BoardDef, *, source: str, folder: Path) -> PartSpec:
    where = f"{source} line {part.line}" if part.line else source
    mapping = PARTS.get(part.kind)
    if mapping is None:
        raise PartsFileError(
            f"{where}: '{part.id}' is a {part.kind}, which Protoboard does not simulate",
            f"remove it from {source}, or describe the board's parts in parts.toml instead "
            f"(parts.toml wins over {source}); 'protoboard parts' lists what there is",
        )
    table: dict[str, Any] = {"type": mapping.kind, **mapping.settings(part, wiring)}
    for wokwi_pin, role in mapping.pins.items():
        pin = _board_pin(wiring, f"{part.id}:{wokwi_pin}", board)
        if pin is not None:
            table.setdefault(role, pin)
    name = re.sub(r"\W", "_", part.id) or "part"
    spec = spec_from(name, table, board, where=where, folder=folder, line=part.line)
    return PartSpec(**{**spec.__dict__, "source": source})


def _board_pin(wiring: _Wiring, endpoint: str, board: BoardDef) -> str | None:
    """The board pin on ``endpoint``'s net (power and ground are not pins)."""
    names = board.board_names
    for other in wiring.nets.net(endpoint):
        owner, _, pin = other.partition(":")
        if owner != wiring.board_id:
            continue
        base = pin.split(".")[0]
        if _POWER.match(base) or _GROUND.match(base):
            continue
        for candidate in (base, base.upper(), f"IO{base.lstrip('D')}", f"GP{base}"):
            if candidate in names:
                return candidate
        return base  # spec_from names it as a pin the board lacks, with suggestions
    return None
