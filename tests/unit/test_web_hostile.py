"""Hostile clients against the web workflow's HTTP API (issue 10, case 12), on real sockets.

Bursts of connections, slow clients (slowloris, slow bodies), malformed and oversized requests,
deep trees, and a hypothesis fuzz of whole requests: the server must always answer with a
well-formed HTTP response or close the connection, never run an unbounded number of threads,
never print a traceback, and never write outside the drive.
"""

from __future__ import annotations

import base64
import json
import os
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protoboard.deltree import remove_tree
from protoboard.runtime.drive import TEMP_PREFIX
from protoboard.web.fsapi import FsApiServer, Limits

pytestmark = pytest.mark.hostile

PASSWORD = "secret"
AUTH = ("", PASSWORD)
TIMEOUT = 20  # a client's patience: far above every server timeout below
STATUS = re.compile(rb"HTTP/1\.1 ([1-5][0-9][0-9]) [^\r\n]*\r\n")


@pytest.fixture
def drive(tmp_path: Path) -> Iterator[Path]:
    root = tmp_path / "CIRCUITPY"
    (root / "lib").mkdir(parents=True)
    (root / "code.py").write_text('print("hi")\n')
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "secret.txt").write_text("keep me")
    yield root
    # pytest's own clean-up uses shutil.rmtree, which a deep tree left here would break
    for folder in (root / "deep", root / "lib" / "deeper"):
        if folder.is_dir():
            remove_tree(folder.parent, folder.name)


def limits(**changes: float) -> Limits:
    base = {"head_timeout": 1.0, "io_timeout": 1.0, "body_rate": 1000, "delete_seconds": 30.0}
    return Limits(**{**base, **changes})  # type: ignore[arg-type]


@pytest.fixture
def server(drive: Path) -> Iterator[FsApiServer]:
    with FsApiServer(drive, password=PASSWORD, size_limit=100_000, limits=limits()) as api:
        yield api


def auth_header() -> bytes:
    return b"Authorization: Basic " + base64.b64encode(f":{PASSWORD}".encode()) + b"\r\n"


def exchange(server: FsApiServer, request: bytes) -> bytes:
    """Send ``request`` on a fresh connection; everything until the server closes."""
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        try:
            sock.sendall(request)
        except OSError:
            pass  # the server may refuse before reading it all: its answer still counts
        chunks = []
        try:
            while data := sock.recv(65536):
                chunks.append(data)
        except ConnectionResetError:
            pass
    return b"".join(chunks)


def status(reply: bytes) -> int:
    match = STATUS.match(reply)
    assert match, f"not an HTTP response: {reply[:80]!r}"
    return int(match.group(1))


def no_tracebacks(capfd: pytest.CaptureFixture[str]) -> None:
    err = capfd.readouterr().err
    assert "Traceback" not in err, err[-2000:]


def put(length: bytes, body: bytes = b"", extra: bytes = b"") -> bytes:
    return (
        b"PUT /fs/new.txt HTTP/1.1\r\nHost: x\r\n"
        + auth_header()
        + b"Content-Length: "
        + length
        + b"\r\n"
        + extra
        + b"\r\n"
        + body
    )


# --- case 12: burst of connects -------------------------------------------------------------


