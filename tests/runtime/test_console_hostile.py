"""Hostile input on the TCP console (issue 10, case 1): a web page or any local program talking
to ``--console tcp:PORT`` must not reach the REPL; passwords; client caps; fuzzing.

Real ``protoboard run`` processes, real sockets; no mocks.
"""

from __future__ import annotations

import re
import socket
import time
from pathlib import Path

import pytest
import serial

DEADLINE = 15.0


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
