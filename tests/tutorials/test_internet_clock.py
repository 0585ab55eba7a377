"""tutorials/internet_clock: on the simulated PyPortal the program joins the access point through
the AirLift (adafruit_esp32spi on the ESP32 part), asks a local stand-in of the time service
for the time, sets the board's clock and shows the time and date on board.DISPLAY."""

from __future__ import annotations

import sys

import pytest
from tutorial_helpers import Console

from protoboard.ports.sim.parts.mipi_dcs import shown_565
from protoboard.testing.timeservice import TimeService

pytestmark = [pytest.mark.network, pytest.mark.board("pyportal")]

# the two label colours as the PyPortal's panel shows them (sent as 5-6-5 pixels)
WHITE, BLUE = shown_565(0xFFFFFF), shown_565(0x60C0FF)


class StopAt(Console):
    """The program's console: keeps its lines and, when the program prints a line starting
    with ``last``, looks at the screen (``seen``: the white and the blue pixels) and ends the
    program (as Ctrl-D would end a board's), so the test waits for what the program did, never
    for the clock."""

    def __init__(self, sim, last: str) -> None:
        self.lines: list[str] = []
        self.seen: dict[tuple[int, int, int], set[tuple[int, int]]] = {}
        super().__init__(self._line)
        self._sim = sim
        self._last = last

    def _line(self, line: str) -> None:
        self.lines.append(line)
        if line.startswith(self._last):
            import board

            redraw(board.DISPLAY)
            display = self._sim.part("DISPLAY")
            self.seen = {color: shown_in(display, color) for color in (WHITE, BLUE)}
            raise SystemExit


def redraw(display) -> None:
    """Draw the whole screen from what the program set, now. (The simulator's background
    refresh runs in a thread of its own: one that ran while a label was half changed may have
    marked that label drawn; a board's never runs in the middle of a Python statement.)"""
    display._core.full_refresh = True
    display.refresh()


def glyph_pixels(text: str, scale: int) -> set[tuple[int, int]]:
    """The pixels terminalio.FONT lights for ``text`` at ``scale``, from the font's own glyphs
    (top-left of the lit area moved to 0, 0)."""
    import terminalio

    lit = set()
    x0 = 0
    for char in text:
        glyph = terminalio.FONT.get_glyph(ord(char))
        for y in range(glyph.height):
            for x in range(glyph.width):
                if glyph.bitmap[glyph.tile_index * glyph.width + x, y]:
                    for sy in range(scale):
                        for sx in range(scale):
                            lit.add(((x0 + x) * scale + sx, y * scale + sy))
        x0 += glyph.shift_x
    return normalized(lit)


def normalized(lit: set[tuple[int, int]]) -> set[tuple[int, int]]:
    if not lit:
        return lit
    left = min(x for x, _ in lit)
    top = min(y for _, y in lit)
    return {(x - left, y - top) for x, y in lit}


def shown_in(display, color: tuple[int, int, int]) -> set[tuple[int, int]]:
    frame = display.frame
    return normalized(
        {(x, y) for y, row in enumerate(frame) for x, pixel in enumerate(row) if pixel == color}
    )


def test_the_screen_shows_the_time_from_the_internet(sim, tutorial, monkeypatch) -> None:
    monkeypatch.setenv("CIRCUITPY_WIFI_SSID", "Protoboard")  # as settings.toml would say
    monkeypatch.setenv("CIRCUITPY_WIFI_PASSWORD", "circuitpython")
    console = StopAt(sim, "Showing")
    service = TimeService("2026-12-24 18:30:05", utc_offset="+01:00", timezone="Europe/Berlin")
    with service:
        monkeypatch.setenv("TIME_URL", service.url)
        monkeypatch.setattr(sys, "stdout", console)
        result = tutorial("internet_clock", timeout=120)  # a limit, ended by StopAt first
        monkeypatch.undo()
        asked = service.requests
    assert result.ok, result.traceback
    lines = console.lines
    assert lines[:2] == ["Connecting to Protoboard", f"Connected, my address is {_address()}"]
    assert lines[2].startswith("The time is 2026-12-24T18:30:0")
    assert lines[2].endswith(" Europe/Berlin")
    assert lines[3] == "Showing 18:30 Thu 24.12.2026"
    assert asked == 1  # once, not again until an hour has passed
    esp32 = sim.part("ESP32")
    assert esp32.commands["SET_PASSPHRASE"] == 1 and esp32.commands["SEND_DATA_TCP"] >= 1
    assert sim.part("RTC").datetime.tm_hour == 18  # the board's clock was set from the answer

    assert console.seen[WHITE] == glyph_pixels("18:30", 7)
    assert console.seen[BLUE] == glyph_pixels("Thu 24.12.2026", 2)


def _address() -> str:
    from protoboard.ports.sim.network import host_address

    return host_address()


@pytest.mark.hostile
def test_without_internet_it_says_so_and_keeps_trying(sim, tutorial, monkeypatch) -> None:
    monkeypatch.setenv("CIRCUITPY_WIFI_SSID", "Protoboard")
    monkeypatch.setenv("CIRCUITPY_WIFI_PASSWORD", "circuitpython")
    monkeypatch.setenv("TIME_URL", "http://time.example.invalid/api/ip")
    console = StopAt(sim, "Could not get the time")
    monkeypatch.setattr(sys, "stdout", console)
    result = tutorial("internet_clock", timeout=120)
    monkeypatch.undo()
    assert result.ok, result.traceback
    assert console.lines[-1] == "Could not get the time: Failed to request hostname"
    assert console.seen[WHITE] == glyph_pixels("--:--", 7)
    assert console.seen[BLUE] == set()  # no date yet
