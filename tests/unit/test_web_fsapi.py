"""The web workflow's /fs/ and /cp/ HTTP API, over real sockets on 127.0.0.1."""

from __future__ import annotations

import base64
import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

from protoboard.runtime.drive import TEMP_PREFIX
from protoboard.web.fsapi import FsApiServer, fat_truncate

PASSWORD = "secret"
AUTH = ("", PASSWORD)
TIMEOUT = 5


class State:
    def __init__(self) -> None:
        self.read_only = False
        self.changes: list[str] = []


@pytest.fixture
def drive(tmp_path: Path) -> Path:
    root = tmp_path / "CIRCUITPY"
    (root / "lib" / "adafruit_thing").mkdir(parents=True)
    (root / "code.py").write_text('print("hi")\n')
    (root / "lib" / "adafruit_thing" / "__init__.py").write_text("x = 1\n")
    (root / "lib" / "neopixel.py").write_bytes(b"N" * 100)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("keep me")
    return root


@pytest.fixture
def state() -> State:
    return State()


@pytest.fixture
def server(drive: Path, state: State) -> Iterator[FsApiServer]:
    api = FsApiServer(
        drive,
        password=PASSWORD,
        read_only=lambda: state.read_only,
        on_change=state.changes.append,
        board={"board_id": "test_board"},
        size_limit=10_000,
        timeout=3,
    )
    api.start()
    yield api
    api.stop()


def fs(server: FsApiServer, path: str) -> str:
    return f"{server.url}/fs{path}"


def snapshot(folder: Path) -> dict[str, bytes | None]:
    return {
        str(p.relative_to(folder)): (p.read_bytes() if p.is_file() else None)
        for p in sorted(folder.rglob("*"))
    }


def temp_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(TEMP_PREFIX)]


def raw(server: FsApiServer, request: bytes) -> bytes:
    """Send ``request`` on a fresh connection and return everything until the server closes."""
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        sock.sendall(request)
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


def auth_header() -> bytes:
    return b"Authorization: Basic " + base64.b64encode(f":{PASSWORD}".encode()) + b"\r\n"


# --- auth ---------------------------------------------------------------------------------


def test_auth_none_wrong_right(server: FsApiServer) -> None:
    missing = requests.get(fs(server, "/code.py"), timeout=TIMEOUT)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Basic realm="CircuitPython"'
    assert (
        requests.get(fs(server, "/code.py"), auth=("", "nope"), timeout=TIMEOUT).status_code == 401
    )
    assert (
        requests.get(fs(server, "/code.py"), auth=("admin", PASSWORD), timeout=TIMEOUT).status_code
        == 401
    )  # the user must be empty
    right = requests.get(fs(server, "/code.py"), auth=AUTH, timeout=TIMEOUT)
    assert right.status_code == 200
    assert right.headers["Connection"] == "close"


def test_no_password_is_forbidden(drive: Path) -> None:
    with FsApiServer(drive, password=None) as api:
        reply = requests.get(fs(api, "/code.py"), auth=AUTH, timeout=TIMEOUT)
        assert reply.status_code == 403
        assert "WWW-Authenticate" not in reply.headers
        # /cp/ needs no auth
        assert requests.get(f"{api.url}/cp/version.json", timeout=TIMEOUT).status_code == 200


# --- GET ------------------------------------------------------------------------------------


def test_directory_listing_json(server: FsApiServer, drive: Path) -> None:
    (drive / "lib" / f"{TEMP_PREFIX}junk.tmp").write_bytes(b"x")
    os.utime(drive / "lib" / "neopixel.py", ns=(1_700_000_001_500_000_000,) * 2)
    reply = requests.get(
        fs(server, "/lib/"), auth=AUTH, timeout=TIMEOUT, headers={"Accept": "application/json"}
    )
    assert reply.status_code == 200
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["Transfer-Encoding"] == "chunked"
    body = reply.json()
    assert set(body) == {"free", "total", "block_size", "writable", "files"}
    assert body["writable"] is True
    assert all(isinstance(body[k], int) and body[k] > 0 for k in ("free", "total", "block_size"))
    assert body["files"] == [
        {
            "name": "adafruit_thing",
            "directory": True,
            "file_size": 0,
            "modified_ns": fat_truncate((drive / "lib" / "adafruit_thing").stat().st_mtime_ns),
        },
        {
            "name": "neopixel.py",
            "directory": False,
            "file_size": 100,
            "modified_ns": 1_700_000_000_000_000_000,
        },
    ]


