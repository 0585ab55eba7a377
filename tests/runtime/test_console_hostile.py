"""Hostile input on the TCP console (issue 10, case 1): a web page or any local program talking
to ``--console tcp:PORT`` must not reach the REPL; passwords; client caps; fuzzing.

Real ``protoboard run`` processes, real sockets; no mocks.
"""

from __future__ import annotations

import contextlib
import functools
import re
import socket
import string
import struct
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial
from board_process import BoardProcess
from console_inbox import Inbox
from console_inbox import wait_until as shared_wait_until
from hypothesis import given, settings
from hypothesis import strategies as st

from protoboard.errors import UserError
from protoboard.runtime.console import ConsoleHub
from protoboard.runtime.console import tcp as tcp_endpoint
from protoboard.runtime.console.sniff import METHODS, Verdict, classify

DEADLINE = 15.0
#: a quiet time no test waits out: whatever is undecided stays held, however slow the machine
NEVER_QUIET = 3600.0


def browser_post(port: int, body: bytes) -> bytes:
    """The bytes Chrome sends for ``fetch('http://127.0.0.1:PORT/', {method: 'POST',
    mode: 'no-cors', body})`` from a page on another site."""
    head = (
        "POST / HTTP/1.1\r\n"
        f"Host: 127.0.0.1:{port}\r\n"
        "Connection: keep-alive\r\n"
        f"Content-Length: {len(body)}\r\n"
        'sec-ch-ua-platform: "Linux"\r\n'
        "User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
        "Chrome/131.0.0.0 Safari/537.36\r\n"
        'sec-ch-ua: "Google Chrome";v="131", "Chromium";v="131", "Not_A Brand";v="24"\r\n'
        "Content-Type: text/plain;charset=UTF-8\r\n"
        "sec-ch-ua-mobile: ?0\r\n"
        "Accept: */*\r\n"
        "Origin: https://attacker.example\r\n"
        "Sec-Fetch-Site: cross-site\r\n"
        "Sec-Fetch-Mode: no-cors\r\n"
        "Sec-Fetch-Dest: empty\r\n"
        "Referer: https://attacker.example/\r\n"
        "Accept-Encoding: gzip, deflate, br, zstd\r\n"
        "Accept-Language: en-US,en;q=0.9\r\n"
        "\r\n"
    )
    return head.encode() + body


def console_port(board) -> int:
    found = re.search(
        r"socket://127\.0\.0\.1:(\d+)", board.wait_for(r"socket://127\.0\.0\.1:\d+", stream="err")
    )
    assert found is not None
    return int(found.group(1))


def read_until(link: serial.SerialBase, marker: bytes) -> bytes:
    seen = b""
    deadline = time.monotonic() + DEADLINE
    while marker not in seen and time.monotonic() < deadline:
        seen += link.read(256)
    assert marker in seen, f"{marker!r} not in {seen[-500:]!r}"
    return seen


def closed_by_peer(sock: socket.socket) -> bool:
    """Read until the other side closes; False if it keeps the connection open."""
    sock.settimeout(DEADLINE)
    try:
        while sock.recv(4096):
            pass
    except TimeoutError:
        return False
    except ConnectionResetError:
        pass
    return True


