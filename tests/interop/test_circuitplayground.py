"""Unmodified adafruit_circuitplayground (the library frozen into both boards' firmware) on the
simulated Circuit Playground Express and Bluefruit: every on-board part answers as on the
product, and what the library drives shows on the parts."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.network

PROGRAM = """\
from adafruit_circuitplayground import cp
print("board", type(cp).__name__)
print("temperature", round(cp.temperature, 1))
print("light", cp.light)
print("acceleration", [round(v, 1) for v in cp.acceleration])
print("buttons", cp.button_a, cp.button_b, "switch", cp.switch)
print("untouched", cp.touch_A1, cp.touch_A2)  # a touch pad calibrates on its first read
cp.red_led = True  # (the test's finger lands on A2 when the red LED lights)
print("touch", cp.touch_A1, cp.touch_A2)
cp.pixels.fill((0, 0, 40))
cp.pixels.show()
cp.play_tone(440, 0.3)
"""


def _lines(capsys) -> dict[str, str]:
    out = capsys.readouterr().out
    return {
        line.split(" ", 1)[0]: line.split(" ", 1)[1] for line in out.splitlines() if " " in line
    }


@pytest.mark.parametrize(
    "library_class",
    [
        pytest.param("Express", marks=pytest.mark.board("circuitplayground_express")),
        pytest.param("Bluefruit", marks=pytest.mark.board("circuitplayground_bluefruit")),
    ],
)
def test_circuitplayground_reads_and_drives_every_part(
    library_class, sim, run_code, adafruit_libs, capsys
):
    sim.part("TEMPERATURE").temperature = 30.0
    sim.part("LIGHT").lux = 500.0
    sim.part("ACCELEROMETER").acceleration = (0.0, 9.8, 0.0)  # stood on its edge
    sim.part("BUTTON_A").pressed = True

    def finger(pin, level, when):
        if level:
            sim.part("TOUCH_A2").touched = True

    sim.pin("D13").on_change(finger)
    result = run_code(PROGRAM, lib_paths=[adafruit_libs])
    assert result.ok, result.traceback
    seen = _lines(capsys)
    assert seen["board"] == library_class
    assert abs(float(seen["temperature"]) - 30.0) <= 0.5
    assert int(seen["light"]) > 100
    x, y, z = eval(seen["acceleration"])  # our own program's printed list
    assert abs(y - 9.8) < 0.5 and abs(x) < 0.5 and abs(z) < 0.5
    assert seen["buttons"] == "True False switch True"
    assert seen["untouched"] == "False False" and seen["touch"] == "False True"
    assert sim.part("NEOPIXEL").pixels == [(0, 0, 40)] * 10
    assert sim.part("LED").on
    speaker = sim.part("SPEAKER")
    assert speaker.plays and abs(speaker.plays[-1].frequency - 440) < 15