def test_directory_listing_without_json(server: FsApiServer) -> None:
    assert requests.get(fs(server, "/lib/"), auth=AUTH, timeout=TIMEOUT).status_code == 404
    root = requests.get(fs(server, "/"), auth=AUTH, timeout=TIMEOUT)
    assert root.status_code == 200 and "code.py" in root.text
    assert 'href="/edit/#/code.py"' in root.text  # text files link to the editor
    missing = requests.get(
        fs(server, "/nope/"), auth=AUTH, timeout=TIMEOUT, headers={"Accept": "application/json"}
    )
    assert missing.status_code == 404


def test_get_file(server: FsApiServer, drive: Path) -> None:
    (drive / "data.json").write_text("{}")
    (drive / "blob.bin").write_bytes(bytes(range(256)))
    cases = {
        "/code.py": "text/plain;charset=UTF-8",
        "/data.json": "application/json",
        "/blob.bin": "application/octet-stream",
    }
    for path, kind in cases.items():
        reply = requests.get(fs(server, path), auth=AUTH, timeout=TIMEOUT)
        assert reply.status_code == 200
        assert reply.headers["Content-Type"] == kind
        assert reply.content == (drive / path[1:]).read_bytes()
        assert reply.headers["Content-Length"] == str(len(reply.content))
    assert requests.get(fs(server, "/missing.py"), auth=AUTH, timeout=TIMEOUT).status_code == 404
    assert requests.get(fs(server, "/lib"), auth=AUTH, timeout=TIMEOUT).status_code == 404


# --- PUT ------------------------------------------------------------------------------------


def test_put_new_and_replace(server: FsApiServer, drive: Path, state: State) -> None:
    created = requests.put(
        fs(server, "/new.py"),
        data=b"one",
        auth=AUTH,
        timeout=TIMEOUT,
        headers={"X-Timestamp": "1700000001500"},
    )
    assert created.status_code == 201
    assert created.headers["Content-Length"] == "0"
    assert (drive / "new.py").read_bytes() == b"one"
    assert (drive / "new.py").stat().st_mtime_ns == 1_700_000_000_000_000_000  # FAT: 2 s
    replaced = requests.put(fs(server, "/new.py"), data=b"two", auth=AUTH, timeout=TIMEOUT)
    assert replaced.status_code == 204
    assert (drive / "new.py").read_bytes() == b"two"
    assert state.changes == ["/new.py", "/new.py"]
    assert temp_files(drive) == []
    assert (
        requests.put(fs(server, "/nodir/x.py"), data=b"x", auth=AUTH, timeout=TIMEOUT).status_code
        == 404
    )
    assert (
        requests.put(fs(server, "/code.py/x.py"), data=b"x", auth=AUTH, timeout=TIMEOUT).status_code
        == 404
    )
    assert (
        requests.put(fs(server, "/lib"), data=b"x", auth=AUTH, timeout=TIMEOUT).status_code == 500
    )  # a folder is there


def test_put_directory_with_parents(server: FsApiServer, drive: Path, state: State) -> None:
    reply = requests.put(
        fs(server, "/a/b/c/"), auth=AUTH, timeout=TIMEOUT, headers={"X-Timestamp": "1600000000000"}
    )
    assert reply.status_code == 201
    assert (drive / "a" / "b" / "c").is_dir()
    assert (drive / "a").stat().st_mtime_ns == 1_600_000_000_000_000_000
    assert requests.put(fs(server, "/a/b/"), auth=AUTH, timeout=TIMEOUT).status_code == 204
    assert requests.put(fs(server, "/code.py/sub/"), auth=AUTH, timeout=TIMEOUT).status_code == 404
    assert state.changes == ["/a/b/c"]


