"""protoboard run --web: CircuitPython's web workflow served by a real run, used by a real
WebSocket client (the ``websockets`` package) and plain HTTP."""

from __future__ import annotations

import base64
import re
import time

import pytest
import requests

websockets_sync = pytest.importorskip("websockets.sync.client")

TIMEOUT = 10
LOOP = "import time\nprint('hello web')\nwhile True:\n    time.sleep(0.05)\n"


def address(board) -> tuple[str, str]:
    """(base url, token) from the line the run prints."""
    line = board.wait_for(r"web workflow: http://\S+\?token=\S+", stream="err")
    found = re.findall(r"web workflow: (http://[^/\s]+)/\?token=(\S+)", line)[-1]
    return found[0], found[1]


class Serial:
    """A /cp/serial/ client collecting all text received."""

    def __init__(self, base: str, secret: str) -> None:
        auth = "Basic " + base64.b64encode(f":{secret}".encode()).decode()
        self.ws = websockets_sync.connect(
            base.replace("http://", "ws://") + "/cp/serial/",
            additional_headers={"Authorization": auth},
            open_timeout=TIMEOUT,
        ).__enter__()  # closed by close()
        self.text = ""

    def wait_for(self, pattern: str, timeout: float = TIMEOUT) -> re.Match[str]:
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.text)
            if found:
                return found
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{pattern!r} never came; got {self.text[-2000:]!r}")
            try:
                self.text += self.ws.recv(timeout=left)
            except TimeoutError:
                pass

    def close(self) -> None:
        self.ws.close()


def test_console_title_ctrl_c_and_a_save_over_the_web(start_board) -> None:
    board = start_board({"code.py": LOOP}, args=("--web", "0"))
    base, token = address(board)
    serial = Serial(base, token)
    try:
        serial.wait_for(r"\x1b\]0;🐍127\.0\.0\.1:\d+ \| code\.py \| [\d.]+\x1b\\")
        serial.wait_for("hello web")
        serial.ws.send("\x03")  # the program loops: Ctrl-C stops it at once
        serial.wait_for("KeyboardInterrupt")
        serial.wait_for(r"\x1b\]0;🐍\S+ \| 4@code\.py KeyboardInterrupt \| ")
        serial.wait_for("Press any key to enter the REPL")
        serial.ws.send("\r")
        serial.wait_for(">>> ")
        serial.ws.send("print(6 * 7)\r")
        serial.wait_for("42")
        serial.ws.send("\x04")  # Ctrl-D reloads: the run starts over, seen on both consoles
        serial.wait_for(r"soft reboot")
        serial.wait_for("hello web")
        # a save over the web reloads the running program, as a save over USB does
        saved = requests.put(
            f"{base}/fs/code.py",
            data=b"print('saved over the web')\n",
            auth=("", token),
            timeout=TIMEOUT,
        )
        assert saved.status_code == 204
        serial.wait_for("saved over the web")
        serial.wait_for(r"\| Done \| ")
        board.wait_for("saved over the web")  # the terminal shows the same console
    finally:
        serial.close()


def test_one_serial_client_at_a_time(start_board) -> None:
    board = start_board({"code.py": LOOP}, args=("--web", "0"))
    base, token = address(board)
    first = Serial(base, token)
    first.wait_for("hello web")
    second = Serial(base, token)
    try:
        second.wait_for(r"\x1b\]0;")
        with pytest.raises(Exception, match="1001|going away|closed"):
            for _ in range(50):
                first.text += first.ws.recv(timeout=TIMEOUT)
        second.ws.send("\x03")
        second.wait_for("KeyboardInterrupt")
    finally:
        first.close()
        second.close()


