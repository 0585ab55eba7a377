"""A Learn-guide-style PyPortal program, unmodified libraries: adafruit_pyportal joins the wifi
through the board's AirLift (adafruit_esp32spi, the simulated ESP32 part), fetches JSON from a
local stand-in of the web service and shows it on ``board.DISPLAY``."""

from __future__ import annotations

import http.server
import io
import json
import sys
import threading

import pytest

from protoboard.ports.sim.parts.mipi_dcs import shown_565

pytestmark = pytest.mark.network

QUOTE = [{"text": "Simplicity is prerequisite for reliability.", "author": "Dijkstra"}]

PROGRAM = """\
import board
from adafruit_pyportal import PyPortal

DATA_SOURCE = "{url}"
QUOTE_LOCATION = [0, "text"]
AUTHOR_LOCATION = [0, "author"]

pyportal = PyPortal(url=DATA_SOURCE, json_path=(QUOTE_LOCATION, AUTHOR_LOCATION),
                    status_neopixel=board.NEOPIXEL,
                    text_position=((20, 100), (5, 210)),
                    text_color=(0xFFFFFF, 0x8080FF),
                    text_wrap=(35, 0), text_maxlen=(180, 30))
value = pyportal.fetch()
print("Response is", value)


def texts(group):
    for item in group:
        if hasattr(item, "text"):
            yield item.text
        elif hasattr(item, "__len__"):
            yield from texts(item)


print("Shown:", list(texts(board.DISPLAY.root_group)))
"""


@pytest.fixture
def quote_service():
    """A local stand-in of the quotes API the guide calls."""

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            body = json.dumps(QUOTE).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/api/quotes.php"
    server.shutdown()
    server.server_close()


@pytest.mark.board("pyportal")
def test_pyportal_quote_program(sim, run_code, adafruit_libs, quote_service, monkeypatch):
    monkeypatch.setenv("CIRCUITPY_WIFI_SSID", "Protoboard")  # as settings.toml would say
    monkeypatch.setenv("CIRCUITPY_WIFI_PASSWORD", "circuitpython")
    seen: dict = {}

    class Console(io.StringIO):
        """The program's console; looks at the screen when the program says it is drawn
        (after that, the board's REPL takes the screen, as on a PyPortal when code.py ends)."""

        def write(self, text: str) -> int:
            if text.startswith("Shown:"):
                import board

                # all of it, redrawn from the groups now: the simulator's background refresh
                # thread may have run while a label was half changed
                board.DISPLAY._core.full_refresh = True
                board.DISPLAY.refresh()
                seen["colors"] = sim.part("DISPLAY").colors()
            return super().write(text)

    console = Console()
    monkeypatch.setattr(sys, "stdout", console)
    result = run_code(PROGRAM.format(url=quote_service), lib_paths=[adafruit_libs], timeout=60)
    monkeypatch.setattr(sys, "stdout", sys.__stdout__)
    assert result.ok, result.traceback
    out = console.getvalue()
    assert "Response is ['Simplicity is prerequisite for reliability.', 'Dijkstra']" in out
    assert "Shown: ['Simplicity is prerequisite for\\nreliability.', 'Dijkstra']" in out
    assert sim.part("ESP32").commands["START_CLIENT_TCP"] >= 1  # it went through the AirLift
    colors = seen["colors"]
    # the quote in white and its author in light blue, on the black background
    assert colors[(255, 255, 255)] > 200
    assert colors[shown_565(0x8080FF)] > 50, colors.most_common(5)