def test_size_limit_413_and_417(server: FsApiServer, drive: Path) -> None:
    big = b"x" * 10_001
    assert (
        requests.put(fs(server, "/big.bin"), data=big, auth=AUTH, timeout=TIMEOUT).status_code
        == 413
    )
    reply = raw(
        server,
        b"PUT /fs/big.bin HTTP/1.1\r\nHost: x\r\n"
        + auth_header()
        + b"Content-Length: 10001\r\nExpect: 100-continue\r\n\r\n",
    )
    assert reply.startswith(b"HTTP/1.1 417 ")
    assert b"100 Continue" not in reply
    assert not (drive / "big.bin").exists()


def test_expect_100_continue(server: FsApiServer, drive: Path) -> None:
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        sock.sendall(
            b"PUT /fs/cont.txt HTTP/1.1\r\nHost: x\r\n"
            + auth_header()
            + b"Content-Length: 5\r\nExpect: 100-continue\r\n\r\n"
        )
        interim = sock.recv(4096)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n")
        assert not (drive / "cont.txt").exists()
        sock.sendall(b"hello")
        final = b""
        while data := sock.recv(4096):
            final += data
    assert final.startswith(b"HTTP/1.1 201 ")
    assert (drive / "cont.txt").read_bytes() == b"hello"


def test_put_needs_content_length(server: FsApiServer, drive: Path) -> None:
    reply = raw(server, b"PUT /fs/code.py HTTP/1.1\r\nHost: x\r\n" + auth_header() + b"\r\n")
    assert reply.startswith(b"HTTP/1.1 411 ")
    assert (drive / "code.py").read_text() == 'print("hi")\n'


def test_interrupted_upload_keeps_old_file(server: FsApiServer, drive: Path, state: State) -> None:
    old = (drive / "code.py").read_bytes()
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        sock.sendall(
            b"PUT /fs/code.py HTTP/1.1\r\nHost: x\r\n"
            + auth_header()
            + b"Content-Length: 1000\r\n\r\n"
            + b"partial"
        )
        deadline = time.monotonic() + TIMEOUT
        while not temp_files(drive) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert temp_files(drive), "the server should be writing a temporary file"
    deadline = time.monotonic() + TIMEOUT
    while temp_files(drive) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert temp_files(drive) == []
    assert (drive / "code.py").read_bytes() == old
    assert state.changes == []


# --- DELETE, MOVE ---------------------------------------------------------------------------


def test_delete(server: FsApiServer, drive: Path, state: State) -> None:
    assert requests.delete(fs(server, "/code.py"), auth=AUTH, timeout=TIMEOUT).status_code == 204
    assert not (drive / "code.py").exists()
    assert requests.delete(fs(server, "/lib/"), auth=AUTH, timeout=TIMEOUT).status_code == 204
    assert not (drive / "lib").exists()  # recursive
    assert requests.delete(fs(server, "/gone"), auth=AUTH, timeout=TIMEOUT).status_code == 404
    assert requests.delete(fs(server, "/"), auth=AUTH, timeout=TIMEOUT).status_code == 400
    assert state.changes == ["/code.py", "/lib"]


def test_move(server: FsApiServer, drive: Path, state: State) -> None:
    def move(src: str, dest: str | None) -> int:
        headers = {} if dest is None else {"X-Destination": dest}
        return requests.request(
            "MOVE", fs(server, src), auth=AUTH, headers=headers, timeout=TIMEOUT
        ).status_code

    assert move("/code.py", "/fs/lib/main%20file.py") == 201
    assert (drive / "lib" / "main file.py").read_text() == 'print("hi")\n'
    assert not (drive / "code.py").exists()
    assert move("/lib/neopixel.py", "/fs/lib/main%20file.py") == 412
    assert move("/missing.py", "/fs/x.py") == 404
    assert move("/lib/neopixel.py", "/fs/nodir/x.py") == 404
    assert move("/lib/neopixel.py", None) == 400
    assert move("/lib/neopixel.py", "/elsewhere/x.py") == 400
    assert move("/lib/", "/fs/lib/adafruit_thing/lib/") == 500  # into itself
    assert state.changes == ["/code.py", "/lib/main file.py"]


