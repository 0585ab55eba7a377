"""Unmodified adafruit_esp32spi (and adafruit_requests, adafruit_ntp on its socket pool) against
the simulated AirLift, the ESP32 with NINA firmware that the PyPortal carries: real local HTTP,
HTTPS (a test CA) and NTP servers, the world's access point switched off and on."""

from __future__ import annotations

import errno
import http.server
import json
import logging
import socket
import ssl
import struct
import threading
import time
from collections.abc import Iterator

import pytest

pytestmark = [pytest.mark.network, pytest.mark.board("pyportal")]

DATA = {"name": "Protoboard City", "main": {"temp": 21.5}}


class _Service(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = json.dumps(DATA).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(
    handler: type[http.server.BaseHTTPRequestHandler], wrap: ssl.SSLContext | None = None
) -> Iterator[int]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    if wrap is not None:
        httpd.socket = wrap.wrap_socket(httpd.socket, server_side=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def http_port() -> Iterator[int]:
    yield from _serve(_Service)


@pytest.fixture
def ca():
    return pytest.importorskip("trustme").CA()


@pytest.fixture
def https_port(ca) -> Iterator[int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    yield from _serve(_Service, context)


@pytest.fixture
def esp(sim, drivers):
    """The library's ESP_SPIcontrol on the PyPortal's pins, as every AirLift guide starts."""
    import board
    import busio
    from adafruit_esp32spi import adafruit_esp32spi
    from digitalio import DigitalInOut

    spi = busio.SPI(board.SCK, board.MOSI, board.MISO)
    return adafruit_esp32spi.ESP_SPIcontrol(
        spi,
        DigitalInOut(board.ESP_CS),
        DigitalInOut(board.ESP_BUSY),
        DigitalInOut(board.ESP_RESET),
    )


def _requests(esp):
    import adafruit_connection_manager
    import adafruit_requests

    pool = adafruit_connection_manager.get_radio_socketpool(esp)
    context = adafruit_connection_manager.get_radio_ssl_context(esp)
    return adafruit_requests.Session(pool, context)


def test_joins_the_access_point_from_settings(sim, esp, monkeypatch) -> None:
    import os

    from adafruit_esp32spi import adafruit_esp32spi

    monkeypatch.setenv("CIRCUITPY_WIFI_SSID", "Protoboard")  # as settings.toml would say
    monkeypatch.setenv("CIRCUITPY_WIFI_PASSWORD", "circuitpython")
    assert esp.status == adafruit_esp32spi.WL_IDLE_STATUS
    assert esp.firmware_version == "3.3.0"
    assert len(esp.mac_address) == 6
    found = esp.scan_networks()
    assert [(n.ssid, n.rssi, n.channel, n.authmode) for n in found] == [
        ("Protoboard", -50, 6, "WPA2")
    ]
    assert found[0].bssid == sim.part("AP").bssid_bytes()
    esp.connect(os.getenv("CIRCUITPY_WIFI_SSID"), os.getenv("CIRCUITPY_WIFI_PASSWORD"))
    assert esp.is_connected
    from protoboard.ports.sim.network import host_address

    assert esp.ipv4_address == host_address()
    assert esp.ap_info.ssid == "Protoboard"
    assert esp.ap_info.rssi == -50
    assert esp.pretty_ip(esp.get_host_by_name("localhost")) == "127.0.0.1"
    before = int(time.time())
    (now,) = esp.get_time()
    assert before <= now <= int(time.time())
    assert esp.ping("127.0.0.1") >= 1
    esp.disconnect()
    assert not esp.is_connected


def test_requests_http_and_https(sim, esp, ca, http_port, https_port) -> None:
    sim.part("ESP32").ca_data = ca.cert_pem.bytes().decode()  # the firmware trusts the test CA
    esp.connect("Protoboard", "circuitpython")
    requests = _requests(esp)
    with requests.get(f"http://127.0.0.1:{http_port}/data") as response:
        assert response.status_code == 200
        assert response.json() == DATA
    with requests.get(f"https://localhost:{https_port}/data") as response:
        assert response.json() == DATA
    # a second request on the kept-alive socket, then all sockets handed back
    assert requests.get(f"http://127.0.0.1:{http_port}/again").json() == DATA
    import adafruit_connection_manager

    pool = adafruit_connection_manager.get_radio_socketpool(esp)
    adafruit_connection_manager.connection_manager_close_all(pool)
    assert sim.part("ESP32").open_sockets == 0


@pytest.mark.hostile
def test_untrusted_certificate_fails_as_on_the_board(sim, esp, https_port) -> None:
    esp.connect("Protoboard", "circuitpython")
    requests = _requests(esp)
    # the firmware answers "could not connect" with no parameters: the library's check fails
    with pytest.raises(BrokenPipeError, match="Expected 01 but got 00"):
        requests.get(f"https://localhost:{https_port}/")
    assert any("TLS to localhost" in text for text in sim.part("ESP32").problems)


@pytest.mark.hostile
def test_dns_failure_and_wrong_password(sim, esp) -> None:
    with pytest.raises(ConnectionError) as wrong:
        esp.connect("Protoboard", "not the password", timeout=0.5)
    assert wrong.value.args == ("Failed to connect to ssid", b"Protoboard")
    with pytest.raises(ConnectionError) as missing:
        esp.connect("Elsewhere", "circuitpython", timeout=0.5)
    assert missing.value.args == ("No such ssid", b"Elsewhere")
    esp.connect("Protoboard", "circuitpython")
    requests = _requests(esp)
    with pytest.raises(ConnectionError, match="Failed to request hostname"):
        requests.get("http://example.invalid/")
    sim.part("AP").internet = False
    with pytest.raises(ConnectionError, match="Failed to request hostname"):
        esp.get_host_by_name("localhost")
    with pytest.raises(OSError, match="_GET_TIME returned 0"):
        esp.get_time()  # no internet: the firmware's SNTP never set its clock


class _Stalling(http.server.BaseHTTPRequestHandler):
    """Sends the headers and half the body, then waits (the network goes away meanwhile)."""

    protocol_version = "HTTP/1.1"
    release = threading.Event()

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "200")
        self.end_headers()
        self.wfile.write(b'{"half": "')
        self.wfile.flush()
        self.release.wait(timeout=10)

    def log_message(self, *args: object) -> None:
        pass


@pytest.mark.hostile
def test_internet_off_mid_request(sim, esp) -> None:
    from adafruit_esp32spi import adafruit_esp32spi

    server = _serve(_Stalling)
    port = next(server)
    try:
        esp.connect("Protoboard", "circuitpython")
        requests = _requests(esp)
        response = requests.get(f"http://127.0.0.1:{port}/", timeout=1)
        assert response.status_code == 200
        sim.part("AP").internet = False  # the access point stays, the internet goes
        with pytest.raises(OSError) as lost:
            response.content  # noqa: B018
        # the library's own verdict: its socket read found nothing more before the timeout
        assert lost.value.args == (errno.ETIMEDOUT,)
        assert esp.status == adafruit_esp32spi.WL_CONNECTED
        sim.part("AP").present = False  # now the access point goes too
        assert esp.status == adafruit_esp32spi.WL_CONNECTION_LOST
        with pytest.raises(BrokenPipeError, match="Expected 01 but got 00"):
            requests.get(f"http://127.0.0.1:{port}/")
        sim.part("AP").present = True  # the radio rejoins by itself, as the firmware does
        assert esp.status == adafruit_esp32spi.WL_CONNECTED
    finally:
        _Stalling.release.set()
        next(server, None)


NTP_DELTA = 2_208_988_800
WHEN = 1_700_000_000  # 2023-11-14 22:13:20 UTC


@pytest.fixture
def ntp_port() -> Iterator[int]:
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                _request, peer = server.recvfrom(48)
            except OSError:
                continue
            reply = bytearray(48)
            reply[0] = 0x24
            reply[1] = 1
            struct.pack_into("!I", reply, 32, WHEN + NTP_DELTA)
            struct.pack_into("!I", reply, 40, WHEN + NTP_DELTA)
            server.sendto(bytes(reply), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_ntp_over_udp(sim, esp, ntp_port) -> None:
    import adafruit_connection_manager
    import adafruit_ntp

    esp.connect("Protoboard", "circuitpython")
    pool = adafruit_connection_manager.get_radio_socketpool(esp)
    ntp = adafruit_ntp.NTP(pool, server="127.0.0.1", port=ntp_port, tz_offset=0, cache_seconds=0)
    assert tuple(ntp.datetime)[:5] == (2023, 11, 14, 22, 13)


def _raw_transaction(esp, frame: bytes) -> bytes:
    """One command frame and its reply, with the handshake the library uses, bytes as given."""
    esp._wait_for_ready()
    with esp._spi_device as spi:
        while not esp._ready.value:
            pass
        spi.write(frame)
    esp._wait_for_ready()
    reply = bytearray(8)
    with esp._spi_device as spi:
        while not esp._ready.value:
            pass
        spi.readinto(reply)
    return bytes(reply)


@pytest.mark.hostile
def test_bad_frames_are_logged_and_the_part_keeps_working(sim, esp, caplog) -> None:
    part = sim.part("ESP32")
    with caplog.at_level(logging.WARNING, logger="protoboard.parts.airlift"):
        # a parameter longer than the frame, a missing END_CMD, then too long a frame
        assert _raw_transaction(esp, bytes([0xE0, 0x37, 1, 40, 1, 2, 0xEE, 0]))[:3] == bytes(
            [0xEF, 0x00, 0xEE]
        )
        assert _raw_transaction(esp, bytes([0xE0, 0x37, 0, 0x00]))[0] == 0xEF
        assert _raw_transaction(esp, bytes([0xE0, 0x37, 0]) + bytes(5000))[0] == 0xEF
        # a command the firmware does not know: the library sees the firmware's error reply
        with pytest.raises(BrokenPipeError, match="Error response to command"):
            esp._send_command_get_response(0x0B)
    assert part.bad_frames == 3
    assert part.unknown_commands[0x0B] == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("parameter 1 of 1 says 40 bytes" in m for m in messages)
    assert any("no END_CMD 0xee" in m for m in messages)
    assert any("longer than the ESP32's 4092-byte SPI buffer" in m for m in messages)
    assert any("command 0x0b is not one the NINA firmware knows" in m for m in messages)
    assert esp.firmware_version == "3.3.0"  # still answering


def test_reset_and_busy_handshake(sim, esp) -> None:
    busy, reset = sim.pin("ESP_BUSY"), sim.pin("ESP_RESET")
    assert not busy.level  # booted and waiting for a command
    esp._reset.value = False  # held in reset: never ready
    assert busy.level
    esp._reset.value = True
    assert busy.level  # booting
    deadline = time.monotonic() + 5
    while busy.level and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not busy.level
    assert reset.level
    # a command raises busy at chip select, the reply is ready when it falls again
    esp._cs.value = False
    assert busy.level
    esp._cs.value = True
    assert esp.firmware_version == "3.3.0"


@pytest.mark.board("protoboard_sim")
def test_an_airlift_breakout_on_any_board(sim, drivers, http_port) -> None:
    import board
    from adafruit_esp32spi import adafruit_esp32spi
    from digitalio import DigitalInOut

    sim.add("ESP32SPI", name="airlift", cs="D13", busy="D11", reset="D12")
    esp = adafruit_esp32spi.ESP_SPIcontrol(
        board.SPI(), DigitalInOut(board.D13), DigitalInOut(board.D11), DigitalInOut(board.D12)
    )
    esp.connect("Protoboard", "circuitpython")
    assert _requests(esp).get(f"http://127.0.0.1:{http_port}/").json() == DATA
    assert sim.part("airlift").commands["SEND_DATA_TCP"] >= 1
