"""A Learn-guide-style MagTag program, unmodified libraries: adafruit_magtag and
adafruit_portalbase fetch JSON over the simulated wifi from a local stand-in of the web service
and show it on the MagTag's e-paper display."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

pytestmark = pytest.mark.network

QUOTE = {"quote": {"text": "Simplicity is prerequisite for reliability.", "author": "Dijkstra"}}

PROGRAM = """\
from adafruit_magtag.magtag import MagTag

DATA_SOURCE = "{url}"
QUOTE_LOCATION = ["quote", "text"]
AUTHOR_LOCATION = ["quote", "author"]

magtag = MagTag(url=DATA_SOURCE, json_path=(QUOTE_LOCATION, AUTHOR_LOCATION))
magtag.add_text(text_position=(148, 40), text_anchor_point=(0.5, 0.5), line_spacing=0.75,
                text_wrap=28, is_data=True)
magtag.add_text(text_position=(148, 100), text_anchor_point=(0.5, 0.5), is_data=True,
                text_transform=lambda x: "- " + x)
print("fetched:", magtag.fetch())
"""


@pytest.fixture
def quote_service():
    """A local stand-in of the web service the guide calls."""

    class Handler(http.server.BaseHTTPRequestHandler):
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
    yield f"http://127.0.0.1:{server.server_address[1]}/quote.json"
    server.shutdown()


@pytest.mark.board("adafruit_magtag_2.9_grayscale")
def test_magtag_quote_program(sim, run_code, adafruit_libs, quote_service, capsys, monkeypatch):
    monkeypatch.setenv("CIRCUITPY_WIFI_SSID", "Protoboard")  # as settings.toml would say
    monkeypatch.setenv("CIRCUITPY_WIFI_PASSWORD", "circuitpython")
    result = run_code(PROGRAM.format(url=quote_service), lib_paths=[adafruit_libs], timeout=60)
    assert result.ok, result.traceback
    out = capsys.readouterr().out
    assert "fetched: ['Simplicity is prerequisite for reliability.', 'Dijkstra']" in out
    frame = sim.part("DISPLAY").frame
    height, width = len(frame), len(frame[0])
    dark = [(x, y) for y in range(height) for x in range(width) if sum(frame[y][x]) < 300]
    assert len(dark) > 200  # the quote and its author, drawn in black on the white paper
    columns = {x for x, _ in dark}
    assert max(columns) - min(columns) > width // 2  # a wrapped line of text across the panel
