"""`protoboard console` on a real pty: a fake board process answers as a REPL on one pty, and
the command runs in its own pty as a user's terminal."""

from __future__ import annotations

import os
import select
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

PROTOBOARD = Path(sys.executable).with_name("protoboard")

FAKE_BOARD = textwrap.dedent(
    r"""
    import os, sys
    master, slave = os.openpty()
    print(os.ttyname(slave), flush=True)
    line = b""
    while True:
        data = os.read(master, 1024)
        if not data:
            break
        for byte in data:
            char = bytes([byte])
            if char in b"\r\n":
                if line == b"1+1":
                    os.write(master, b"\r\n2\r\n>>> ")
                elif line:
                    os.write(master, b"\r\n>>> ")
                line = b""
            else:
                line += char
                os.write(master, char)  # a REPL echoes what is typed
    """
)


def _read_until(fd: int, wanted: bytes, limit: int = 1 << 16) -> bytes:
    seen = b""
    while wanted not in seen:
        ready, _, _ = select.select([fd], [], [], 60)
        assert ready, f"no {wanted!r} from the console; got {seen!r}"
        try:
            seen += os.read(fd, 4096)
        except OSError:  # the terminal's other end closed
            break
        assert len(seen) < limit
    return seen


@pytest.fixture
def board_port() -> object:
    board = subprocess.Popen([sys.executable, "-c", FAKE_BOARD], stdout=subprocess.PIPE, text=True)
    assert board.stdout is not None
    yield board.stdout.readline().strip()
    board.kill()
    board.wait()


def test_console_talks_to_the_board_and_ctrl_bracket_quits(board_port: str) -> None:
    terminal, user_side = os.openpty()
    console = subprocess.Popen(
        [str(PROTOBOARD), "console", board_port],
        stdin=user_side,
        stdout=user_side,
        stderr=user_side,
        start_new_session=True,
    )
    os.close(user_side)
    try:
        assert b"Ctrl-] quits" in _read_until(terminal, b"Ctrl-] quits")
        os.write(terminal, b"1+1\r")
        shown = _read_until(terminal, b">>> ")
        # the board's echo and its answer reached the screen (the pty adds \r before \n)
        assert shown.replace(b"\r", b"") == b"1+1\n2\n>>> "
        os.write(terminal, b"\x1d")
        assert console.wait(timeout=60) == 0
        assert b"Disconnected." in _read_until(terminal, b"Disconnected.")
    finally:
        if console.poll() is None:
            console.kill()
            console.wait()
        os.close(terminal)


@pytest.mark.hostile
def test_console_on_a_port_that_does_not_exist(tmp_path: Path) -> None:
    missing = "/dev/ttyACM-protoboard-missing"
    result = subprocess.run(
        [str(PROTOBOARD), "console", missing],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert f"cannot open {missing}" in result.stderr


@pytest.mark.hostile
def test_console_without_a_terminal_says_so(board_port: str) -> None:
    result = subprocess.run(
        [str(PROTOBOARD), "console", board_port],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 2
    assert "the console needs a terminal to type in" in result.stderr
