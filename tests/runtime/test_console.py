"""The console hub, end to end with real ptys, sockets, pipes and pyserial (no mocks)."""

from __future__ import annotations

import ast
import functools
import inspect
import os
import select
import socket
import struct
import subprocess
import sys
import termios
import textwrap
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import serial
from console_inbox import Inbox, wait_until

from protoboard.runtime.console import PTY_PROBE_INTERVAL, ConsoleHub
from protoboard.runtime.console import pty as pty_endpoint
from protoboard.runtime.console import tcp as tcp_endpoint
from protoboard.runtime.console import terminal as terminal_endpoint
from protoboard.runtime.console.endpoint import EndpointHost
from protoboard.runtime.console.peer import CrlfToLf, Peer
from protoboard.runtime.console.pty import Pty
from protoboard.runtime.console.scrollback import Scrollback

DEADLINE = 5.0


wait_for = functools.partial(wait_until, timeout=DEADLINE)


def read_fd(fd: int, size: int) -> bytes:
    """Read exactly ``size`` bytes from ``fd`` (poll-based, generous deadline)."""
    out = b""
    end = time.monotonic() + DEADLINE
    while len(out) < size:
        left = end - time.monotonic()
        if left <= 0 or not select.select([fd], [], [], left)[0]:
            raise AssertionError(f"timed out after {out!r}")
        chunk = os.read(fd, size - len(out))
        if not chunk:
            raise AssertionError(f"EOF after {out!r}")
        out += chunk
    return out


def read_serial(port: serial.SerialBase, size: int) -> bytes:
    out = b""
    end = time.monotonic() + DEADLINE
    while len(out) < size and time.monotonic() < end:
        out += port.read(size - len(out))
    assert len(out) == size, f"got only {out!r}"
    return out


def read_sock(sock: socket.socket, size: int) -> bytes:
    sock.settimeout(DEADLINE)
    out = b""
    while len(out) < size:
        chunk = sock.recv(size - len(out))
        if not chunk:
            raise AssertionError(f"EOF after {out!r}")
        out += chunk
    return out


@pytest.fixture
def make_hub() -> Iterator[Callable[..., ConsoleHub]]:
    hubs: list[ConsoleHub] = []

    def make(on_input: Callable[[bytes], None], **kwargs: object) -> ConsoleHub:
        hub = ConsoleHub(on_input, **kwargs)  # type: ignore[arg-type]
        hubs.append(hub)
        return hub

    yield make
    for hub in hubs:
        hub.close()


@pytest.fixture
def terminal_pty() -> Iterator[tuple[int, int]]:
    """A pty pair standing in for a user's terminal: (master = the terminal, slave = our tty)."""
    master, slave = os.openpty()
    yield master, slave
    for fd in (master, slave):
        try:
            os.close(fd)
        except OSError:
            pass


# ---------------------------------------------------------------------------- pty endpoint


def test_pty_carries_every_byte_value_both_ways(make_hub):
    inbox = Inbox()
    hub = make_hub(inbox)
    path = hub.add_pty()
    assert path.startswith("/dev/")
    assert not hub.connected  # nobody has the slave open yet

    with serial.Serial(path, timeout=0.5) as port:
        wait_for(lambda: hub.connected, "the pty to count as connected")
        every_byte = bytes(range(256))
        hub.write(every_byte)
        assert read_serial(port, 256) == every_byte  # raw: no CRLF mapping, no signals
        port.write(every_byte)
        inbox.wait(every_byte)  # and no echo of what the hub wrote
    wait_for(lambda: not hub.connected, "the pty to count as disconnected")


def test_pty_can_be_reopened_after_a_tool_closes_it(make_hub):
    inbox = Inbox()
    hub = make_hub(inbox, scrollback=0)
    path = hub.add_pty()
    for round_ in range(3):
        with serial.Serial(path, timeout=0.5) as port:
            wait_for(lambda: hub.connected, "a connection")
            hub.write(b"out %d\r\n" % round_)
            assert read_serial(port, 7) == b"out %d\r\n" % round_
            port.write(b"in %d;" % round_)
            inbox.wait(b"".join(b"in %d;" % i for i in range(round_ + 1)))
        wait_for(lambda: not hub.connected, "the tool to be gone")