@pytest.mark.hostile
def test_a_browser_post_to_the_tcp_console_runs_nothing(start_board, tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    board = start_board({"code.py": "print('ready')\n"}, args=("--console", "tcp:0"))
    port = console_port(board)
    board.wait_for("Press any key")
    body = f"open({str(target)!r}, 'w').write('x')\n".encode()
    with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as attacker:
        attacker.sendall(browser_post(port, body))
        refused = closed_by_peer(attacker)
    # A serial client after it: its input is handled after the attacker's, so if the body had
    # run, it would have run before 42 appears.
    with serial.serial_for_url(f"socket://127.0.0.1:{port}", timeout=0.2) as link:
        link.write(b"\r")
        read_until(link, b">>> ")
        link.write(b"print(6 * 7)\r")
        read_until(link, b"42\r\n>>> ")
    assert not target.exists(), "the body of an HTTP request ran in the REPL"
    assert refused, "the HTTP client's connection was left open"
    assert "looks like HTTP" in board.errors


# ------------------------------------------------------------------ the hub, with real sockets

HTTP_FIRST_BYTES = {
    "browser POST": browser_post(7777, b"import os\n"),
    "GET": b"GET / HTTP/1.1\r\nHost: 127.0.0.1:7777\r\n\r\n",
    "CORS preflight": b"OPTIONS /x HTTP/1.1\r\nHost: 127.0.0.1\r\nOrigin: http://a.example\r\n\r\n",
    "websocket": b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
    b"\r\n",
    "HTTP/2 preface": b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n",
    "HTTP/1.0 no headers": b"HEAD /index.html HTTP/1.0\n\n",
    "absolute form": b"GET http://127.0.0.1:7777/ HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
    "unknown method": b"BREW /pot HTTP/1.1\r\n\r\nprint(1)\r\n",
    "a header first": b"Host: 127.0.0.1:7777\r\n\r\nprint(1)\r\n",
    "lower-case header": b"user-agent: curl/8\r\n\r\n",
    "TLS ClientHello": bytes.fromhex("160301020001") + b"\x00" * 64,
}


wait_until = functools.partial(shared_wait_until, timeout=DEADLINE)


def read_exactly(sock: socket.socket, size: int) -> bytes:
    sock.settimeout(DEADLINE)
    out = b""
    while len(out) < size:
        chunk = sock.recv(size - len(out))
        if not chunk:
            raise AssertionError(f"EOF after {out!r}")
        out += chunk
    return out


def read_to_eof(sock: socket.socket) -> bytes:
    sock.settimeout(DEADLINE)
    out = b""
    try:
        while chunk := sock.recv(4096):
            out += chunk
    except ConnectionResetError:
        pass
    return out


@pytest.fixture
def hub() -> Iterator[tuple[ConsoleHub, Inbox]]:
    inbox = Inbox(DEADLINE)
    made = ConsoleHub(inbox)
    yield made, inbox
    made.close()


@pytest.mark.hostile
@pytest.mark.parametrize("name", sorted(HTTP_FIRST_BYTES))
@pytest.mark.parametrize("split", [False, True], ids=["one write", "in pieces"])
def test_an_http_or_tls_client_is_closed_unread(hub, name: str, split: bool) -> None:
    console, inbox = hub
    host, port = console.add_tcp(sniff_quiet=NEVER_QUIET)
    console.write(b"secret output\r\n")
    data = HTTP_FIRST_BYTES[name]
    with socket.create_connection((host, port)) as client:
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with contextlib.suppress(ConnectionResetError, BrokenPipeError):  # closed early
            if split:  # a request may arrive in several reads
                for i in range(0, len(data), 7):
                    client.sendall(data[i : i + 7])
            else:
                client.sendall(data)
        reply = read_to_eof(client)
    assert inbox.get() == b""
    assert b"secret" not in reply  # no console output to an HTTP client
    assert reply in (b"", tcp_endpoint._HTTP_REPLY)
    assert console.peers == []


@pytest.mark.hostile
@pytest.mark.parametrize(
    "typed",
    [b"\x03", b"\r", b"\x04", b"print(1)\r", b"import os\r\n", b"GET = 1\r", b"try:\r", b"a"],
)
def test_typing_is_let_through(hub, typed: bytes) -> None:
    console, inbox = hub
    host, port = console.add_tcp()
    with socket.create_connection((host, port)) as client:
        client.sendall(typed)
        inbox.wait_for(typed)
        wait_until(lambda: console.connected, "the client's output to start")
        client.sendall(b"more")
        inbox.wait_for(typed + b"more")


def test_a_client_that_only_reads_gets_output(hub) -> None:
    console, _inbox = hub
    host, port = console.add_tcp()
    console.write(b"earlier\r\n")
    with socket.create_connection((host, port)) as client:
        assert read_exactly(client, 9) == b"earlier\r\n"


@pytest.mark.hostile
def test_a_reader_that_sends_http_later_is_still_closed(hub) -> None:
    console, inbox = hub
    host, port = console.add_tcp()
    with socket.create_connection((host, port)) as client:
        wait_until(lambda: console.connected, "output to start")  # after the quiet time
        client.sendall(b"POST / HTTP/1.1\r\nHost: x\r\n\r\nprint(1)\n")
        read_to_eof(client)
    assert inbox.get() == b""


# ------------------------------------------------------------------ passwords

PASSWORD = b"correct horse"


@pytest.mark.hostile
def test_a_password_client_sees_nothing_and_types_nothing_before_the_password(hub) -> None:
    console, inbox = hub
    host, port = console.add_tcp(password=PASSWORD)
    console.write(b"secret output\r\n")
    with socket.create_connection((host, port)) as client:
        assert read_exactly(client, 10) == b"Password: "
        client.sendall(b"wrong\r\nprint('typed')\r")
        reply = read_to_eof(client)
    assert reply == b"\r\nWrong password; disconnected.\r\n"
    assert inbox.get() == b""
    assert console.peers == []


@pytest.mark.parametrize("ending", [b"\r", b"\n", b"\r\n"], ids=["CR", "LF", "CRLF"])
def test_the_right_password_opens_the_console(hub, ending: bytes) -> None:
    console, inbox = hub
    host, port = console.add_tcp(password=PASSWORD)
    console.write(b"earlier\r\n")
    with socket.create_connection((host, port)) as client:
        assert read_exactly(client, 10) == b"Password: "
        client.sendall(PASSWORD + ending[:1])
        assert read_exactly(client, 11) == b"\r\nearlier\r\n"
        client.sendall(ending[1:] + b"\x03")  # the LF of a CRLF split over two writes
        inbox.wait_for(b"\x03")
        assert inbox.get() == b"\x03"
        console.write(b"later")
        assert read_exactly(client, 5) == b"later"


@pytest.mark.hostile
def test_http_instead_of_a_password_is_refused_as_http(hub) -> None:
    console, inbox = hub
    host, port = console.add_tcp(password=PASSWORD)
    with socket.create_connection((host, port)) as client:
        client.sendall(browser_post(port, b"print(1)\n"))
        reply = read_to_eof(client)
    assert reply.startswith(b"Password: HTTP/1.1 400")
    assert inbox.get() == b""


@pytest.mark.hostile
def test_an_endless_password_line_is_cut_off(hub) -> None:
    console, inbox = hub
    host, port = console.add_tcp(password=PASSWORD)
    with socket.create_connection((host, port)) as client:
        with contextlib.suppress(OSError):  # the hub may close while we still send
            client.sendall(b"x" * (tcp_endpoint.MAX_PASSWORD + 2))
        assert read_to_eof(client).endswith(b"Wrong password; disconnected.\r\n")
    assert inbox.get() == b""


@pytest.mark.hostile
def test_listening_off_loopback_needs_a_password(hub) -> None:
    console, _inbox = hub
    with pytest.raises(UserError, match="anyone who can reach this computer"):
        console.add_tcp("0.0.0.0", 0)
    host, _port = console.add_tcp("0.0.0.0", 0, password=PASSWORD)
    assert host == "0.0.0.0"


def test_tcp_specs() -> None:
    parse = tcp_endpoint.TcpSpec.parse
    assert parse("tcp:7777", {}) == tcp_endpoint.TcpSpec("127.0.0.1", 7777, None)
    assert parse("tcp:0.0.0.0:7", {"PROTOBOARD_CONSOLE_PASSWORD": "pw"}).password == b"pw"
    assert parse("tcp:[::1]:7", {"PROTOBOARD_CONSOLE_PASSWORD": ""}) == (
        tcp_endpoint.TcpSpec("::1", 7, None)
    )
    for wrong in ("tcp:", "tcp:x", "tcp:99999", "tcp::7", "tcp:7777:", "tcp:²"):
        with pytest.raises(UserError):
            parse(wrong, {})


# ------------------------------------------------------------------ client cap


@pytest.mark.hostile
def test_clients_past_the_cap_are_told_and_closed(hub) -> None:
    console, inbox = hub
    host, port = console.add_tcp(max_clients=3)
    kept = [socket.create_connection((host, port)) for _ in range(3)]
    try:
        for client in kept:
            client.sendall(b"\x03")
        wait_until(lambda: len(console.peers) == 3, "three clients")
        with socket.create_connection((host, port)) as extra:
            assert b"3 clients are connected already" in read_to_eof(extra)
        kept[0].sendall(b"ok")
        inbox.wait_for(b"ok")
        kept.pop().close()
        wait_until(lambda: len(console.peers) == 2, "one to leave")
        with socket.create_connection((host, port)) as again:
            again.sendall(b"\x04")
            inbox.wait_for(b"\x04")
    finally:
        for client in kept:
            client.close()


# ------------------------------------------------------------------ fuzzing

_methods = st.sampled_from(sorted(m.decode() for m in METHODS))
_path = st.text(alphabet=string.ascii_letters + string.digits + "/-._~%?=&", max_size=40)
_header = st.tuples(
    st.sampled_from(["Host", "Accept", "Origin", "Content-Type", "User-Agent", "X-Thing"]),
    st.text(alphabet=string.printable.strip(), max_size=30),
)
_body = st.binary(max_size=200)


@st.composite
def http_requests(draw: st.DrawFn) -> bytes:
    """Anything a browser can be made to send: its method, path, headers and body."""
    line = f"{draw(_methods)} /{draw(_path)} HTTP/1.{draw(st.sampled_from('01'))}"
    headers = "".join(f"{k}: {v}\r\n" for k, v in draw(st.lists(_header, max_size=5)))
    return f"{line}\r\n{headers}\r\n".encode() + draw(_body)


def _send_in_pieces(sock: socket.socket, data: bytes, cuts: list[int]) -> None:
    with contextlib.suppress(ConnectionResetError, BrokenPipeError):
        last = 0
        for cut in [*sorted(c % (len(data) + 1) for c in cuts), len(data)]:
            if cut > last:
                sock.sendall(data[last:cut])
                last = cut


def _probe(console: ConsoleHub, inbox: Inbox, address: tuple[str, int], n: int) -> None:
    """The hub still reads, decides and delivers: a new client's Ctrl-C and marker arrive."""
    marker = b"\x03probe %d\x03" % n
    with socket.create_connection(address) as client:
        client.sendall(marker)
        inbox.wait_for(marker)
    assert console._thread.is_alive()


@pytest.mark.hostile
def test_fuzz_http_requests_never_reach_the_board() -> None:
    inbox = Inbox(DEADLINE)
    with ConsoleHub(inbox) as console:
        address = console.add_tcp(sniff_quiet=NEVER_QUIET)

        @settings(max_examples=60, deadline=None, derandomize=True)
        @given(request=http_requests(), cuts=st.lists(st.integers(0, 400), max_size=4))
        def check(request: bytes, cuts: list[int]) -> None:
            with socket.create_connection(address) as client:
                _send_in_pieces(client, request, cuts)
                reply = read_to_eof(client)
            assert inbox.get() == b"", request
            assert reply in (b"", tcp_endpoint._HTTP_REPLY)

        check()


@pytest.mark.hostile
def test_fuzz_random_byte_streams_never_stop_the_console() -> None:
    inbox = Inbox(DEADLINE)
    with ConsoleHub(inbox, max_buffer=4096) as console:
        address = console.add_tcp()
        count = iter(range(10**6))

        @settings(max_examples=50, deadline=None, derandomize=True)
        @given(
            data=st.binary(max_size=3000) | st.sampled_from(list(HTTP_FIRST_BYTES.values())),
            cuts=st.lists(st.integers(0, 3000), max_size=5),
            reset=st.booleans(),
        )
        def check(data: bytes, cuts: list[int], reset: bool) -> None:
            client = socket.create_connection(address)
            _send_in_pieces(client, data, cuts)
            console.write(data[:100])
            if reset:  # an RST instead of a FIN
                client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            _probe(console, inbox, address, next(count))

        check()


@pytest.mark.hostile
@settings(max_examples=300, deadline=None, derandomize=True)
@given(request=http_requests())
def test_fuzz_no_prefix_of_an_http_request_is_let_through(request: bytes) -> None:
    """However the request is cut into reads, no prefix of it is judged to be typing."""
    for end in range(1, len(request) + 1):
        verdict, _ = classify(request[:end])
        assert verdict is not Verdict.NOT_HTTP, request[:end]
        if verdict is Verdict.HTTP:
            break
    else:
        raise AssertionError(f"never judged HTTP: {request!r}")


# ------------------------------------------------------------------ a real board, with a password


@pytest.mark.hostile
def test_a_board_with_a_console_password(tmp_path: Path) -> None:
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "code.py").write_text("print('ready')\n")
    board = BoardProcess(
        drive, "--console", "tcp:0", env={"PROTOBOARD_CONSOLE_PASSWORD": "s3cret pass"}
    )
    try:
        port = console_port(board)
        assert "(password from PROTOBOARD_CONSOLE_PASSWORD)" in board.errors
        board.wait_for("Press any key")
        with socket.create_connection(("127.0.0.1", port)) as guesser:
            assert read_exactly(guesser, 10) == b"Password: "
            guesser.sendall(b"guess\r\r\nprint('in')\r")
            assert b"Wrong password" in read_to_eof(guesser)
        with serial.serial_for_url(f"socket://127.0.0.1:{port}", timeout=0.2) as link:
            # no waiting for "Password: ": pyserial drops what arrives while it opens
            link.write(b"s3cret pass\r\n")
            read_until(link, b"ready")  # the recent output, once in
            link.write(b"\r")
            read_until(link, b">>> ")
            link.write(b"print(6 * 7)\r")
            read_until(link, b"42\r\n>>> ")
        assert "print('in')" not in board.output
        assert "gave a wrong password" in board.errors
    finally:
        board.stop()


def test_run_refuses_a_console_it_cannot_parse(tmp_path: Path) -> None:
    board = BoardProcess(tmp_path, "--console", "tcp:seven")
    assert board.proc.wait(DEADLINE) == 2
    board.stop()
    assert "'tcp:seven' does not end with a port number" in board.errors
