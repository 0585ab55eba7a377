"""Wiring pictures: an SVG of a board and the parts a ``parts.toml`` wires to it.

The board is drawn as an outline with its header pins down the right edge (power first, then
the board's pins in its own order), the parts as labelled boxes to the right, and one wire per
connection, each in its own lane so no two wires share a line. Power wires (3.3 V, 5 V, GND)
are added for the parts that need them, as on a breadboard. The picture is made from the same
data the simulator uses (:mod:`protoboard.partsfile`, the board definition), so it cannot say
something the simulated board does not do.

``render_folder(folder)`` draws a project folder's ``parts.toml``; the docs build calls it for
every tutorial (docs/_ext/tutorials.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

if TYPE_CHECKING:
    from protoboard.boards import BoardDef
    from protoboard.partsfile import PartSpec

#: power terminals a catalog part needs, beside its signal pins ("3V", "5V", "GND")
POWER: dict[str, tuple[str, ...]] = {
    "BME280": ("3V", "GND"),
    "BME280SPI": ("3V", "GND"),
    "LIS3DH": ("3V", "GND"),
    "LIS3DHSPI": ("3V", "GND"),
    "SSD1306": ("3V", "GND"),
    "SSD1306SPI": ("3V", "GND"),
    "Potentiometer": ("3V", "GND"),
    "NeoPixelStrip": ("5V", "GND"),
    "Servo": ("5V", "GND"),
    "Button": ("GND",),
    "LED": ("GND",),
    "RotaryEncoder": ("GND",),
}
#: the board's power header pins, drawn above its signal pins
POWER_PINS = ("3V", "5V", "GND")
#: wire colours by role, as the usual jumper-wire habits (black ground, red power...)
COLOURS = {
    "GND": "#222222",
    "3V": "#d62728",
    "5V": "#ff7f0e",
    "scl": "#e6b800",
    "sda": "#1f77b4",
    "clock": "#e6b800",
    "mosi": "#1f77b4",
    "miso": "#9467bd",
    "cs": "#8c564b",
}
SIGNAL = "#2ca02c"

PIN_GAP = 18
BOARD_X, BOARD_Y, BOARD_W = 20, 64, 150
LANE_X0, LANE_GAP = BOARD_X + BOARD_W + 30, 10
PART_W, TERMINAL_GAP, PART_GAP = 170, 18, 22
FONT = "font-family='DejaVu Sans, Arial, sans-serif'"


@dataclass(frozen=True)
class Wire:
    """One connection: from the board's header pin ``pin`` to ``part``'s terminal ``role``."""

    pin: str
    part: str
    role: str


def header_pins(board: BoardDef) -> list[str]:
    """The header as drawn: power pins, then each board pin by its first (main) name."""
    return [*POWER_PINS, *(names[0] for names in board.pins.values())]


def _main_name(board: BoardDef, name: str) -> str:
    pin_id = board.board_names.get(name)
    return board.pins[pin_id][0] if pin_id is not None else name


def _bus_roles(spec: PartSpec) -> dict[str, str]:
    """Roles a part takes from the board's default bus when the parts file leaves them out."""
    from protoboard import partsfile

    try:
        cls = partsfile._class_of(spec)
    except Exception:  # a user part that cannot be imported here: draw what the file says
        return {}
    return {"bus": getattr(cls, "default_bus", "") or ""}


def wires_of(board: BoardDef, specs: Iterable[PartSpec]) -> list[Wire]:
    """Every wire the parts need: their connections (default bus pins filled in), then power."""
    wires: list[Wire] = []
    for spec in specs:
        connections = dict(spec.connections)
        bus = _bus_roles(spec).get("bus")
        if bus and bus in board.buses:
            for role, pin in board.buses[bus].pins.items():
                if pin is not None:
                    connections.setdefault(role.lower(), pin)
        for role, pin in connections.items():
            wires.append(Wire(_main_name(board, pin), spec.name, role))
        for power in POWER.get(spec.type, ()):
            wires.append(Wire(power, spec.name, power))
    return wires


def _onboard(board: BoardDef) -> list[tuple[str, str]]:
    """The board's own parts with a pin: (label, main pin name)."""
    found = []
    for part in board.parts:
        pin = part.get("pin")
        if isinstance(pin, str):
            found.append((f"{part.get('name', part.get('type'))}", _main_name(board, pin)))
    return found


def _text(
    x: float, y: float, text: str, *, size: int = 11, anchor: str = "start", **extra: str
) -> str:
    attrs = "".join(f" {k.replace('_', '-')}='{v}'" for k, v in extra.items())
    return (
        f"<text x='{x:g}' y='{y:g}' font-size='{size}' text-anchor='{anchor}' {FONT}{attrs}>"
        f"{escape(text)}</text>"
    )