def test_the_next_pty_tool_starts_raw_and_without_stale_output(make_hub):
    inbox = Inbox()
    hub = make_hub(inbox, scrollback=0)
    path = hub.add_pty()

    # A careless tool: turns echo and CRLF mapping on, leaves output unread, goes away.
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    attrs = termios.tcgetattr(fd)
    attrs[3] |= termios.ECHO | termios.ICANON
    attrs[1] |= termios.OPOST | termios.ONLCR
    termios.tcsetattr(fd, termios.TCSANOW, attrs)
    wait_for(lambda: hub.connected, "the careless tool")
    hub.write(b"stale output\r\n")
    time.sleep(0.1)  # let it reach the pty; the tool never reads it
    os.close(fd)
    wait_for(lambda: not hub.connected, "the careless tool to be gone")
    echoed = inbox.get()  # its echo came back as input while it was open: its own doing

    # The next tool opens the path without configuring anything.
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        lflag = termios.tcgetattr(fd)[3]
        assert not lflag & (termios.ECHO | termios.ICANON)
        wait_for(lambda: hub.connected, "the next tool")
        hub.write(b"fresh\n")
        assert read_fd(fd, 6) == b"fresh\n"  # nothing stale first, no CRLF mapping
        os.write(fd, b"k")
        inbox.wait(echoed + b"k")  # and nothing echoed back as input now
    finally:
        os.close(fd)


def test_pty_symlink_names_the_slave_and_goes_away_on_close(make_hub, tmp_path):
    hub = make_hub(Inbox())
    link = tmp_path / "protoboard-console"
    path = hub.add_pty(link=link)
    assert os.readlink(link) == path
    hub.close()
    assert not os.path.lexists(link)


# ---------------------------------------------------------------------------- TCP endpoint


def test_tcp_two_clients_share_output_and_both_can_type(make_hub):
    inbox = Inbox()
    hub = make_hub(inbox)
    host, port = hub.add_tcp()
    assert host == "127.0.0.1"

    with (
        serial.serial_for_url(f"socket://{host}:{port}", timeout=0.5) as pyserial_client,
        socket.create_connection((host, port), timeout=DEADLINE) as plain_client,
    ):
        wait_for(lambda: len(hub.peers) == 2, "two TCP peers")
        assert hub.connected
        hub.write(b"Code done running.\r\n")
        assert read_serial(pyserial_client, 20) == b"Code done running.\r\n"
        assert read_sock(plain_client, 20) == b"Code done running.\r\n"

        pyserial_client.write(b"\x03")
        inbox.wait(b"\x03")
        plain_client.sendall(b"\xff\xfb\x01print(1)\r")  # telnet IAC bytes pass through untouched
        inbox.wait(b"\x03\xff\xfb\x01print(1)\r")

    wait_for(lambda: not hub.connected, "both clients to be removed")


def test_tcp_late_joiner_gets_recent_output(make_hub):
    hub = make_hub(Inbox())
    host, port = hub.add_tcp()
    hub.write(b"soft reboot\r\n\r\ncode.py output:\r\n")
    with socket.create_connection((host, port), timeout=DEADLINE) as client:
        expected = b"soft reboot\r\n\r\ncode.py output:\r\n"
        assert read_sock(client, len(expected)) == expected
        wait_for(lambda: hub.connected, "the client")
        hub.write(b"hi\r\n")
        assert read_sock(client, 4) == b"hi\r\n"


def test_stalled_tcp_client_is_dropped_without_holding_up_others(make_hub):
    hub = make_hub(Inbox(), max_buffer=64 * 1024)
    host, port = hub.add_tcp()
    stalled = socket.socket()
    stalled.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    stalled.connect((host, port))
    reader = socket.create_connection((host, port))
    stalled_name = "tcp {}:{}".format(*stalled.getsockname()[:2])
    wait_for(lambda: len(hub.peers) == 2, "both clients")

    received = bytearray()
    done = threading.Event()

    def read_all() -> None:
        while chunk := reader.recv(1 << 16):
            received.extend(chunk)
        done.set()

    thread = threading.Thread(target=read_all, daemon=True)
    thread.start()

    sent = bytearray()

    def caught_up() -> bool:
        return len(received) >= len(sent)

    chunk_no = 0
    while stalled_name in hub.peers:
        assert len(sent) < 256 << 20, "the stalled client was never dropped"
        chunk = struct.pack(">I", chunk_no) * 8192  # 32 KiB
        chunk_no += 1
        hub.write(chunk)  # returns at once however far behind the stalled client is
        sent += chunk
        wait_for(caught_up, "the reading client to keep up")

    hub.write(b"after the drop")
    sent += b"after the drop"
    wait_for(caught_up, "the reading client")
    assert received == sent
    assert hub.peers == ["tcp {}:{}".format(*reader.getsockname()[:2])]

    # The stalled client finds its connection closed once it reads what was already sent.
    stalled.settimeout(DEADLINE)
    try:
        while stalled.recv(1 << 16):
            pass
    except ConnectionResetError:
        pass
    stalled.close()
    reader.shutdown(socket.SHUT_RDWR)  # wakes the reading thread
    assert done.wait(DEADLINE)
    reader.close()


