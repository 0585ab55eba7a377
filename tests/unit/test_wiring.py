"""protoboard.wiring: the wiring picture says exactly what the parts file wires."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from protoboard.partsfile import PartsFileError, read_folder
from protoboard.registry import builtin_port
from protoboard.wiring import header_pins, render_folder, wires_of

SVG = "{http://www.w3.org/2000/svg}"


def board():
    return builtin_port("sim").board(None)


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "parts.toml").write_text(text, encoding="utf-8")
    return folder


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def test_one_wire_per_connection_and_power(tmp_path: Path) -> None:
    folder = write(
        tmp_path / "p",
        '[knob]\ntype = "Potentiometer"\npin = "A1"\n\n'
        '[oled]\ntype = "SSD1306"\n\n'  # no pins given: the board's I2C bus
        '[lamp]\ntype = "LED"\npin = "D13"\n',
    )
    specs = read_folder(folder, board())
    wires = {(w.pin, w.part, w.role) for w in wires_of(board(), specs)}
    assert wires == {
        ("A1", "knob", "pin"),
        ("3V", "knob", "3V"),
        ("GND", "knob", "GND"),
        ("SCL", "oled", "scl"),
        ("SDA", "oled", "sda"),
        ("3V", "oled", "3V"),
        ("GND", "oled", "GND"),
        ("D13", "lamp", "pin"),  # LED is D13's other name: drawn at the header's main name
        ("GND", "lamp", "GND"),
    }
    root = ET.fromstring(render_folder(folder))
    assert len(list(root.iter(f"{SVG}polyline"))) == len(wires)
    labels = texts(root)
    for expected in ("knob", "Potentiometer", "oled", "SSD1306", "lamp", "scl", "sda"):
        assert expected in labels
    assert all(pin in labels for pin in header_pins(board()))


def test_wires_end_at_their_pin_and_terminal(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", '[b]\ntype = "Button"\npin = "D5"\n')
    root = ET.fromstring(render_folder(folder))
    # each wire starts at the x of the header's pin holes, at the height of its pin's label
    pin_y = {
        t.text: float(t.get("y")) - 4
        for t in root.iter(f"{SVG}text")
        if t.get("text-anchor") == "end"
    }
    starts = set()
    for line in root.iter(f"{SVG}polyline"):
        points = [tuple(map(float, p.split(","))) for p in line.get("points").split()]
        starts.add(points[0][1])
        assert points[0][1] == points[1][1] and points[1][0] == points[2][0]  # elbows only
    assert starts == {pin_y["D5"], pin_y["GND"]}


def test_empty_parts_file_draws_the_board_alone(tmp_path: Path) -> None:
    root = ET.fromstring(render_folder(write(tmp_path / "p", "# nothing\n")))
    assert list(root.iter(f"{SVG}polyline")) == []
    assert "LED" in texts(root)  # the board's own LED, beside D13


@pytest.mark.hostile
def test_a_wrong_pin_is_the_parts_file_message(tmp_path: Path) -> None:
    folder = write(tmp_path / "p", '[b]\ntype = "Button"\npin = "GP5"\n')
    with pytest.raises(PartsFileError) as caught:
        render_folder(folder)
    assert "GP5" in caught.value.message


def test_command_line_writes_the_svg(tmp_path: Path) -> None:
    from protoboard.wiring import main

    folder = write(tmp_path / "p", '[b]\ntype = "Button"\npin = "D5"\n')
    assert main([str(folder), str(tmp_path / "w.svg")]) == 0
    assert ET.parse(tmp_path / "w.svg").getroot().tag == f"{SVG}svg"
    assert main([]) == 2