def _board(board: BoardDef, pin_y: dict[str, int], used: set[str]) -> list[str]:
    """The board: outline, name, header pins (used ones marked), its own parts by their pins."""
    height = 30 + len(pin_y) * PIN_GAP
    out = [
        f"<rect x='{BOARD_X}' y='{BOARD_Y}' width='{BOARD_W}' height='{height}' rx='10' "
        "fill='#1a4d8f' stroke='#0d2a50' stroke-width='2'/>",
        _text(BOARD_X, BOARD_Y - 8, board.name, size=11, fill="#0d2a50"),
    ]
    onboard = {pin: label for label, pin in _onboard(board)}
    for name, y in pin_y.items():
        hole = "#ffd700" if name in used else "#c0c0c0"
        out.append(f"<circle cx='{BOARD_X + BOARD_W - 10}' cy='{y}' r='4' fill='{hole}'/>")
        out.append(_text(BOARD_X + BOARD_W - 18, y + 4, name, size=10, anchor="end", fill="white"))
        if name in onboard:
            out.append(
                f"<rect x='{BOARD_X + 8}' y='{y - 7}' width='58' height='14' rx='3' "
                "fill='#f5f5f5' stroke='#888'/>"
            )
            out.append(_text(BOARD_X + 37, y + 4, onboard[name], size=9, anchor="middle"))
    return out


def _parts(
    specs: Sequence[PartSpec], wires: list[Wire], part_x: int
) -> tuple[list[str], dict[tuple[str, str], int], int]:
    """A box per part with a terminal per wire on its left edge; also where each terminal is
    and the height the boxes take."""
    out: list[str] = []
    terminals: dict[tuple[str, str], int] = {}
    y = BOARD_Y
    for spec in specs:
        roles = [w.role for w in wires if w.part == spec.name]
        height = 34 + max(len(roles), 1) * TERMINAL_GAP
        out.append(
            f"<rect x='{part_x}' y='{y}' width='{PART_W}' height='{height}' rx='6' "
            "fill='#fff8e1' stroke='#555' stroke-width='1.5'/>"
        )
        out.append(_text(part_x + 10, y + 16, spec.name, size=12, font_weight="bold"))
        out.append(_text(part_x + 10, y + 29, spec.type, size=10, fill="#555"))
        for i, role in enumerate(roles):
            ty = y + 34 + i * TERMINAL_GAP + 6
            terminals[(spec.name, role)] = ty
            out.append(f"<circle cx='{part_x}' cy='{ty}' r='3.5' fill='#555'/>")
            out.append(_text(part_x + 8, ty + 4, role, size=10))
        y += height + PART_GAP
    return out, terminals, y


def _wires(
    wires: list[Wire], pin_y: dict[str, int], terminals: dict[tuple[str, str], int], part_x: int
) -> list[str]:
    """Each wire: from its pin to a lane of its own, along it, then to its terminal."""
    out = []
    for i, wire in enumerate(wires):
        start_x, start_y = BOARD_X + BOARD_W - 10, pin_y.get(wire.pin)
        if start_y is None:
            continue  # a pin the header does not show (never for a file partsfile accepted)
        lane = LANE_X0 + i * LANE_GAP
        end_y = terminals[(wire.part, wire.role)]
        colour = COLOURS.get(wire.role, SIGNAL)
        out.append(
            f"<polyline points='{start_x},{start_y} {lane},{start_y} {lane},{end_y} "
            f"{part_x},{end_y}' fill='none' stroke='{colour}' stroke-width='2.5' "
            "stroke-linejoin='round'/>"
        )
    return out


def render(board: BoardDef, specs: Sequence[PartSpec], *, title: str = "") -> str:
    """The SVG text of ``board`` with ``specs`` wired to it."""
    pins = header_pins(board)
    wires = wires_of(board, specs)
    pin_y = {name: BOARD_Y + 30 + i * PIN_GAP for i, name in enumerate(pins)}
    part_x = LANE_X0 + max(len(wires), 1) * LANE_GAP + 30
    boxes, terminals, parts_end = _parts(specs, wires, part_x)
    out = _board(board, pin_y, {w.pin for w in wires}) + boxes
    out += _wires(wires, pin_y, terminals, part_x)
    width = part_x + PART_W + 20
    height = max(BOARD_Y + 30 + len(pins) * PIN_GAP, parts_end) + 20
    heading = _text(BOARD_X, 30, title, size=15, font_weight="bold") if title else ""
    return (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}'>"
        f"<rect width='100%' height='100%' fill='white'/>{heading}{''.join(out)}</svg>\n"
    )


def render_folder(folder: Path, board_id: str | None = None, *, title: str = "") -> str:
    """The wiring picture of a project folder's parts file on ``board_id`` (default: the
    simulated board)."""
    from protoboard.partsfile import read_folder
    from protoboard.registry import builtin_port

    board = builtin_port("sim").board(board_id)
    return render(board, read_folder(Path(folder), board), title=title)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m protoboard.wiring FOLDER OUT.svg``: write a folder's wiring picture."""
    import sys

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 2:
        print("usage: python -m protoboard.wiring FOLDER OUT.svg", file=sys.stderr)
        return 2
    Path(args[1]).write_text(render_folder(Path(args[0])), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