def test_a_client_resetting_its_connection_does_not_disturb_the_others(make_hub):
    inbox = Inbox()
    hub = make_hub(inbox)
    host, port = hub.add_tcp()
    path = hub.add_pty()
    rude = socket.create_connection((host, port))
    polite = socket.create_connection((host, port))
    with serial.Serial(path, timeout=0.5) as tool:
        wait_for(lambda: len(hub.peers) == 3, "three peers")
        rude.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        rude.close()  # RST
        for i in range(50):
            hub.write(b"line %02d\r\n" % i)
        expected = b"".join(b"line %02d\r\n" % i for i in range(50))
        assert read_sock(polite, len(expected)) == expected
        assert read_serial(tool, len(expected)) == expected
        polite.sendall(b"a")
        tool.write(b"b")
        wait_for(lambda: len(inbox.get()) == 2, "input from both")
        assert sorted(inbox.get()) == sorted(b"ab")
        wait_for(lambda: len(hub.peers) == 2, "the rude client to be removed")
    polite.close()


# ---------------------------------------------------------------------------- terminal endpoint


def test_terminal_tty_is_raw_while_attached_and_restored_on_close(make_hub, terminal_pty):
    master, slave = terminal_pty
    original = termios.tcgetattr(slave)
    inbox = Inbox()
    quits: list[int] = []
    hub = make_hub(inbox, on_quit=lambda: quits.append(1))
    hub.add_terminal(slave, slave)

    lflag = termios.tcgetattr(slave)[3]
    assert not lflag & (termios.ECHO | termios.ICANON | termios.ISIG)
    assert hub.connected

    os.write(master, b"ab\x03\x04")  # Ctrl-C and Ctrl-D reach the board
    inbox.wait(b"ab\x03\x04")
    os.write(master, b"x\x1dy")  # Ctrl-] is the supervisor's, not the board's
    inbox.wait(b"ab\x03\x04xy")
    wait_for(lambda: quits == [1], "on_quit")

    hub.write(b">>> \r\nline\r\n")  # a tty gets the VM's CRLF untouched
    assert read_fd(master, 12) == b">>> \r\nline\r\n"

    hub.close()
    assert termios.tcgetattr(slave) == original
    hub.close()  # idempotent


def test_quit_key_handler_may_close_the_hub(make_hub, terminal_pty):
    master, slave = terminal_pty
    original = termios.tcgetattr(slave)
    holder: list[ConsoleHub] = []
    closed = threading.Event()

    def quit_() -> None:
        holder[0].close()  # called on the hub's own I/O thread
        closed.set()

    hub = make_hub(Inbox(), on_quit=quit_)
    holder.append(hub)
    hub.add_terminal(slave, slave)
    os.write(master, b"\x1d")
    assert closed.wait(DEADLINE)
    hub.close()  # from the main thread: returns once the hub has finished closing
    assert termios.tcgetattr(slave) == original


