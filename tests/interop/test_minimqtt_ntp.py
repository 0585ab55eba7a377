"""Unmodified adafruit_minimqtt against a real mosquitto broker the test starts, and
adafruit_ntp against a local NTP server written here, on the simulated board's sockets."""

from __future__ import annotations

import os
import shutil
import socket
import struct
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.network


def _mosquitto() -> str | None:
    return shutil.which("mosquitto") or (
        "/usr/sbin/mosquitto" if os.access("/usr/sbin/mosquitto", os.X_OK) else None
    )


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[int]:
    program = _mosquitto()
    if program is None:
        if os.environ.get("CI"):
            pytest.fail("mosquitto is missing: .ci/run installs it")
        pytest.skip("mosquitto is not installed (apt-get install mosquitto)")
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    config = tmp_path / "mosquitto.conf"
    config.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\n")
    process = subprocess.Popen([program, "-c", str(config)], stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                time.sleep(0.05)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_minimqtt_publish_and_receive(sim, drivers, broker) -> None:
    import adafruit_minimqtt.adafruit_minimqtt as mqtt
    import socketpool
    import wifi

    wifi.radio.connect("Protoboard", "circuitpython")
    pool = socketpool.SocketPool(wifi.radio)
    received: list[tuple[str, str]] = []
    client = mqtt.MQTT(broker="127.0.0.1", port=broker, socket_pool=pool, is_ssl=False)
    client.on_message = lambda _client, topic, message: received.append((topic, message))
    client.connect()
    client.subscribe("protoboard/test")
    client.publish("protoboard/test", "hello broker")
    for _ in range(50):
        client.loop(timeout=1)
        if received:
            break
    client.disconnect()
    assert received == [("protoboard/test", "hello broker")]


NTP_DELTA = 2_208_988_800  # seconds from 1900 to 1970
WHEN = 1_700_000_000  # 2023-11-14 22:13:20 UTC


@pytest.fixture
def ntp_server() -> Iterator[int]:
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                request, peer = server.recvfrom(48)
            except OSError:
                continue
            if len(request) != 48:
                continue
            reply = bytearray(48)
            reply[0] = 0x24  # LI 0, version 4, mode 4 (server)
            reply[1] = 1  # stratum
            struct.pack_into("!I", reply, 32, WHEN + NTP_DELTA)  # receive timestamp
            struct.pack_into("!I", reply, 40, WHEN + NTP_DELTA)  # transmit timestamp
            server.sendto(bytes(reply), peer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join(timeout=5)
    server.close()


def test_ntp_sets_the_time(sim, drivers, ntp_server) -> None:
    import adafruit_ntp
    import socketpool
    import wifi

    wifi.radio.connect("Protoboard", "circuitpython")
    pool = socketpool.SocketPool(wifi.radio)
    ntp = adafruit_ntp.NTP(pool, server="127.0.0.1", port=ntp_server, tz_offset=0, cache_seconds=0)
    assert tuple(ntp.datetime)[:5] == (2023, 11, 14, 22, 13)
