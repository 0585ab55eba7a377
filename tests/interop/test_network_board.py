"""The network on a real ``protoboard run``: settings.toml joins the access point before
code.py, unmodified adafruit_requests + adafruit_connection_manager on the drive's /lib fetch
from a local server (the program's ``import ssl`` is CircuitPython's), and
``protoboard sim set AP.internet false`` takes the network away from the running board."""

from __future__ import annotations

import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "runtime"))
from board_process import BoardProcess  # noqa: E402  (tests/runtime's helper)

pytestmark = pytest.mark.network

PROGRAM = """\
import os
import sys
import time
import ssl
import wifi
import adafruit_connection_manager
import adafruit_requests

print("joined:", wifi.radio.connected, wifi.radio.ap_info.ssid)
print("ssl is CPython's:", hasattr(ssl.SSLContext, "wrap_bio"), sys.implementation.name)
pool = adafruit_connection_manager.get_radio_socketpool(wifi.radio)
context = adafruit_connection_manager.get_radio_ssl_context(wifi.radio)
requests = adafruit_requests.Session(pool, context)
url = "http://127.0.0.1:%d/" % int(os.getenv("SERVICE_PORT"))
state = None
for _ in range(600):
    try:
        with requests.get(url) as response:
            now = "fetched " + response.json()["greeting"]
    except Exception as e:
        now = "failed %s: %s" % (type(e).__name__, e)
    if now != state:
        print(now)
        state = now
    time.sleep(0.05)
"""


class _Greeting(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = b'{"greeting": "hello board"}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def service() -> Iterator[int]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Greeting)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


def _sim(drive: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "sim", *args, "--drive", str(drive)],
        capture_output=True,
        text=True,
        timeout=30,
    )


def test_settings_join_then_sim_set_takes_the_network_away(
    tmp_path: Path, adafruit_libs: Path, service: int
) -> None:
    drive = tmp_path / "CIRCUITPY"
    (drive / "lib").mkdir(parents=True)
    for name in ("adafruit_requests.py", "adafruit_connection_manager.py"):
        shutil.copy(adafruit_libs / name, drive / "lib" / name)
    (drive / "settings.toml").write_text(
        'CIRCUITPY_WIFI_SSID = "HomeNet"\n'
        'CIRCUITPY_WIFI_PASSWORD = "correct horse"\n'
        f"SERVICE_PORT = {service}\n"
    )
    (drive / "code.py").write_text(PROGRAM)
    env = {k: v for k, v in os.environ.items() if k != "PROTOBOARD_HOST_PACKAGES"}
    board = BoardProcess(drive, env=env)
    try:
        board.wait_for(r"joined: True HomeNet", timeout=30)
        board.wait_for(r"ssl is CPython's: False circuitpython")
        board.wait_for(r"fetched hello board", timeout=30)
        offline = _sim(drive, "set", "AP.internet", "false")
        assert offline.returncode == 0, offline.stdout + offline.stderr
        board.wait_for(r"failed OSError: \[Errno 113\] EHOSTUNREACH", timeout=30)
        back = _sim(drive, "set", "AP.internet", "true")
        assert back.returncode == 0, back.stdout + back.stderr
        board.wait_for(r"fetched hello board", timeout=30)
        added = _sim(drive, "add", "AccessPoint", "--name", "CAFE", "ssid=cafe", "password=")
        assert added.returncode == 0, added.stdout + added.stderr
        listed = _sim(drive, "parts")
        assert "CAFE (AccessPoint)" in listed.stdout, listed.stdout
        assert "ssid='cafe'" in listed.stdout and "ssid='HomeNet'" in listed.stdout
        assert "correct horse" not in listed.stdout  # a real password is never shown
    finally:
        board.stop()
    assert "Traceback" not in board.output, board.output
