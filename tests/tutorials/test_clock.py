"""tutorials/clock: rtc.RTC keeps the simulated board's time; the OLED shows it."""

from __future__ import annotations

import datetime

import pytest
from tutorial_helpers import TUTORIALS, drawn_text

pytestmark = pytest.mark.network


def test_the_oled_shows_the_rtc_time(sim, tutorial, capsys, adafruit_libs) -> None:
    tutorial.wire("clock")
    sim.part("RTC").datetime = "2026-12-24 18:30:00"  # a Thursday
    result = tutorial("clock", timeout=1.5)
    assert result.ok, result.traceback

    printed = capsys.readouterr().out.splitlines()
    assert printed[0] in ("18:30:00", "18:30:01")
    assert len(printed) >= 2  # a new line each second
    shown = printed[-1]
    seconds = [int(line[-2:]) for line in printed]
    assert seconds == list(range(seconds[0], seconds[0] + len(seconds)))

    # the last time printed, or the next if the run ended between drawing and printing it
    last = datetime.datetime(2026, 12, 24, 18, 30, int(shown[-2:]))
    candidates = [
        drawn_text(
            adafruit_libs,
            TUTORIALS / "clock" / "font5x8.bin",
            (128, 32),
            [(when.strftime("%H:%M:%S"), 0, 4, 2), ("Thu 2026-12-24", 0, 24)],
        )
        for when in (last, last + datetime.timedelta(seconds=1))
    ]
    oled = sim.part("oled")
    assert oled.lit_pixels() in candidates, "\n" + oled.to_text()