def test_terminal_mode_is_restored_when_the_process_dies_of_an_exception(terminal_pty):
    _master, slave = terminal_pty
    original = termios.tcgetattr(slave)
    child = textwrap.dedent("""
        import sys, termios
        from protoboard.runtime.console import ConsoleHub
        hub = ConsoleHub(lambda data: None)
        hub.add_terminal(0, 1)
        raw = not termios.tcgetattr(0)[3] & termios.ECHO
        print("raw" if raw else "cooked", file=sys.stderr, flush=True)
        raise RuntimeError("user program crashed the supervisor")
    """)
    result = subprocess.run(
        [sys.executable, "-c", child],
        stdin=slave,
        stdout=slave,
        stderr=subprocess.PIPE,
        timeout=30,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith(b"raw\n"), result.stderr
    assert b"RuntimeError" in result.stderr
    assert termios.tcgetattr(slave) == original


def test_terminal_on_pipes_converts_crlf_and_treats_eof_as_no_more_input(make_hub):
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    inbox = Inbox()
    quits: list[int] = []
    hub = make_hub(inbox, on_quit=lambda: quits.append(1))
    try:
        hub.add_terminal(in_r, out_w)
        hub.write(b"code.py output:\r\nHello\r")  # a CRLF split across two writes
        hub.write(b"\nbar\rbaz\r\n")
        expected = b"code.py output:\nHello\nbar\rbaz\n"
        assert read_fd(out_r, len(expected)) == expected

        os.write(in_w, b"1+1\r\x1d\x03")  # a pipe is forwarded as is, Ctrl-] included
        inbox.wait(b"1+1\r\x1d\x03")
        os.close(in_w)
        in_w = -1
        hub.write(b"2\r\n>>> ")  # output goes on after EOF on stdin
        assert read_fd(out_r, 6) == b"2\n>>> "
        assert quits == []
        assert hub.connected
    finally:
        hub.close()
        for fd in (in_r, in_w, out_r, out_w):
            if fd >= 0:
                os.close(fd)


def test_terminal_that_stops_reading_loses_output_not_the_hub(make_hub):
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    hub = make_hub(Inbox(), max_buffer=16 * 1024)
    host, port = hub.add_tcp()
    try:
        hub.add_terminal(in_r, out_w)
        with socket.create_connection((host, port)) as client:
            wait_for(lambda: len(hub.peers) == 2, "the TCP client")
            total = 0
            for i in range(100):  # ~400 KiB: far beyond the pipe and the buffer
                hub.write(b"%04d" % i * 1024)
                total += 4096
                assert len(read_sock(client, 4096)) == 4096
            drained = b""
            wait_for(lambda: select.select([out_r], [], [], 0)[0], "terminal output")
            while select.select([out_r], [], [], 0.5)[0]:
                drained += os.read(out_r, 1 << 16)
                if b"bytes dropped]" in drained:
                    break
            assert b"bytes dropped]" in drained
            assert len(drained) < total
            assert hub.connected and len(hub.peers) == 2
    finally:
        hub.close()
        for fd in (in_r, in_w, out_r, out_w):
            os.close(fd)


# ---------------------------------------------------------------------------- lifecycle


@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"), reason="needs /proc/self/fd")
def test_close_releases_every_fd(terminal_pty):
    _master, slave = terminal_pty
    before = set(os.listdir("/proc/self/fd"))
    hub = ConsoleHub(Inbox())
    hub.add_terminal(slave, slave)
    path = hub.add_pty()
    host, port = hub.add_tcp()
    with (
        serial.Serial(path, timeout=0.5) as tool,
        socket.create_connection((host, port)) as client,
    ):
        wait_for(lambda: len(hub.peers) == 3, "three peers")
        hub.write(b"bye\r\n")
        assert read_sock(client, 5) == b"bye\r\n"
        assert read_serial(tool, 5) == b"bye\r\n"
        hub.close()
        client.settimeout(DEADLINE)
        assert client.recv(10) == b""  # the hub closed its side
    wait_for(lambda: set(os.listdir("/proc/self/fd")) <= before, "every hub fd to be closed")
    hub.write(b"after close is ignored")
    with pytest.raises(RuntimeError):
        hub.add_tcp()


@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_can_drop_its_copies_without_disturbing_the_parent(make_hub):
    hub = make_hub(Inbox(), scrollback=0)
    host, port = hub.add_tcp()
    path = hub.add_pty()
    with socket.create_connection((host, port)) as client:
        wait_for(lambda: hub.connected, "the client")
        pid = os.fork()
        if pid == 0:  # the child, e.g. a VM forked from the supervisor
            try:
                hub.close()  # closes the child's copies only
            finally:
                os._exit(0)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0
        hub.write(b"still here\r\n")
        assert read_sock(client, 12) == b"still here\r\n"
        with serial.Serial(path, timeout=0.5) as tool:
            wait_for(lambda: len(hub.peers) == 2, "the pty tool")
            hub.write(b"ok")
            assert read_serial(tool, 2) == b"ok"


# ---------------------------------------------------------------------------- the parts


def test_endpoints_ask_the_hub_only_through_its_endpoint_interface():
    allowed = set(EndpointHost.__abstractmethods__) | {"max_buffer"}
    used: set[str] = set()
    for module in (terminal_endpoint, pty_endpoint, tcp_endpoint):
        for node in ast.walk(ast.parse(inspect.getsource(module))):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Attribute | ast.Name)
                and (node.value.attr if isinstance(node.value, ast.Attribute) else node.value.id)
                == "hub"
            ):
                used.add(node.attr)
    assert used == allowed  # every part of the interface is needed, and nothing else is used


