"""Unmodified adafruit_requests + adafruit_connection_manager on the simulated board: a real
local HTTP server and an HTTPS server whose certificate comes from a test CA (trustme)."""

from __future__ import annotations

import errno
import http.server
import json
import ssl
import threading
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.network

WEATHER = {"name": "Protoboard City", "main": {"temp": 21.5}, "weather": [{"main": "Clouds"}]}


class _Service(http.server.BaseHTTPRequestHandler):
    """A stand-in for the web service a PyPortal/MagTag Learn guide calls."""

    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        body = json.dumps(WEATHER).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def _serve(wrap: ssl.SSLContext | None) -> Iterator[int]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    if wrap is not None:
        httpd.socket = wrap.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def http_port() -> Iterator[int]:
    yield from _serve(None)


@pytest.fixture
def ca():
    trustme = pytest.importorskip("trustme")
    return trustme.CA()


@pytest.fixture
def https_port(ca) -> Iterator[int]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost", "127.0.0.1").configure_cert(context)
    yield from _serve(context)


def _session():
    import adafruit_connection_manager
    import adafruit_requests
    import wifi

    from protoboard.bindings import ssl as board_ssl

    wifi.radio.connect("Protoboard", "circuitpython")
    pool = adafruit_connection_manager.get_radio_socketpool(wifi.radio)
    # In-process the library's own `import ssl` finds CPython's (a program on the board gets
    # CircuitPython's, see boardimport.BOARD_STANDARD): hand it the board's context.
    context = board_ssl.create_default_context()
    return adafruit_requests.Session(pool, context), context


def test_learn_guide_style_json_fetch(sim, drivers, http_port) -> None:
    """A PyPortal/MagTag program's core, portalbase-free: requests + JSON."""
    requests, _context = _session()
    response = requests.get(f"http://127.0.0.1:{http_port}/data/2.5/weather?q=x")
    data = response.json()
    response.close()
    text = f"{data['name']}: {data['main']['temp']} C, {data['weather'][0]['main']}"
    assert text == "Protoboard City: 21.5 C, Clouds"


def test_https_with_a_test_ca(sim, drivers, ca, https_port) -> None:
    requests, context = _session()
    context.load_verify_locations(cadata=ca.cert_pem.bytes().decode())
    with requests.get(f"https://localhost:{https_port}/") as response:
        assert response.status_code == 200
        assert response.json() == WEATHER


@pytest.mark.hostile
def test_tls_verify_failure_is_circuitpythons(sim, drivers, https_port) -> None:
    requests, _context = _session()  # trusts the host's CAs, not the test CA
    with pytest.raises(OSError) as caught:
        requests.get(f"https://localhost:{https_port}/")
    assert caught.value.errno == -9984
    assert str(caught.value).startswith(
        "[Errno -9984] X509 - Certificate verification failed, e.g. CRL, CA or signature "
        "check failed"
    )


@pytest.mark.hostile
def test_dns_failure_and_network_down(sim, drivers, http_port) -> None:
    import socketpool

    requests, _context = _session()
    sim.part("AP").internet = False
    with pytest.raises(socketpool.SocketPool.gaierror) as gai:
        requests.get("http://example.invalid/")
    assert gai.value.args == (-2, "Name or service not known")
    with pytest.raises(OSError) as unreachable:
        requests.get(f"http://127.0.0.1:{http_port}/")
    assert unreachable.value.errno == errno.EHOSTUNREACH
    sim.part("AP").internet = True
    assert requests.get(f"http://127.0.0.1:{http_port}/").json() == WEATHER


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
def test_network_down_mid_request(sim, drivers) -> None:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Stalling)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        requests, _context = _session()
        response = requests.get(f"http://127.0.0.1:{httpd.server_address[1]}/", timeout=10)
        assert response.status_code == 200
        sim.part("AP").present = False  # the access point goes away mid-body
        with pytest.raises(OSError) as lost:
            response.content  # noqa: B018
        assert lost.value.errno == errno.ECONNABORTED
        assert str(lost.value) == "[Errno 103] ECONNABORTED"
    finally:
        _Stalling.release.set()
        httpd.shutdown()
        httpd.server_close()
