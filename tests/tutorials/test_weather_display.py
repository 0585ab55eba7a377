"""tutorials/weather_display: adafruit_displayio_ssd1306 and adafruit_display_text on
Protoboard's displayio; the simulated OLED shows three lines that follow the sensor."""

from __future__ import annotations

import sys

import pytest
from tutorial_helpers import Console

pytestmark = pytest.mark.network

#: terminalio.FONT's cell: 6 pixels wide; the three lines are centred on y = 5, 16 and 27
CELL = 6
BANDS = {"Temp": range(0, 11), "Humidity": range(11, 22), "Air": range(22, 32)}


def band(lit: set[tuple[int, int]], rows: range) -> set[tuple[int, int]]:
    return {(x, y) for x, y in lit if y in rows}


def test_three_lines_that_follow_the_sensor(sim, tutorial, monkeypatch) -> None:
    tutorial.wire("weather_display")
    oled = sim.part("oled")
    frames: list[set[tuple[int, int]]] = []

    def on_line(line: str) -> None:
        # each reading is printed before its text reaches the screen: look at the screen
        # the reading before left, then warm the sensor for the next one
        frames.append(oled.lit_pixels())
        if len(frames) == 2:
            sim.part("weather").temperature = 30.0

    console = Console(on_line)
    monkeypatch.setattr(sys, "stdout", console)
    result = tutorial("weather_display", timeout=7.0)
    monkeypatch.undo()
    assert result.ok, result.traceback
    assert console.getvalue().splitlines()[:3] == [
        "21.5 C  45 %  1013 hPa",
        "21.5 C  45 %  1013 hPa",
        "30.0 C  45 %  1013 hPa",
    ]
    first, warmer = frames[1], oled.lit_pixels()
    texts = {"Temp": "Temp: 21.5 C", "Humidity": "Humidity: 45 %", "Air": "Air: 1013 hPa"}
    for name, rows in BANDS.items():
        lit = band(first, rows)
        assert lit, f"nothing on the {name} line:\n{oled.to_text()}"
        width = max(x for x, _ in lit) + 1
        # as wide as its text in 6-pixel cells (the last letter may end before its cell does)
        assert len(texts[name]) * CELL - CELL < width <= len(texts[name]) * CELL, (name, width)
    # 21.5 -> 30.0 changed the first line only
    assert band(warmer, BANDS["Temp"]) != band(first, BANDS["Temp"])
    assert band(warmer, BANDS["Humidity"]) == band(first, BANDS["Humidity"])
    assert band(warmer, BANDS["Air"]) == band(first, BANDS["Air"])