def test_burst_of_200_simultaneous_connects_is_answered(server: FsApiServer) -> None:
    count = 200
    barrier = threading.Barrier(count)
    results: list[object] = []

    def client() -> None:
        barrier.wait()
        try:
            results.append(status(exchange(server, b"GET /cp/version.json HTTP/1.1\r\n\r\n")))
        except (OSError, AssertionError) as error:
            results.append(repr(error))

    threads = [threading.Thread(target=client) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count(200) == count, [r for r in results if r != 200][:5]


# --- case 12: Content-Length ------------------------------------------------------------------


@pytest.mark.parametrize(
    "length", ["²", "٣", "+5", "-1", "0x10", "5 5", "1_0", "", "5\x0b", "1e3", "½"]
)
def test_content_length_must_be_ascii_digits(
    server: FsApiServer, drive: Path, capfd: pytest.CaptureFixture[str], length: str
) -> None:
    reply = exchange(server, put(length.encode(), b"hello"))
    assert status(reply) == 400
    assert not (drive / "new.txt").exists()
    no_tracebacks(capfd)


def test_duplicated_content_length_is_refused(server: FsApiServer, drive: Path) -> None:
    reply = exchange(server, put(b"5", b"hello world", b"Content-Length: 11\r\n"))
    assert status(reply) == 400
    assert not (drive / "new.txt").exists()


def test_content_length_of_5000_digits_is_too_large(
    server: FsApiServer, drive: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    assert status(exchange(server, put(b"9" * 5000))) == 413
    reply = exchange(server, put(b"9" * 5000, extra=b"Expect: 100-continue\r\n"))
    assert status(reply) == 417
    assert not (drive / "new.txt").exists()
    no_tracebacks(capfd)


def test_chunked_put_is_refused(server: FsApiServer, drive: Path) -> None:
    request = (
        b"PUT /fs/new.txt HTTP/1.1\r\nHost: x\r\n"
        + auth_header()
        + b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    )
    assert status(exchange(server, request)) == 411
    assert not (drive / "new.txt").exists()


# --- case 12: deep trees ----------------------------------------------------------------------


def deep_tree(top: Path, levels: int) -> None:
    """``top/d/d/.../d`` with a file at each level, made without long paths (fd-relative)."""
    top.mkdir()
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(levels):
            os.close(os.open("f", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd))
            os.mkdir("d", dir_fd=fd)
            inner = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)


def test_delete_of_a_1500_level_folder(
    server: FsApiServer, drive: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    deep_tree(drive / "deep", 1500)
    reply = requests.delete(f"{server.url}/fs/deep/", auth=AUTH, timeout=TIMEOUT)
    assert reply.status_code == 204
    assert not (drive / "deep").exists()
    assert sorted(p.name for p in drive.iterdir()) == ["code.py", "lib"]
    no_tracebacks(capfd)


def test_move_and_list_a_1500_level_folder(server: FsApiServer, drive: Path) -> None:
    deep_tree(drive / "deep", 1500)
    moved = requests.request(
        "MOVE",
        f"{server.url}/fs/deep/",
        auth=AUTH,
        timeout=TIMEOUT,
        headers={"X-Destination": "/fs/lib/deeper/"},
    )
    assert moved.status_code == 201
    listing = requests.get(
        f"{server.url}/fs/lib/deeper/",
        auth=AUTH,
        timeout=TIMEOUT,
        headers={"Accept": "application/json"},
    )
    assert [f["name"] for f in listing.json()["files"]] == ["d", "f"]


def test_delete_cut_short_says_what_remains(drive: Path) -> None:
    deep_tree(drive / "deep", 50)
    with FsApiServer(drive, password=PASSWORD, limits=limits(delete_seconds=0)) as api:
        reply = requests.delete(f"{api.url}/fs/deep/", auth=AUTH, timeout=TIMEOUT)
    assert reply.status_code == 500
    assert "/deep" in reply.text and "again" in reply.text
    assert (drive / "deep").is_dir()  # what remains is back where it was
    assert [p for p in drive.iterdir() if p.name.startswith(TEMP_PREFIX)] == []


# --- case 12: slow clients --------------------------------------------------------------------


def trickle(socks: list[socket.socket], until: float) -> int:
    """Send one header byte per connection every 0.2 s until the server closed them all or
    ``until``; returns how many are still open."""
    open_socks = list(socks)
    while open_socks and time.monotonic() < until:
        for sock in list(open_socks):
            try:
                sock.send(b"X")
            except OSError:
                open_socks.remove(sock)
        time.sleep(0.2)
    return len(open_socks)


def test_slow_clients_are_dropped_and_do_not_starve_others(drive: Path) -> None:
    with FsApiServer(drive, password=PASSWORD, limits=limits(io_timeout=30)) as server:
        slow_clients(server)


def slow_clients(server: FsApiServer) -> None:
    socks = []
    before = threading.active_count()  # other tests' threads may still be winding down
    try:
        for _ in range(150):
            sock = socket.create_connection((server.host, server.port), timeout=TIMEOUT)
            sock.sendall(b"GET /cp/version.json HTTP/1.1\r\nX-Slow: ")
            socks.append(sock)
        threads = threading.active_count()
        normal = requests.get(f"{server.url}/cp/version.json", timeout=TIMEOUT)
        assert normal.status_code == 200 and normal.json()["web_api_version"] == 4
        assert threads <= before + 2  # 150 slow clients hold sockets, not threads
        assert trickle(socks, time.monotonic() + TIMEOUT) == 0
    finally:
        for sock in socks:
            sock.close()


def test_slow_body_is_dropped_and_leaves_no_file(server: FsApiServer, drive: Path) -> None:
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        sock.sendall(put(b"100000"))
        deadline = time.monotonic() + TIMEOUT
        closed = False
        while time.monotonic() < deadline and not closed:
            try:
                sock.send(b"x")  # 5 bytes/s: far under the 1000 bytes/s minimum
                time.sleep(0.2)
            except OSError:
                closed = True
        if not closed:
            pytest.fail("the server kept a 5 bytes/s upload open")
    time.sleep(0.1)
    assert not (drive / "new.txt").exists()
    assert [p for p in drive.iterdir() if p.name.startswith(TEMP_PREFIX)] == []


def test_requests_beyond_the_worker_pool_get_503(drive: Path) -> None:
    with FsApiServer(
        drive, password=PASSWORD, limits=limits(workers=1, queue=1, io_timeout=5)
    ) as api:
        holder = socket.create_connection((api.host, api.port), timeout=TIMEOUT)
        holder.sendall(put(b"10"))  # holds the only worker, waiting for its body
        time.sleep(0.3)
        queued = socket.create_connection((api.host, api.port), timeout=TIMEOUT)
        queued.sendall(b"GET /cp/version.json HTTP/1.1\r\n\r\n")  # waits for the worker
        time.sleep(0.3)
        reply = exchange(api, b"GET /cp/version.json HTTP/1.1\r\n\r\n")
        assert status(reply) == 503 and b"Retry-After: " in reply
        holder.sendall(b"0123456789")
        assert status(holder.recv(4096)) == 201
        assert status(queued.recv(4096)) == 200
        holder.close()
        queued.close()


# --- bounded heads and paths ----------------------------------------------------------------


def test_request_line_too_long_is_414(server: FsApiServer) -> None:
    line = b"GET /fs/" + b"a" * 20_000 + b" HTTP/1.1\r\n\r\n"
    assert status(exchange(server, line)) == 414


def test_too_many_or_too_big_headers_are_431(server: FsApiServer) -> None:
    many = b"".join(b"X-%d: 1\r\n" % i for i in range(200))
    assert status(exchange(server, b"GET /cp/version.json HTTP/1.1\r\n" + many + b"\r\n")) == 431
    big = b"X-Big: " + b"b" * 20_000 + b"\r\n"
    assert status(exchange(server, b"GET /cp/version.json HTTP/1.1\r\n" + big + b"\r\n")) == 431


def test_path_too_deep_or_too_long_is_414(server: FsApiServer, drive: Path) -> None:
    deep = "/a" * 300 + "/"
    reply = requests.put(f"{server.url}/fs{deep}", auth=AUTH, timeout=TIMEOUT)
    assert reply.status_code == 414
    long = "/" + "/".join(["n" * 250] * 6)
    reply = requests.put(f"{server.url}/fs{long}", data=b"x", auth=AUTH, timeout=TIMEOUT)
    assert reply.status_code == 414
    assert not (drive / "a").exists()


@pytest.mark.parametrize(
    "value",
    [b"Basic", b"Basic ", b"Basic !!!", b"Basic \xff\xfe", b"Bearer x", b"Basic " + b"A" * 8000],
)
def test_garbage_authorization_is_401(server: FsApiServer, value: bytes) -> None:
    request = b"GET /fs/code.py HTTP/1.1\r\nHost: x\r\nAuthorization: " + value + b"\r\n\r\n"
    assert status(exchange(server, request)) == 401


def test_symlink_chain_in_the_drive(
    server: FsApiServer, drive: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    previous = "lib"
    for i in range(1100):  # as code.py could make: Python's realpath recurses on these
        os.symlink(previous, drive / f"l{i}")
        previous = f"l{i}"
    reply = requests.get(f"{server.url}/fs/l1099/x.py", auth=AUTH, timeout=TIMEOUT)
    assert reply.status_code == 404
    listing = requests.get(
        f"{server.url}/fs/", auth=AUTH, timeout=TIMEOUT, headers={"Accept": "application/json"}
    )
    assert listing.status_code == 200 and len(listing.json()["files"]) > 2
    no_tracebacks(capfd)


def test_listing_of_a_huge_folder(server: FsApiServer, drive: Path) -> None:
    for i in range(20_000):
        (drive / "lib" / f"m{i:05}.py").touch()
    reply = requests.get(
        f"{server.url}/fs/lib/",
        auth=AUTH,
        timeout=TIMEOUT,
        headers={"Accept": "application/json"},
        stream=True,
    )
    assert reply.headers["Transfer-Encoding"] == "chunked"
    chunks = [len(c) for c in reply.raw.read_chunked()]
    assert max(chunks) < 1_000_000  # streamed in pieces, not one 1.5 MB block
    files = json.loads(
        requests.get(
            f"{server.url}/fs/lib/",
            auth=AUTH,
            timeout=TIMEOUT,
            headers={"Accept": "application/json"},
        ).content
    )["files"]
    assert len(files) == 20_000 and files[0]["name"] == "m00000.py"


def test_client_gone_mid_reply_prints_nothing(
    server: FsApiServer, drive: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    (drive / "big.bin").write_bytes(b"x" * 5_000_000)
    for _ in range(5):
        sock = socket.create_connection((server.host, server.port), timeout=TIMEOUT)
        sock.sendall(b"GET /fs/big.bin HTTP/1.1\r\n" + auth_header() + b"\r\n")
        sock.recv(10)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
        sock.close()  # a reset mid-reply
    assert requests.get(f"{server.url}/cp/version.json", timeout=TIMEOUT).status_code == 200
    time.sleep(0.3)
    no_tracebacks(capfd)


# --- fuzz -------------------------------------------------------------------------------------

METHODS = st.sampled_from([b"GET", b"PUT", b"DELETE", b"MOVE", b"OPTIONS", b"POST", b"\xff", b""])
PATHS = st.one_of(
    st.sampled_from([b"/fs/", b"/fs/code.py", b"/fs/lib/", b"/cp/version.json", b"/fs/../x"]),
    st.binary(max_size=40).map(lambda b: b"/fs/" + b.replace(b" ", b"%20")),
    st.text(alphabet="/.%2eEfF0\\", max_size=40).map(lambda t: ("/fs/" + t).encode()),
)
HEADER_NAMES = st.sampled_from(
    [
        *(b"Content-Length", b"Transfer-Encoding", b"Expect", b"X-Destination", b"Origin"),
        *(b"Host", b"X-Timestamp", b"Accept", b"Authorization", b"Connection", b"X\x00", b""),
    ]
)
HEADERS = st.lists(st.tuples(HEADER_NAMES, st.binary(max_size=30)), max_size=6)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=METHODS,
    path=PATHS,
    version=st.sampled_from([b"HTTP/1.1", b"HTTP/1.0", b"HTTP/9", b""]),
    headers=HEADERS,
    auth=st.booleans(),
    body=st.binary(max_size=64),
)
def test_fuzzed_requests_get_an_answer_or_a_close(
    server: FsApiServer,
    drive: Path,
    capfd: pytest.CaptureFixture[str],
    method: bytes,
    path: bytes,
    version: bytes,
    headers: list[tuple[bytes, bytes]],
    auth: bool,
    body: bytes,
) -> None:
    head = b" ".join(p for p in (method, path, version) if p) + b"\r\n"
    head += b"".join(name + b": " + value.replace(b"\n", b" ") + b"\r\n" for name, value in headers)
    reply = exchange(server, head + (auth_header() if auth else b"") + b"\r\n" + body)
    if reply:
        assert 100 <= status(reply) <= 599
    outside = drive.parent / "outside"
    assert sorted(p.name for p in outside.iterdir()) == ["secret.txt"]
    assert (outside / "secret.txt").read_text() == "keep me"
    no_tracebacks(capfd)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(noise=st.binary(min_size=1, max_size=300))
def test_fuzzed_bytes_get_an_answer_or_a_close(
    server: FsApiServer, drive: Path, capfd: pytest.CaptureFixture[str], noise: bytes
) -> None:
    reply = exchange(server, noise + b"\r\n\r\n")
    if reply:
        assert 100 <= status(reply) <= 599
    assert (drive.parent / "outside" / "secret.txt").read_text() == "keep me"
    no_tracebacks(capfd)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(size=st.integers(1, 5000), cut=st.integers(0, 5000))
def test_upload_cut_anywhere_leaves_the_old_file(
    server: FsApiServer, drive: Path, size: int, cut: int
) -> None:
    """A client gone at any byte of its upload: the old file stays whole, nothing partial."""
    old = (drive / "code.py").read_bytes()
    request = (
        b"PUT /fs/code.py HTTP/1.1\r\nHost: x\r\n"
        + auth_header()
        + b"Content-Length: %d\r\n\r\n" % size
        + b"n" * size
    )
    request = request[: min(cut, len(request) - 1)]
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
    probe = requests.get(f"{server.url}/fs/code.py", auth=AUTH, timeout=TIMEOUT)  # same worker
    assert probe.content == old
    deadline = time.monotonic() + TIMEOUT
    while any(p.name.startswith(TEMP_PREFIX) for p in drive.iterdir()):
        assert time.monotonic() < deadline, "a temporary file was left behind"
        time.sleep(0.01)


def test_readers_see_whole_files_while_a_writer_replaces_them(
    server: FsApiServer, drive: Path
) -> None:
    (drive / "data.bin").write_bytes(b"A" * 50_000)
    seen: set[bytes] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            body = requests.get(f"{server.url}/fs/data.bin", auth=AUTH, timeout=TIMEOUT).content
            whole = len(body) == 50_000 and body == body[:1] * 50_000
            seen.add(body[:1] if whole else b"torn")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(30):
            data = (b"B" if i % 2 else b"A") * 50_000
            reply = requests.put(f"{server.url}/fs/data.bin", data=data, auth=AUTH, timeout=TIMEOUT)
            assert reply.status_code == 204
    finally:
        done.set()
        reader.join()
    assert seen <= {b"A", b"B"}


def test_expect_100_continue_is_not_sent_for_a_bad_length(server: FsApiServer) -> None:
    reply = exchange(server, put(b"\xd9\xa3", extra=b"Expect: 100-continue\r\n"))
    assert status(reply) == 400 and b"100 Continue" not in reply


def test_delete_removes_symlinks_in_the_tree_and_never_follows_them(
    server: FsApiServer, drive: Path
) -> None:
    outside = drive.parent / "outside"
    (drive / "deep" / "sub").mkdir(parents=True)
    (drive / "deep" / "sub" / "out").symlink_to(outside, target_is_directory=True)
    (drive / "deep" / "file").symlink_to(outside / "secret.txt")
    reply = requests.delete(f"{server.url}/fs/deep/", auth=AUTH, timeout=TIMEOUT)
    assert reply.status_code == 204
    assert not (drive / "deep").exists()
    assert (outside / "secret.txt").read_text() == "keep me"


def test_delete_of_a_tree_whose_paths_are_over_path_max(server: FsApiServer, drive: Path) -> None:
    top = drive / "deep"
    top.mkdir()
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    try:
        for _ in range(100):  # 100 levels of 200-byte names: paths of 20 KB, PATH_MAX is 4 KB
            os.mkdir("n" * 200, dir_fd=fd)
            inner = os.open("n" * 200, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = inner
    finally:
        os.close(fd)
    reply = requests.delete(f"{server.url}/fs/deep/", auth=AUTH, timeout=TIMEOUT)
    assert reply.status_code == 204
    assert not top.exists()
