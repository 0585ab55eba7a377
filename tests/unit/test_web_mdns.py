"""mDNS through python-zeroconf on this computer: two web-workflow servers advertise
``_circuitpython._tcp`` and each lists the other in ``/cp/devices.json``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import requests

pytest.importorskip("zeroconf")

from protoboard.web import mdns
from protoboard.web.server import WebServer

DEADLINE = 20


def test_two_boards_find_each_other(tmp_path: Path) -> None:
    started = []
    servers = []
    try:
        for name in ("Alpha", "Beta"):
            drive = tmp_path / name
            drive.mkdir()
            server = WebServer(drive, password="pw", board={"hostname": f"cpy-{name.lower()}"})
            server.start()
            servers.append(server)
            found = mdns.start(
                instance=f"Test {name} {id(server)}",
                hostname=f"cpy-{name.lower()}",
                host=server.host,
                port=server.port,
                log_line=pytest.fail,
            )
            assert found is not None
            started.append(found)
            server.devices = found.devices
        alpha, beta = servers
        deadline = time.monotonic() + DEADLINE
        while True:
            devices = requests.get(f"{alpha.url}/cp/devices.json", timeout=5).json()
            ports = {d["port"] for d in devices["devices"]}
            if beta.port in ports:
                break
            assert time.monotonic() < deadline, f"Beta was never found: {devices}"
            time.sleep(0.1)
        assert devices["total"] == len(devices["devices"])
        [entry] = [d for d in devices["devices"] if d["port"] == beta.port]
        assert entry["hostname"] == "cpy-beta"
        assert entry["instance_name"].startswith("Test Beta")
        assert entry["ip"] == "127.0.0.1"
        assert alpha.port not in ports  # a board does not list itself
    finally:
        for found in started:
            found.close()
        for server in servers:
            server.stop()


def test_instance_names_are_cut_to_49_characters(tmp_path: Path) -> None:
    found = mdns.start(
        instance="x" * 80, hostname="cpy-long", host="127.0.0.1", port=9, log_line=pytest.fail
    )
    assert found is not None
    try:
        assert len(found.instance) <= mdns.MAX_INSTANCE
    finally:
        found.close()
