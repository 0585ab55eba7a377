"""RFC 6455 on the run's web server: a mounted echo handler, played against with raw frames
(masked as a client must), over real sockets on 127.0.0.1."""

from __future__ import annotations

import base64
import socket
import struct
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from protoboard.web import websocket as ws
from protoboard.web.server import Request, Response, WebServer

TIMEOUT = 5
MASK = b"\x11\x22\x33\x44"


class Echo:
    """Echoes each message back in the same kind; records the close it saw."""

    def __init__(self) -> None:
        self.closed = threading.Event()
        self.close_code: int | None = None
        self.threads: list[threading.Thread] = []

    def __call__(self, request: Request) -> Response | None:
        if request.path == "/echo/plain":
            return Response(body=b"plain answer")
        sock = request.upgrade(max_message=1000)
        thread = threading.Thread(target=self.serve, args=(sock,), daemon=True)
        self.threads.append(thread)
        thread.start()
        return None

    def serve(self, sock: ws.WebSocket) -> None:
        try:
            while (message := sock.receive()) is not None:
                if isinstance(message, str):
                    sock.send_text(message)
                else:
                    sock.send_binary(message)
            self.close_code = sock.close_code
        finally:
            sock.shutdown()
            self.closed.set()


@pytest.fixture
def echo() -> Echo:
    return Echo()


@pytest.fixture
def server(tmp_path: Path, echo: Echo) -> Iterator[WebServer]:
    api = WebServer(tmp_path, password="pw", token="tok", max_sockets=2, timeout=3)
    api.mount("/echo/", echo)
    api.start()
    yield api
    api.stop()


def upgrade_request(server: WebServer, path: str = "/echo/", extra: str = "") -> bytes:
    key = base64.b64encode(b"0123456789abcdef").decode()
    auth = base64.b64encode(b":pw").decode()
    return (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
        f"Authorization: Basic {auth}\r\n{extra}\r\n"
    ).encode()


class Client:
    def __init__(self, server: WebServer, extra: str = "") -> None:
        self.sock = socket.create_connection((server.host, server.port), timeout=TIMEOUT)
        self.sock.sendall(upgrade_request(server, extra=extra))
        self.file = self.sock.makefile("rb")
        head = b""
        while not head.endswith(b"\r\n\r\n"):
            byte = self.file.read(1)
            if not byte:
                break
            head += byte
        self.head = head.decode()

    def send(self, opcode: int, payload: bytes, *, fin: bool = True, mask: bool = True) -> None:
        self.sock.sendall(ws.frame(opcode, payload, fin=fin, mask=MASK if mask else None))

    def read(self) -> tuple[int, bytes]:
        first, second = self.file.read(2)
        assert not second & 0x80, "server frames are never masked"
        size = second & 0x7F
        if size == 126:
            (size,) = struct.unpack("!H", self.file.read(2))
        elif size == 127:
            (size,) = struct.unpack("!Q", self.file.read(8))
        return first & 0x0F, self.file.read(size)

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def test_accept_key_rfc_example() -> None:
    # RFC 6455 §1.3
    assert ws.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="


def test_handshake_and_text_binary_echo(server: WebServer) -> None:
    client = Client(server)
    assert client.head.startswith("HTTP/1.1 101 ")
    assert (
        f"Sec-WebSocket-Accept: {ws.accept_key(base64.b64encode(b'0123456789abcdef').decode())}"
        in client.head
    )
    client.send(ws.TEXT, "héllo".encode())
    assert client.read() == (ws.TEXT, "héllo".encode())
    client.send(ws.BINARY, bytes(range(256)) * 3)  # a 16-bit length
    assert client.read() == (ws.BINARY, bytes(range(256)) * 3)
    client.close()


def test_fragments_with_ping_between(server: WebServer) -> None:
    client = Client(server)
    client.send(ws.TEXT, b"ab", fin=False)
    client.send(ws.PING, b"are you there")
    client.send(ws.CONTINUATION, b"cd", fin=False)
    client.send(ws.CONTINUATION, b"ef")
    assert client.read() == (ws.PONG, b"are you there")
    assert client.read() == (ws.TEXT, b"abcdef")
    client.close()


