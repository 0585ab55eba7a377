"""tutorials/tilt_alarm: adafruit_lis3dh reads the simulated LIS3DH; tipping it sounds the alarm."""

from __future__ import annotations

import math

import pytest

pytestmark = pytest.mark.network

G = 9.81


def tipped(degrees: float) -> tuple[float, float, float]:
    rad = math.radians(degrees)
    return (G * math.sin(rad), 0.0, G * math.cos(rad))


def test_tipping_the_board_sounds_the_alarm(sim, tutorial, capsys) -> None:
    tutorial.wire("tilt_alarm")
    accel = sim.part("accel")
    readings = 0
    led_at_reading: list[bool] = []

    def on_i2c(activity) -> None:
        nonlocal readings
        if activity.kind != "i2c" or len(activity.data["read"]) != 6:
            return  # not an acceleration reading (X, Y, Z: six bytes)
        readings += 1
        led_at_reading.append(sim.part("alarm_led").on)
        if readings == 3:
            accel.acceleration = tipped(45)
        elif readings == 7:
            accel.acceleration = tipped(10)  # a little tilt is no alarm

    sim.on_activity(on_i2c)
    result = tutorial("tilt_alarm", timeout=1.2)
    assert result.ok, result.traceback
    assert readings >= 9

    assert capsys.readouterr().out.splitlines() == ["ALARM: tilted 45 degrees!", "Level again."]
    # readings 4-7 are tipped: the LED flashes on, off, on, off; then it stays dark
    led = sim.part("alarm_led")
    assert [on for _, on in led.history] == [False, True, False, True, False]
    assert led_at_reading[:4] == [False, False, False, False]
    assert led_at_reading[4:7] == [True, False, True]
    assert not any(led_at_reading[8:])