def test_read_only_gives_409(server: FsApiServer, drive: Path, state: State) -> None:
    state.read_only = True
    before = snapshot(drive)
    replies = [
        requests.put(fs(server, "/code.py"), data=b"x", auth=AUTH, timeout=TIMEOUT),
        requests.put(fs(server, "/newdir/"), auth=AUTH, timeout=TIMEOUT),
        requests.delete(fs(server, "/code.py"), auth=AUTH, timeout=TIMEOUT),
        requests.request(
            "MOVE",
            fs(server, "/code.py"),
            auth=AUTH,
            timeout=TIMEOUT,
            headers={"X-Destination": "/fs/x.py"},
        ),
    ]
    for reply in replies:
        assert reply.status_code == 409
        assert reply.text == "USB storage active."
    assert snapshot(drive) == before and state.changes == []
    assert requests.get(fs(server, "/code.py"), auth=AUTH, timeout=TIMEOUT).status_code == 200
    listing = requests.get(
        fs(server, "/"), auth=AUTH, timeout=TIMEOUT, headers={"Accept": "application/json"}
    ).json()
    assert listing["writable"] is False


# --- CORS, OPTIONS ----------------------------------------------------------------------------


def test_cors(server: FsApiServer) -> None:
    def get(origin: str | None) -> requests.Response:
        headers = {} if origin is None else {"Origin": origin}
        return requests.get(fs(server, "/code.py"), auth=AUTH, headers=headers, timeout=TIMEOUT)

    plain = get(None)
    assert plain.status_code == 200
    assert "Access-Control-Allow-Origin" not in plain.headers
    assert plain.headers["Access-Control-Allow-Credentials"] == "true"
    assert plain.headers["Vary"] == "Origin, Accept, Upgrade"
    https = get("https://code.circuitpython.org")
    assert https.status_code == 200 and https.headers["Access-Control-Allow-Origin"] == "*"
    own = f"http://{server.host}:{server.port}"  # requests sends Host: host:port
    assert get(own).headers["Access-Control-Allow-Origin"] == own
    assert (
        get("http://localhost:8080").headers["Access-Control-Allow-Origin"]
        == "http://localhost:8080"
    )
    assert get("http://evil.example").status_code == 403
    assert get("http://localhost.evil.example").status_code == 403


def test_options(server: FsApiServer) -> None:
    for path in ("/fs/code.py", "/fs/", "/cp/version.json"):
        reply = requests.options(server.url + path, timeout=TIMEOUT)  # no auth needed
        assert reply.status_code == 204
        assert reply.headers["Access-Control-Allow-Methods"] == "GET, OPTIONS, PUT, DELETE, MOVE"
        assert (
            reply.headers["Access-Control-Allow-Headers"]
            == "X-Timestamp, X-Destination, Content-Type, Authorization"
        )


# --- paths ------------------------------------------------------------------------------------


