"""wifi, socketpool, ipaddress on the simulated board: a real local HTTP server, the world's
access point switched off and on, CircuitPython's exception types and texts."""

from __future__ import annotations

import errno
import http.server
import socket
import threading
from collections.abc import Iterator

import pytest

from protoboard.testing import simulated_board


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello from the host"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, int]]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield "127.0.0.1", httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def sim():
    with simulated_board() as world:
        yield world


def _get(pool, host: str, port: int) -> bytes:
    with pool.socket(pool.AF_INET, pool.SOCK_STREAM) as sock:
        sock.settimeout(5)
        sock.connect((host, port))
        sock.send(b"GET / HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        buffer = bytearray(256)
        while True:
            count = sock.recv_into(buffer)
            if not count:
                return data
            data += buffer[:count]


def test_scan_connect_and_addresses(sim) -> None:
    import wifi

    # a world without access points gets the default one (named AP)
    assert [n.ssid for n in wifi.radio.start_scanning_networks()] == ["Protoboard"]
    sim.add("AccessPoint", name="CAFE", ssid="cafe", password="", rssi=-70, channel=11)
    networks = list(wifi.radio.start_scanning_networks())
    wifi.radio.stop_scanning_networks()
    assert [n.ssid for n in networks] == ["Protoboard", "cafe"]  # strongest first
    assert networks[1].authmode == [wifi.AuthMode.OPEN]
    assert networks[1].channel == 11
    assert not wifi.radio.connected and wifi.radio.ipv4_address is None
    wifi.radio.connect("Protoboard", "circuitpython")
    assert wifi.radio.connected
    assert wifi.radio.ap_info.ssid == "Protoboard"
    assert wifi.radio.ipv4_address is not None and wifi.radio.ipv4_gateway is not None
    assert len(wifi.radio.mac_address) == 6
    assert wifi.radio.hostname.startswith("cpy-protoboard_sim-") or wifi.radio.hostname.startswith(
        "cpy-"
    )
    assert isinstance(wifi.radio.ping(wifi.radio.ipv4_gateway), float)


@pytest.mark.hostile
def test_connect_errors_are_circuitpythons(sim) -> None:
    import wifi

    with pytest.raises(ConnectionError, match="^Authentication failure$"):
        wifi.radio.connect("Protoboard", "wrong-password")
    with pytest.raises(ConnectionError, match="^No network with that ssid$"):
        wifi.radio.connect("nowhere", "circuitpython")
    with pytest.raises(ValueError, match="^password length must be 8-64$"):
        wifi.radio.connect("Protoboard", "short")
    with pytest.raises(ValueError, match="^ssid length must be 1-32$"):
        wifi.radio.connect("x" * 33)
    with pytest.raises(ValueError, match="^Invalid BSSID$"):
        wifi.radio.connect("Protoboard", "circuitpython", bssid=b"12")
    with pytest.raises(ValueError, match="^invalid hostname$"):
        wifi.radio.hostname = "-bad"
    wifi.radio.enabled = False
    with pytest.raises(RuntimeError, match="^WiFi is not enabled$"):
        wifi.radio.connect("Protoboard", "circuitpython")
    with pytest.raises(TypeError, match="cannot create 'wifi.Radio' instances"):
        wifi.Radio()


def test_socket_fetches_from_a_local_server(sim, server) -> None:
    import socketpool
    import wifi

    wifi.radio.connect("Protoboard", "circuitpython")
    pool = socketpool.SocketPool(wifi.radio)
    info = pool.getaddrinfo("localhost", server[1])
    assert info[0][0] == pool.AF_INET and info[0][4] == ("127.0.0.1", server[1])
    assert _get(pool, *server).endswith(b"hello from the host")


@pytest.mark.hostile
def test_network_taken_away(sim, server) -> None:
    import socketpool
    import wifi

    pool = socketpool.SocketPool(wifi.radio)
    # not connected yet: no route, no names
    with pool.socket() as sock, pytest.raises(OSError) as caught:
        sock.connect(server)
    assert caught.value.errno == errno.EHOSTUNREACH
    assert str(caught.value) == "[Errno 113] EHOSTUNREACH"
    wifi.radio.connect("Protoboard", "circuitpython")
    ap = sim.part("AP")
    ap.internet = False
    with pytest.raises(pool.gaierror) as gai:
        pool.getaddrinfo("localhost", 80)
    assert gai.value.args == (-2, "Name or service not known")
    assert isinstance(gai.value, OSError)
    ap.internet = True
    assert _get(pool, *server).endswith(b"hello from the host")
    # the access point vanishes in the middle of a request
    sock = pool.socket()
    sock.settimeout(5)
    sock.connect(server)
    ap.present = False
    assert not wifi.radio.connected
    with pytest.raises(OSError) as lost:
        sock.recv_into(bytearray(10))
    assert lost.value.errno == errno.ECONNABORTED
    sock.close()
    # it comes back: the radio rejoins on its own, as a board does
    ap.present = True
    assert wifi.radio.connected
    assert _get(pool, *server).endswith(b"hello from the host")


@pytest.mark.hostile
def test_refused_and_bad_arguments(sim) -> None:
    import socketpool
    import wifi

    wifi.radio.connect("Protoboard", "circuitpython")
    pool = socketpool.SocketPool(wifi.radio)
    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nobody listens there now
    with pool.socket() as sock, pytest.raises(OSError) as caught:
        sock.connect(("127.0.0.1", port))
    assert caught.value.errno == errno.ECONNREFUSED
    with pool.socket() as sock:
        with pytest.raises(ValueError, match="^port must be >= 0$"):
            sock.connect(("127.0.0.1", -1))
        with pytest.raises(ValueError, match="^buffer too small for requested bytes$"):
            sock.recv_into(bytearray(4), 8)
        with pytest.raises(BrokenPipeError):
            sock.send(b"x")
    with pytest.raises(OSError) as closed:
        sock.send(b"x")
    assert closed.value.errno == errno.EBADF


def test_udp_round_trip(sim) -> None:
    import socketpool
    import wifi

    wifi.radio.connect("Protoboard", "circuitpython")
    pool = socketpool.SocketPool(wifi.radio)
    echo = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    echo.bind(("127.0.0.1", 0))
    with pool.socket(pool.AF_INET, pool.SOCK_DGRAM) as sock:
        sock.settimeout(5)
        assert sock.sendto(b"ping", echo.getsockname()) == 4
        data, peer = echo.recvfrom(16)
        echo.sendto(b"pong", peer)
        buffer = bytearray(16)
        count, source = sock.recvfrom_into(buffer)
    echo.close()
    assert (data, bytes(buffer[:count])) == (b"ping", b"pong")
    assert source[0] == "127.0.0.1"


def test_ipaddress_as_circuitpython() -> None:
    from protoboard.bindings import ipaddress

    address = ipaddress.ip_address("192.168.4.2")
    assert str(address) == "192.168.4.2" and address.packed == bytes([192, 168, 4, 2])
    assert address == ipaddress.IPv4Address(b"\xc0\xa8\x04\x02")
    assert str(ipaddress.IPv4Address(1)) == "1.0.0.0"  # little-endian, as on a board
    assert address.version == 4
    with pytest.raises(ValueError, match="^Not a valid IP string$"):
        ipaddress.ip_address("1.2.3")
    with pytest.raises(ValueError, match="^Only int or string supported for ip$"):
        ipaddress.ip_address(b"1234")
    with pytest.raises(ValueError, match="^Address must be 4 bytes long$"):
        ipaddress.IPv4Address(b"123")


def test_a_program_gets_circuitpythons_ssl_and_the_host_keeps_its_own(sim) -> None:
    import importlib
    import ssl as host_ssl

    from protoboard import boardimport

    ours = importlib.import_module(boardimport.BOARD_STANDARD["ssl"])
    assert ours.create_default_context().__class__.__module__ == "ssl"
    assert host_ssl.SSLContext is not ours.SSLContext
    assert importlib.import_module("ssl") is host_ssl


def test_access_points_from_a_parts_file(tmp_path) -> None:
    from protoboard import partsfile

    (tmp_path / "parts.toml").write_text(
        '[CAFE]\ntype = "AccessPoint"\nssid = "cafe"\npassword = ""\nrssi = -70\nchannel = 11\n'
    )
    with simulated_board() as sim:
        import wifi

        from protoboard.machine import current

        partsfile.wire_folder(current(), tmp_path)
        assert [n.ssid for n in wifi.radio.start_scanning_networks()] == ["cafe"]
        wifi.radio.connect("cafe")
        assert wifi.radio.ap_info.authmode == [wifi.AuthMode.OPEN]
        partsfile.set_attribute(sim.part("CAFE"), "present", "false")
        assert not wifi.radio.connected


@pytest.mark.hostile
def test_access_point_settings_are_checked() -> None:
    from protoboard.ports.sim.parts.network import AccessPoint

    with pytest.raises(ValueError, match="1 to 32 bytes"):
        AccessPoint(ssid="")
    with pytest.raises(ValueError, match="8 to 64 characters"):
        AccessPoint(password="short")


def test_removing_the_access_point_takes_it_away_for_good(sim) -> None:
    import wifi

    wifi.radio.connect("Protoboard", "circuitpython")
    sim.detach("AP")
    assert not wifi.radio.connected
    assert list(wifi.radio.start_scanning_networks()) == []  # no new default appears
    wifi.radio.stop_scanning_networks()
    with pytest.raises(ConnectionError, match="^No network with that ssid$"):
        wifi.radio.connect("Protoboard", "circuitpython")


@pytest.mark.hostile
def test_scan_and_access_point_arguments(sim) -> None:
    import wifi

    with pytest.raises(ValueError, match="^start_channel must be 1-165$"):
        wifi.radio.start_scanning_networks(start_channel=0)
    # a reversed range is swapped, as the C code does
    assert [n.ssid for n in wifi.radio.start_scanning_networks(start_channel=11, stop_channel=1)]
    wifi.radio.stop_scanning_networks()
    with pytest.raises(ValueError, match="^channel must be 1-13$"):
        wifi.radio.start_ap("board-ap", "circuitpython", channel=14)
    with pytest.raises(ValueError, match="^AuthMode.OPEN is not used with password$"):
        wifi.radio.start_ap("board-ap", "circuitpython", authmode=[wifi.AuthMode.OPEN])
    wifi.radio.start_ap("board-ap", "circuitpython")
    assert wifi.radio.ap_active and str(wifi.radio.ipv4_address_ap) == "192.168.4.1"
    assert wifi.radio.stations_ap == []
    wifi.radio.stop_ap()
    assert wifi.radio.ipv4_address_ap is None and wifi.radio.stations_ap is None