class RecordingHost(EndpointHost):
    """A hub stand-in without a thread: the test runs the endpoint's callbacks itself."""

    def __init__(self) -> None:
        self.max_buffer = 1024
        self.readers: dict[int, Callable[[], None]] = {}
        self.timers: list[tuple[float, Callable[[], None]]] = []
        self.peers: list[Peer] = []
        self.replayed: list[bool] = []
        self.typed = bytearray()

    def deliver(self, data: bytes) -> None:
        self.typed += data

    def request_quit(self) -> None:
        raise AssertionError("a pty has no quit key")

    def set_reader(self, fd: int, callback: Callable[[], None] | None) -> None:
        if callback is None:
            self.readers.pop(fd, None)
        else:
            self.readers[fd] = callback

    def call_later(self, delay: float, callback: Callable[[], None]) -> None:
        self.timers.append((delay, callback))

    def attach(self, peer: Peer, *, replay: bool) -> None:
        self.peers.append(peer)
        self.replayed.append(replay)

    def detach(self, peer: Peer) -> None:
        self.peers.remove(peer)


def test_pty_endpoint_attaches_a_peer_while_a_tool_has_it_open():
    host = RecordingHost()
    endpoint = Pty(host, None)
    try:
        endpoint.start()  # nobody has the slave open: look again later, no peer
        assert [delay for delay, _ in host.timers] == [PTY_PROBE_INTERVAL]
        assert host.peers == [] and host.readers == {}

        tool = os.open(endpoint.path, os.O_RDWR | os.O_NOCTTY)
        try:
            host.timers.pop()[1]()  # the probe finds the tool
            assert [peer.name for peer in host.peers] == [f"pty {endpoint.path}"]
            assert host.replayed == [True]
            assert host.peers[0].limit == host.max_buffer
            os.write(tool, b"typed")
            wait_for(lambda: select.select([endpoint.master], [], [], 0)[0], "the typed bytes")
            host.readers[endpoint.master]()
            assert host.typed == b"typed"
        finally:
            os.close(tool)
        wait_for(lambda: select.select([endpoint.master], [], [], 0)[0], "the hang-up")
        host.readers[endpoint.master]()  # the tool closed the slave
        assert host.peers == [] and host.readers == {}
        assert [delay for delay, _ in host.timers] == [PTY_PROBE_INTERVAL]
    finally:
        endpoint.close()
    assert endpoint.master == -1


def test_scrollback_replays_recent_output_from_a_line_start():
    scrollback = Scrollback(16)
    scrollback.add(b"first line\r\nsecond\r\nthird")
    # the last 16 bytes are "e\r\nsecond\r\nthird": the cut line's end is left out
    assert scrollback.tail(1024) == b"second\r\nthird"
    assert scrollback.tail(6) == b"third"  # a peer's own limit cuts it shorter
    whole = Scrollback(64)
    whole.add(b"ab\ncd")
    assert whole.tail(1024) == b"ab\ncd"  # nothing was cut: all of it
    off = Scrollback(0)
    off.add(b"anything")
    assert off.tail(1024) == b""


def test_peer_overflow_drops_output_or_the_peer():
    def failed(exc: OSError) -> None:
        raise AssertionError(exc)

    keep = Peer("terminal", -1, len, limit=8, disconnect_on_overflow=False, on_error=failed)
    assert keep.enqueue(b"12345678")
    assert keep.enqueue(b"9")  # over the limit: pending output is replaced by a notice
    assert keep.alive and keep.dropped == 9
    assert keep.out == b"\r\n[console: output fell behind; 9 bytes dropped]\r\n"

    drop = Peer("tcp", -1, len, limit=8, disconnect_on_overflow=True, on_error=failed)
    assert drop.enqueue(b"12345678")
    assert not drop.enqueue(b"9")  # the hub disconnects it
    assert not drop.alive and drop.out == b"12345678"


def test_crlf_to_lf_holds_a_trailing_cr_for_the_next_chunk():
    convert = CrlfToLf()
    assert convert(b"a\r\nb\r") == b"a\nb"
    assert convert(b"\nc\r") == b"\nc"
    assert convert(b"d") == b"\rd"
    assert convert(b"e\r") == b"e"
    assert convert.flush() == b"\r"
    assert convert.flush() == b""