def test_password_in_settings_starts_it_and_cp_endpoints(start_board) -> None:
    settings = 'CIRCUITPY_WEB_API_PASSWORD = "passw0rd"\nCIRCUITPY_WEB_INSTANCE_NAME = "Desk"\n'
    board = start_board({"code.py": "print('x')\n", "settings.toml": settings})
    base, _token = address(board)
    version = requests.get(f"{base}/cp/version.json", timeout=TIMEOUT).json()
    assert version["web_api_version"] == 4
    assert version["board_id"] == "protoboard_sim"
    assert version["board_name"] == "Desk"
    assert version["ip"] == "127.0.0.1"
    assert base.endswith(f":{version['port']}")
    assert version["hostname"].startswith("cpy-")
    devices = requests.get(f"{base}/cp/devices.json", timeout=TIMEOUT).json()
    assert devices["total"] == len(devices["devices"])
    [disk] = requests.get(f"{base}/cp/diskinfo.json", timeout=TIMEOUT).json()
    assert disk["total"] * disk["block_size"] <= 2 << 20  # the drive's own 2 MiB, not the host's
    index = requests.get(f"{base}/", timeout=TIMEOUT)
    assert index.status_code == 200 and 'href="/edit/#/code.py"' in index.text
    assert requests.get(f"{base}/edit/", timeout=TIMEOUT).status_code == 401
    page = requests.get(f"{base}/edit/", auth=("", "passw0rd"), timeout=TIMEOUT)
    assert page.status_code == 200 and "Offline Code Edit" in page.text
    assert (
        "http"
        not in requests.get(f"{base}/edit/edit.js", auth=("", "passw0rd")).text.split("//")[0]
    )  # no CDN: the page's script is ours
    listing = requests.get(
        f"{base}/fs/", auth=("", "passw0rd"), headers={"Accept": "application/json"}
    )
    assert "code.py" in {f["name"] for f in listing.json()["files"]}


def test_writes_get_409_while_the_program_owns_the_drive(start_board) -> None:
    files = {
        "boot.py": "import storage\nstorage.remount('/', readonly=False)\n",
        "code.py": "print('owner')\n",
    }
    board = start_board(files, args=("--web", "0"))
    base, token = address(board)
    board.wait_for("owner")
    answer = requests.put(f"{base}/fs/new.py", data=b"x", auth=("", token), timeout=TIMEOUT)
    assert answer.status_code == 409
    assert answer.text == "USB storage active."
    assert not (board.drive / "new.py").exists()
    assert requests.get(f"{base}/fs/code.py", auth=("", token), timeout=TIMEOUT).ok


@pytest.mark.hostile
def test_rebinding_and_cross_site_sockets_are_refused(start_board) -> None:
    board = start_board({"code.py": LOOP}, args=("--web", "0"))
    base, token = address(board)
    answer = requests.get(
        f"{base}/fs/code.py", auth=("", token), headers={"Host": "attacker.example"}
    )
    assert answer.status_code == 403
    auth = "Basic " + base64.b64encode(f":{token}".encode()).decode()
    with pytest.raises(Exception, match="403"):
        websockets_sync.connect(
            base.replace("http://", "ws://") + "/cp/serial/",
            additional_headers={"Authorization": auth},
            origin="http://attacker.example",  # type: ignore[arg-type]
            open_timeout=TIMEOUT,
        )
    with pytest.raises(Exception, match="401"):
        websockets_sync.connect(base.replace("http://", "ws://") + "/cp/serial/")


def test_wider_address_gets_a_loud_note(start_board) -> None:
    board = start_board({"code.py": "print('x')\n"}, args=("--web", "0", "--web-host", "0.0.0.0"))
    board.wait_for(r"NOTE: the web workflow listens on 0\.0\.0\.0", stream="err")


@pytest.mark.hostile
def test_a_serial_client_that_never_reads_does_not_hold_the_board(start_board) -> None:
    import socket

    flood = "n = 0\nwhile True:\n    n += 1\n    print('line', n, 'x' * 200)\n"
    board = start_board({"code.py": flood}, args=("--web", "0"))
    base, token = address(board)
    host, port = base.removeprefix("http://").split(":")
    stuck = socket.create_connection((host, int(port)), timeout=TIMEOUT)
    stuck.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    auth = base64.b64encode(f":{token}".encode()).decode()
    stuck.sendall(
        f"GET /cp/serial/ HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Key: MDEyMzQ1Njc4OWFiY2RlZg==\r\n"
        f"Sec-WebSocket-Version: 13\r\nAuthorization: Basic {auth}\r\n\r\n".encode()
    )
    try:
        # it never reads: the board goes on printing to the terminal all the same
        first = int(board.wait_for(r"line (\d+) x")[-300:].rsplit("line ", 1)[1].split()[0])
        board.wait_for(rf"line {first + 20000} x", timeout=60)
        # and a new client gets the console (the stuck one is replaced)
        serial = Serial(base, token)
        try:
            serial.wait_for(r"line \d+ x")
            serial.ws.send("\x03")
            serial.wait_for("KeyboardInterrupt")
        finally:
            serial.close()
    finally:
        stuck.close()
