"""Wokwi's diagram.json read as a parts file."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from protoboard.partsfile import PartsFileError, read_folder
from protoboard.registry import select_port
from protoboard.wokwi import diagram_board, parse


def load_board(board_id: str):
    return select_port("sim").board(board_id)


PICO = load_board("raspberry_pi_pico")


def diagram(parts, connections, board="board-pi-pico") -> str:
    entries = [{"type": board, "id": "pico", "attrs": {"env": "circuitpython-9.0.0"}}, *parts]
    return json.dumps({"version": 1, "parts": entries, "connections": connections}, indent=2)


def specs_of(text: str, board=PICO):
    return {s.name: s for s in parse(text, board, source="diagram.json", folder=Path("."))}


def test_parts_are_traced_to_board_pins_through_wires_and_resistors():
    text = diagram(
        [
            {"type": "wokwi-led", "id": "led1", "attrs": {"color": "green"}},
            {"type": "wokwi-resistor", "id": "r1"},
            {"type": "wokwi-pushbutton", "id": "btn1"},
            {"type": "wokwi-potentiometer", "id": "pot1"},
            {"type": "wokwi-led-ring", "id": "ring1", "attrs": {"pixels": "12"}},
            {"type": "board-ssd1306", "id": "oled1"},
            {"type": "wokwi-breadboard", "id": "bb1"},
        ],
        [
            ["pico:GP15", "r1:1", "green", []],
            ["r1:2", "led1:A", "green", []],
            ["led1:C", "pico:GND.8", "black", []],
            ["btn1:1.l", "pico:GP14", "blue", []],
            ["btn1:2.l", "pico:GND.1", "black", []],
            ["pot1:SIG", "pico:GP26", "orange", []],
            ["pot1:VCC", "pico:3V3", "red", []],
            ["ring1:DIN", "pico:GP2", "purple", []],
            ["oled1:SCL", "pico:GP5", "", []],
            ["oled1:SDA", "pico:GP4", "", []],
        ],
    )
    specs = specs_of(text)
    assert set(specs) == {"led1", "btn1", "pot1", "ring1", "oled1"}
    assert (specs["led1"].type, specs["led1"].connections) == ("LED", {"pin": "GP15"})
    assert specs["led1"].settings == {"color": "green"}
    assert specs["btn1"].connections == {"pin": "GP14"} and specs["btn1"].settings == {}
    assert specs["pot1"].connections == {"pin": "GP26"}
    assert specs["ring1"].settings == {"count": 12}
    assert specs["oled1"].connections == {"scl": "GP5", "sda": "GP4"}
    line = specs["led1"].line
    assert specs["led1"].where == f"diagram.json line {line}"
    assert '"led1"' in text.splitlines()[line - 1]


def test_wiring_to_3v3_decides_polarity():
    text = diagram(
        [{"type": "wokwi-led", "id": "led1"}, {"type": "wokwi-pushbutton", "id": "b"}],
        [
            ["led1:A", "pico:3V3", "red", []],
            ["led1:C", "pico:GP3", "", []],
            ["b:1.r", "pico:GP6", "", []],
            ["b:2.r", "pico:3V3", "", []],
        ],
    )
    specs = specs_of(text)
    assert specs["led1"].settings["active_high"] is False
    assert specs["b"].settings == {"active_low": False}


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"parts": [', "diagram.json line 1: not valid JSON"),
        ("[]", "is not a Wokwi diagram"),
        (diagram([{"type": "wokwi-mpu6050", "id": "imu"}], []), "'imu' is a wokwi-mpu6050"),
        (diagram([{"type": "board-pi-pico", "id": "p2"}], []), "exactly one board part"),
        (diagram([], [["pico:GP1"]]), 'is not ["part:pin"'),
        (diagram([{"type": "wokwi-led", "id": "x"}], [["x:A", "pico:GP99", "", []]]), "GP99"),
    ],
)
def test_bad_diagrams_are_named_with_the_fix(text, message):
    with pytest.raises(PartsFileError) as caught:
        specs_of(text)
    assert message in str(caught.value)


def test_a_diagram_for_another_board_says_which_board_to_run():
    text = diagram([{"type": "wokwi-led", "id": "led1"}], [["led1:A", "pico:GP15", "", []]])
    assert diagram_board(text) == "raspberry_pi_pico"
    with pytest.raises(PartsFileError) as caught:
        specs_of(text, load_board("protoboard_sim"))
    assert "run with --board raspberry_pi_pico" in caught.value.hint


def test_parts_toml_wins_over_a_diagram(tmp_path: Path):
    (tmp_path / "diagram.json").write_text(
        diagram([{"type": "wokwi-led", "id": "led1"}], [["led1:A", "pico:GP15", "", []]])
    )
    assert [s.name for s in read_folder(tmp_path, PICO)] == ["led1"]
    (tmp_path / "parts.toml").write_text('[knob]\ntype = "Potentiometer"\npin = "GP26"\n')
    assert [s.name for s in read_folder(tmp_path, PICO)] == ["knob"]


def test_exec_wires_a_wokwi_project(tmp_path: Path):
    (tmp_path / "diagram.json").write_text(
        diagram(
            [{"type": "wokwi-pushbutton", "id": "btn1"},
             {"type": "wokwi-potentiometer", "id": "p"}],
            [["btn1:1.l", "pico:GP14", "", []], ["btn1:2.l", "pico:GND.1", "", []],
             ["p:SIG", "pico:GP26", "", []]],
        )
    )  # fmt: skip
    (tmp_path / "code.py").write_text(
        "import board, digitalio, analogio\n"
        "b = digitalio.DigitalInOut(board.GP14)\n"
        "b.switch_to_input(pull=digitalio.Pull.UP)\n"
        "print('released' if b.value else 'pressed', analogio.AnalogIn(board.GP26).value > 30000)\n"
    )
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(tmp_path / "code.py"), "--board",
         "raspberry_pi_pico"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "released True"