def test_close_is_answered_with_the_same_code(server: WebServer, echo: Echo) -> None:
    client = Client(server)
    client.send(ws.CLOSE, struct.pack("!H", 1001) + b"bye")
    opcode, body = client.read()
    assert opcode == ws.CLOSE and struct.unpack("!H", body[:2])[0] == 1001
    assert echo.closed.wait(TIMEOUT) and echo.close_code == 1001
    assert client.sock.recv(10) == b""  # the server closed its end
    client.close()


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("frames", "code"),
    [
        ([(ws.TEXT, b"unmasked", True, False)], ws.CLOSE_PROTOCOL),
        ([(ws.TEXT, b"\xff\xfe", True, True)], ws.CLOSE_INVALID_DATA),
        ([(ws.CONTINUATION, b"x", True, True)], ws.CLOSE_PROTOCOL),
        ([(ws.TEXT, b"a", False, True), (ws.TEXT, b"b", True, True)], ws.CLOSE_PROTOCOL),
        ([(ws.PING, b"x" * 126, True, True)], ws.CLOSE_PROTOCOL),
        ([(ws.PING, b"x", False, True)], ws.CLOSE_PROTOCOL),
        ([(0x3, b"x", True, True)], ws.CLOSE_PROTOCOL),
        ([(ws.TEXT, b"x" * 1001, True, True)], ws.CLOSE_TOO_BIG),
        ([(ws.TEXT, b"x" * 600, False, True), (0, b"x" * 401, True, True)], ws.CLOSE_TOO_BIG),
        ([(ws.CLOSE, b"\x03", True, True)], ws.CLOSE_PROTOCOL),
        ([(ws.CLOSE, struct.pack("!H", 999), True, True)], ws.CLOSE_PROTOCOL),
    ],
)
def test_protocol_errors_close_with_the_right_code(
    server: WebServer, echo: Echo, frames: list[tuple[int, bytes, bool, bool]], code: int
) -> None:
    client = Client(server)
    for opcode, payload, fin, mask in frames:
        client.send(opcode, payload, fin=fin, mask=mask)
    opcode, body = client.read()
    assert opcode == ws.CLOSE
    assert struct.unpack("!H", body[:2])[0] == code
    assert echo.closed.wait(TIMEOUT)
    client.close()


@pytest.mark.hostile
def test_reserved_bits_and_huge_length_are_refused(server: WebServer, echo: Echo) -> None:
    client = Client(server)
    client.sock.sendall(bytes([0xC1, 0x81]) + MASK + b"x")  # RSV1 set
    assert client.read()[0] == ws.CLOSE
    client.close()
    client = Client(server)
    # a 2**40-byte frame announced: refused before anything is buffered
    client.sock.sendall(bytes([0x82, 0xFF]) + struct.pack("!Q", 1 << 40) + MASK)
    opcode, body = client.read()
    assert (opcode, struct.unpack("!H", body[:2])[0]) == (ws.CLOSE, ws.CLOSE_TOO_BIG)
    client.close()


@pytest.mark.hostile
def test_bad_handshakes_get_plain_answers(server: WebServer) -> None:
    def ask(request: bytes) -> bytes:
        with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
            sock.sendall(request)
            chunks = []
            while data := sock.recv(65536):
                chunks.append(data)
        return b"".join(chunks)

    good = upgrade_request(server)
    assert ask(good.replace(b"Version: 13", b"Version: 8")).startswith(b"HTTP/1.1 426")
    assert ask(good.replace(b"Key: MDEy", b"Key: !!!!")).startswith(b"HTTP/1.1 400")
    no_auth = b"\r\n".join(line for line in good.split(b"\r\n") if b"Authorization" not in line)
    assert ask(no_auth).startswith(b"HTTP/1.1 401")
    plain = ask(
        f"GET /echo/plain HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic "
        f"{base64.b64encode(b':pw').decode()}\r\n\r\n".encode()
    )
    assert plain.startswith(b"HTTP/1.1 200") and plain.endswith(b"plain answer")


@pytest.mark.hostile
def test_upgraded_sockets_are_bounded(server: WebServer, echo: Echo) -> None:
    first, second = Client(server), Client(server)
    assert first.head.startswith("HTTP/1.1 101") and second.head.startswith("HTTP/1.1 101")
    third = Client(server)
    assert third.head.startswith("HTTP/1.1 503")
    third.close()
    first.send(ws.CLOSE, b"")
    assert first.read()[0] == ws.CLOSE
    first.close()
    for thread in echo.threads[:1]:
        thread.join(TIMEOUT)
    again = Client(server)
    assert again.head.startswith("HTTP/1.1 101")  # the closed one's place is free again
    for client in (second, again):
        client.close()


@pytest.mark.hostile
def test_cross_site_pages_cannot_open_a_websocket(server: WebServer) -> None:
    client = Client(server, extra="Origin: http://evil.example\r\n")
    assert client.head.startswith("HTTP/1.1 403")
    client.close()
    client = Client(server, extra=f"Origin: http://127.0.0.1:{server.port}\r\n")
    assert client.head.startswith("HTTP/1.1 101")
    client.close()
