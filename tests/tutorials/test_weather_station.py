"""tutorials/weather_station: adafruit_bme280 and adafruit_ssd1306 (framebuf text) on the
simulated BME280 and OLED; the screen shows the readings."""

from __future__ import annotations

import pytest
from tutorial_helpers import TUTORIALS, drawn_text

pytestmark = pytest.mark.network


def test_the_oled_shows_the_weather(sim, tutorial, capsys, adafruit_libs) -> None:
    tutorial.wire("weather_station")
    result = tutorial("weather_station", timeout=1.0)
    assert result.ok, result.traceback

    assert capsys.readouterr().out.splitlines()[0] == "21.5 C  45 %  1013 hPa"
    oled = sim.part("oled")
    expected = drawn_text(
        adafruit_libs,
        TUTORIALS / "weather_station" / "font5x8.bin",
        (128, 32),
        [("Temp: 21.5 C", 0, 0), ("Humidity: 45 %", 0, 12), ("Air: 1013 hPa", 0, 24)],
    )
    assert oled.lit_pixels() == expected, "\n" + oled.to_text()


def test_new_weather_reaches_the_screen(sim, tutorial, capsys, adafruit_libs) -> None:
    tutorial.wire("weather_station")
    weather = sim.part("weather")

    def warmer() -> None:
        weather.temperature = 30.0
        weather.humidity = 80.0

    pictures = 0

    def on_i2c(activity) -> None:
        # a picture is hundreds of bytes to 0x3C: the blank one the driver sends when it
        # starts, then the first pass of the loop's
        nonlocal pictures
        data = activity.data
        if activity.kind == "i2c" and data["address"] == 0x3C and len(data["written"]) > 100:
            pictures += 1
            if pictures == 2:
                warmer()

    sim.on_activity(on_i2c)
    result = tutorial("weather_station", timeout=2.6)
    assert result.ok, result.traceback
    assert capsys.readouterr().out.splitlines()[:2] == [
        "21.5 C  45 %  1013 hPa",
        "30.0 C  80 %  1013 hPa",
    ]
    expected = drawn_text(
        adafruit_libs,
        TUTORIALS / "weather_station" / "font5x8.bin",
        (128, 32),
        [("Temp: 30.0 C", 0, 0), ("Humidity: 80 %", 0, 12), ("Air: 1013 hPa", 0, 24)],
    )
    assert sim.part("oled").lit_pixels() == expected
