"""The run's web server: mounts, the Host check, token/cookie/password auth, the CSRF rule,
size limits, and paths fuzzed through every endpoint, over real sockets on 127.0.0.1."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protoboard.web.server import Refused, Request, Response, WebContext, WebServer
from protoboard.web.workflow import WebWorkflow, describe_end

TIMEOUT = 5
TOKEN = "tok-123"
PASSWORD = "pw"


class Recorder:
    def __init__(self) -> None:
        self.requests: list[Request] = []

    def __call__(self, request: Request) -> Response:
        self.requests.append(request)
        if request.method == "POST":
            body = request.read_body(100)
            return Response(body=b"got " + body)
        if request.path.endswith("/fail"):
            raise Refused(418, "I am a teapot, said in plain words.")
        return Response(body=f"{request.path} {sorted(request.query)}".encode())


@pytest.fixture
def drive(tmp_path: Path) -> Path:
    root = tmp_path / "CIRCUITPY"
    root.mkdir()
    (root / "code.py").write_text("print(1)\n")
    (tmp_path / "secret.txt").write_text("outside")
    return root


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def server(drive: Path, recorder: Recorder) -> Iterator[WebServer]:
    api = WebServer(
        drive,
        password=PASSWORD,
        token=TOKEN,
        context=WebContext(drive=drive),
        board={"hostname": "cpy-test"},
        timeout=3,
    )
    api.mount("/", recorder, auth=False)
    api.mount("/board/", recorder)
    api.start()
    yield api
    api.stop()


def get(server: WebServer, path: str, **kwargs: object) -> requests.Response:
    return requests.get(f"{server.url}{path}", timeout=TIMEOUT, **kwargs)  # type: ignore[arg-type]


def test_mounts_take_the_longest_prefix_and_leave_fs_and_cp(server: WebServer) -> None:
    assert get(server, "/anything?x=1").text == "/anything ['x']"
    assert get(server, "/board/").status_code == 401  # auth=True
    assert get(server, "/board/x", auth=("", PASSWORD)).text == "/board/x []"
    assert get(server, "/cp/version.json").json()["web_api_version"] == 4
    assert get(server, "/fs/").status_code == 401  # the built-in, not "/"
    assert get(server, "/board/fail", auth=("", PASSWORD)).status_code == 418


def test_mount_prefixes_are_checked(server: WebServer, recorder: Recorder) -> None:
    for bad in ("board", "/board", "/fs/", "/cp/"):
        with pytest.raises(ValueError):
            server.mount(bad, recorder)


def test_token_in_the_url_sets_a_cookie_that_authorizes_later_requests(server: WebServer) -> None:
    session = requests.Session()
    first = session.get(f"{server.url}/board/?token={TOKEN}", timeout=TIMEOUT)
    assert first.status_code == 200
    cookie = first.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    assert session.get(f"{server.url}/board/again", timeout=TIMEOUT).status_code == 200
    assert session.get(f"{server.url}/fs/code.py", timeout=TIMEOUT).text == "print(1)\n"
    assert get(server, "/board/", params={"token": "wrong"}).status_code == 401
    # the token also works as the Basic-auth password (circup --password TOKEN)
    assert get(server, "/fs/code.py", auth=("", TOKEN)).status_code == 200
    assert get(server, "/fs/code.py", auth=("", PASSWORD)).status_code == 200
    assert get(server, "/fs/code.py", auth=("", "nope")).status_code == 401


def test_token_url_is_printable(server: WebServer) -> None:
    assert server.token_url == f"http://127.0.0.1:{server.port}/?token={TOKEN}"


@pytest.mark.hostile
@pytest.mark.parametrize(
    "host", ["evil.example", "127.0.0.1.evil.example", "localhost.evil.example:80", "", "x y"]
)
def test_dns_rebinding_hosts_are_refused(server: WebServer, host: str) -> None:
    answer = get(server, "/fs/code.py", auth=("", PASSWORD), headers={"Host": host})
    assert answer.status_code == 403
    assert "not a name of this board" in answer.text
    assert "print(1)" not in answer.text


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "127.0.0.1:8080", "[::1]:80", "localhost:1", "cpy-test.local", "10.0.0.5"]
)
def test_names_of_this_board_are_accepted(server: WebServer, host: str) -> None:
    answer = get(server, "/fs/code.py", auth=("", PASSWORD), headers={"Host": host})
    assert answer.status_code == 200


def test_circuitpython_local_redirects_as_a_board_does(server: WebServer) -> None:
    answer = get(server, "/fs/", headers={"Host": "circuitpython.local"}, allow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["Location"] == "http://cpy-test.local/fs/"


@pytest.mark.hostile
def test_csrf_cookie_writes_need_this_origin(server: WebServer, drive: Path) -> None:
    session = requests.Session()
    session.get(f"{server.url}/?token={TOKEN}", timeout=TIMEOUT)
    url = f"{server.url}/fs/code.py"
    here = f"http://127.0.0.1:{server.port}"
    # a page of another site (a form, or fetch without CORS rights) cannot write with the cookie
    for origin in ("http://evil.example", "https://evil.example", "null"):
        answer = session.put(url, data=b"evil", headers={"Origin": origin}, timeout=TIMEOUT)
        assert answer.status_code == 403, origin
    answer = session.put(
        url, data=b"evil", headers={"Sec-Fetch-Site": "cross-site"}, timeout=TIMEOUT
    )
    assert answer.status_code == 403
    assert (drive / "code.py").read_text() == "print(1)\n"
    answer = session.put(url, data=b"print(2)\n", headers={"Origin": here}, timeout=TIMEOUT)
    assert answer.status_code == 204
    assert (drive / "code.py").read_text() == "print(2)\n"
    # Basic auth is not sent by a browser cross-site without a CORS preflight: no CSRF rule
    answer = requests.put(url, data=b"print(3)\n", auth=("", PASSWORD), timeout=TIMEOUT)
    assert answer.status_code == 204


@pytest.mark.hostile
def test_body_limits_of_mounted_handlers(server: WebServer) -> None:
    auth = ("", PASSWORD)
    ok = requests.post(f"{server.url}/board/x", data=b"a" * 100, auth=auth, timeout=TIMEOUT)
    assert ok.text == "got " + "a" * 100
    big = requests.post(f"{server.url}/board/x", data=b"a" * 101, auth=auth, timeout=TIMEOUT)
    assert big.status_code == 413 and "100 bytes" in big.text


@pytest.mark.hostile
def test_a_handler_that_answers_nothing_gets_a_500_not_a_hang(drive: Path) -> None:
    api = WebServer(drive, password=None, token=TOKEN, timeout=3)
    api.mount("/none/", lambda request: None, auth=False)
    with api:
        assert get(api, "/none/").status_code == 500


def test_devices_json_lists_what_mdns_found(drive: Path) -> None:
    device = {"hostname": "cpy-x", "instance_name": "X", "port": 80, "ip": "10.0.0.2"}
    with WebServer(drive, password=None, devices=lambda: [device]) as api:
        assert get(api, "/cp/devices.json").json() == {"total": 1, "devices": [device]}


def test_diskinfo_uses_the_drives_own_size(drive: Path) -> None:
    fake = os.statvfs_result((512, 512, 100, 40, 40, 0, 0, 0, 0, 255))
    with WebServer(drive, password=None, space=lambda: fake) as api:
        [info] = get(api, "/cp/diskinfo.json").json()
        assert (info["free"], info["total"], info["block_size"]) == (40, 100, 512)


@pytest.mark.parametrize(
    ("traceback", "state"),
    [
        (None, "Done"),
        (
            'Traceback (most recent call last):\n  File "code.py", line 3, in <module>\n'
            "NameError: name 'x' is not defined\n",
            "3@code.py NameError",
        ),
        (
            'Traceback (most recent call last):\n  File "code.py", line 9, in <module>\n'
            '  File "/lib/thing.py", line 12, in f\nValueError: bad\n',
            "12@thing.py ValueError",
        ),
        ("Traceback (most recent call last):\nKeyboardInterrupt\n", "Done"),
    ],
)
def test_run_state_after_a_program(traceback: str | None, state: str) -> None:
    assert describe_end(traceback) == state


# --- paths fuzzed through every endpoint ------------------------------------------------------

SEGMENT = st.one_of(
    st.sampled_from(["..", ".", "", "%2e%2e", "%2E%2e%2f", "%00", "%ff", "~", "\\..\\", "%5c"]),
    st.text(min_size=1, max_size=12),
)


def raw_request(server: WebServer, line: bytes, extra: bytes = b"") -> bytes:
    with socket.create_connection((server.host, server.port), timeout=TIMEOUT) as sock:
        sock.sendall(line + b"\r\nHost: 127.0.0.1\r\n" + extra + b"\r\n")
        chunks = []
        while data := sock.recv(65536):
            chunks.append(data)
    return b"".join(chunks)


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[WebServer, Path]]:
    base = tmp_path_factory.mktemp("fuzz")
    drive = base / "CIRCUITPY"
    drive.mkdir()
    (drive / "code.py").write_text("print(1)\n")
    (base / "secret.txt").write_text("outside")
    workflow = WebWorkflow(WebContext(drive=drive), password=PASSWORD, token=TOKEN, timeout=3)
    workflow.server.mount("/", Recorder(), auth=False)
    workflow.start()
    yield workflow.server, base
    workflow.stop()


@pytest.mark.hostile
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    prefix=st.sampled_from(["/fs/", "/edit/", "/cp/", "/cp/serial/", "/", "/board/", "/code/"]),
    segments=st.lists(SEGMENT, max_size=5),
    method=st.sampled_from([b"GET", b"PUT", b"DELETE", b"MOVE", b"OPTIONS", b"POST"]),
)
def test_fuzzed_paths_never_fail_or_reach_outside(
    fuzz_server: tuple[WebServer, Path], prefix: str, segments: list[str], method: bytes
) -> None:
    server, base = fuzz_server
    path = prefix + "/".join(
        s if "%" in s or s in ("..", ".", "") else quote(s, safe="") for s in segments
    )
    auth = b"Authorization: Basic OnB3\r\nContent-Length: 3\r\nX-Destination: /fs/../x\r\n"
    answer = raw_request(server, method + b" " + path.encode() + b" HTTP/1.1", auth + b"\r\nabc")
    status = int(answer.split(b" ", 2)[1])
    assert status < 500 or (status == 500 and method in (b"PUT", b"MOVE")), answer[:300]
    assert b"outside" not in answer
    assert (base / "secret.txt").read_text() == "outside"
    assert sorted(p.name for p in base.iterdir()) == ["CIRCUITPY", "secret.txt"]