def test_hostile_paths_touch_nothing_outside(server: FsApiServer, drive: Path) -> None:
    outside = drive.parent / "outside"
    (drive / "escape").symlink_to(outside, target_is_directory=True)
    before = snapshot(outside)
    hostile = [
        "/%2e%2e/outside/secret.txt",
        "/lib/%2E%2E/%2e%2e/outside/secret.txt",
        "/escape/secret.txt",
        "/escape",
        "/code.py%00.txt",
        "/..%5coutside%5csecret.txt",
        "/%ff.py",
    ]
    for path in hostile:
        for method in ("GET", "PUT", "DELETE"):
            reply = requests.request(
                method, fs(server, path), data=b"pwned", auth=AUTH, timeout=TIMEOUT
            )
            assert reply.status_code in (400, 404), (method, path, reply.status_code)
        moved = requests.request(
            "MOVE",
            fs(server, "/code.py"),
            auth=AUTH,
            timeout=TIMEOUT,
            headers={"X-Destination": "/fs" + path},
        )
        assert moved.status_code in (400, 404), (path, moved.status_code)
    dotdot = raw(
        server, b"GET /fs/../outside/secret.txt HTTP/1.1\r\nHost: x\r\n" + auth_header() + b"\r\n"
    )
    assert dotdot.startswith(b"HTTP/1.1 400 ")
    assert (
        requests.get(fs(server, f"/{TEMP_PREFIX}x"), auth=AUTH, timeout=TIMEOUT).status_code == 404
    )
    assert snapshot(outside) == before
    assert (drive / "code.py").exists()
    listing = requests.get(
        fs(server, "/"), auth=AUTH, timeout=TIMEOUT, headers={"Accept": "application/json"}
    ).json()
    assert "escape" not in [f["name"] for f in listing["files"]]


def test_percent_encoded_unicode_names(server: FsApiServer, drive: Path) -> None:
    name = "my file ü 🐍.py"
    url = fs(server, "/" + quote(name))
    assert requests.put(url, data=b"ok", auth=AUTH, timeout=TIMEOUT).status_code == 201
    assert (drive / name).read_text() == "ok"
    assert requests.get(url, auth=AUTH, timeout=TIMEOUT).text == "ok"
    listing = requests.get(
        fs(server, "/"), auth=AUTH, timeout=TIMEOUT, headers={"Accept": "application/json"}
    ).json()
    assert name in [f["name"] for f in listing["files"]]


# --- /cp/, protocol ---------------------------------------------------------------------------


def test_cp_endpoints(server: FsApiServer) -> None:
    version = requests.get(f"{server.url}/cp/version.json", timeout=TIMEOUT)
    assert version.status_code == 200
    info = version.json()
    assert info["web_api_version"] == 4 and info["board_id"] == "test_board"
    assert info["port"] == server.port and info["ip"] == "127.0.0.1"
    assert {
        "version",
        "build_date",
        "board_name",
        "mcu_name",
        "creator_id",
        "creation_id",
        "hostname",
        "UID",
    } <= set(info)
    devices = requests.get(f"{server.url}/cp/devices.json", timeout=TIMEOUT).json()
    assert devices == {"total": 0, "devices": []}
    disks = requests.get(f"{server.url}/cp/diskinfo.json", timeout=TIMEOUT).json()
    assert len(disks) == 1 and disks[0]["root"] == "/" and disks[0]["writable"] is True
    assert {"free", "total", "block_size"} <= set(disks[0])
    assert requests.put(f"{server.url}/cp/version.json", timeout=TIMEOUT).status_code == 405
    assert requests.get(f"{server.url}/cp/nope.json", timeout=TIMEOUT).status_code == 404


def test_protocol_rules(server: FsApiServer) -> None:
    assert raw(server, b"GET /cp/version.json HTTP/1.0\r\n\r\n").startswith(b"HTTP/1.1 501 ")
    redirect = requests.get(
        f"{server.url}/fs/code.py",
        allow_redirects=False,
        timeout=TIMEOUT,
        headers={"Host": "circuitpython.local:8080"},
    )
    assert redirect.status_code == 307
    assert redirect.headers["Location"] == "http://cpy-protoboard.local:8080/fs/code.py"
    # one request per connection: the server closes after the response
    reply = raw(
        server,
        b"GET /cp/devices.json HTTP/1.1\r\nHost: x\r\n\r\n"
        b"GET /cp/devices.json HTTP/1.1\r\nHost: x\r\n\r\n",
    )
    assert reply.count(b"HTTP/1.1 200") == 1
