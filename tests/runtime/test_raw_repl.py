"""The raw REPL tools drive a board with, through a real ``protoboard run`` and a real pty: the
protocol byte for byte (pyserial), and MicroPython's own ``mpremote`` as the tool."""

from __future__ import annotations

import re
import time

import serial

CODE = "print('hello from code')\n"


def pty_of(board) -> str:
    found = board.wait_for(r"serial console: /dev/pts/\d+", stream="err")
    return re.search(r"serial console: (/dev/pts/\d+)", found).group(1)


def read_until(port: serial.Serial, end: bytes, timeout: float = 15) -> bytes:
    seen = b""
    deadline = time.monotonic() + timeout
    while not seen.endswith(end) and time.monotonic() < deadline:
        seen += port.read(1)
    assert seen.endswith(end), seen
    return seen


def test_raw_repl_protocol_byte_for_byte(start_board):
    board = start_board({"code.py": CODE}, args=("--console", "pty"))
    path = pty_of(board)
    board.wait_for("Press any key")
    with serial.Serial(path, timeout=0.2) as port:
        port.write(b"\r")
        read_until(port, b">>> ")
        port.write(b"\x01")  # Ctrl-A on an empty line
        read_until(port, b"raw REPL; CTRL-B to exit\r\n>")
        port.write(b"print(6 * 7)\x04")
        assert read_until(port, b"\x04\x04>") == b"OK42\r\n\x04\x04>"
        port.write(b"1/0\x04")
        answer = read_until(port, b"\x04>")
        assert answer.startswith(b"OK\x04Traceback (most recent call last):\r\n")
        assert b"ZeroDivisionError: division by zero\r\n\x04>" in answer
        port.write(b"print('lost')\x03print('kept')\x04")  # Ctrl-C empties the command
        assert read_until(port, b"\x04\x04>") == b"OKkept\r\n\x04\x04>"
        # raw paste, as mpremote uses it: R\x01, a 256-byte window, \x01 per window taken
        port.write(b"\x05A\x01")
        assert read_until(port, b"R\x01\x00\x01\x01") == b"R\x01\x00\x01\x01"
        source = b"x = " + b"1 + " * 100 + b"1\nprint(x)\n"  # more than one window
        port.write(source[:256])
        read_until(port, b"\x01")  # the board took the first window
        port.write(source[256:] + b"\x04")
        assert read_until(port, b"\x04>").endswith(b"\x04101\r\n\x04\x04>")
        port.write(b"\x02")  # Ctrl-B: the friendly REPL and its banner
        read_until(port, b">>> ")
        port.write(b"print('friendly')\r")
        read_until(port, b"friendly\r\n>>> ")


def test_a_soft_reboot_in_the_raw_repl_comes_back_to_it_without_running_code_py(start_board):
    board = start_board({"code.py": CODE}, args=("--console", "pty"))
    path = pty_of(board)
    board.wait_for("Press any key")
    with serial.Serial(path, timeout=0.2) as port:
        port.write(b"\r\x01")
        read_until(port, b"raw REPL; CTRL-B to exit\r\n>")
        port.write(b"x = 5\x04")
        read_until(port, b"\x04\x04>")
        port.write(b"\x04")  # Ctrl-D with nothing sent
        seen = read_until(port, b"raw REPL; CTRL-B to exit\r\n>")
        assert b"OK\r\n" in seen and b"soft reboot\r\n" in seen
        assert b"hello from code" not in seen  # code.py did not run
        port.write(b"print('x' in dir())\x04")  # a fresh VM: the old names are gone
        assert read_until(port, b"\x04\x04>") == b"OKFalse\r\n\x04\x04>"
