"""``protoboard run``'s one-line board panel: drawn on a real terminal (a pty with a window
size), never into a pipe."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import struct
import sys
import termios
import time
from pathlib import Path

from protoboard.runtime.panel import render

BLINK = (
    "import time, board, digitalio\n"
    "led = digitalio.DigitalInOut(board.LED)\n"
    "led.direction = digitalio.Direction.OUTPUT\n"
    "while True:\n"
    "    led.value = not led.value\n"
    "    print('LED on' if led.value else 'LED off')\n"
    "    time.sleep(0.3)\n"
)


def test_render_shows_parts_and_pins_cut_to_the_width():
    state = {
        "parts": {
            "LED": {"type": "LED", "brightness": 1.0, "settable": {"color": "green"}},
            "NEOPIXEL": {"type": "NeoPixelStrip", "pixels": ["#ff0000", "#000000"]},
            "BUTTON": {"type": "Button", "settable": {"pressed": True}},
            "knob": {"type": "Potentiometer", "settable": {"position": 0.25}},
        },
        "pins": {"D5": {"level": 1, "mode": "input", "pwm": None}, "D9": {"pwm": 0.5}},
    }
    line = render(state, ["D5", "D9", "A3"], 200)
    plain = line.replace("\x1b[0m", "")
    assert "BUTTON ●" in plain
    assert "LED \x1b[38;2;48;255;48m●" in line  # green, as the part's colour says
    assert "NEOPIXEL \x1b[38;2;255;0;0m■" in line and "□" in plain  # an unlit pixel
    assert "knob 0.25" in plain and "D5 1" in plain and "D9 50%" in plain and "A3 -" in plain
    short = render(state, [], 10)
    visible = len(short.replace("\x1b[0m", "").split("\x1b")[0])
    assert visible <= 10


def _run_in_a_terminal(drive: Path, seconds: float) -> bytes:
    pid, fd = pty.fork()
    if pid == 0:  # the child: protoboard run on a 24 x 80 terminal
        os.environ["TERM"] = "xterm-256color"
        os.execv(
            sys.executable,
            [sys.executable, "-m", "protoboard.cli", "run", "--drive", str(drive), "--show", "D13"],
        )
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    out = b""
    deadline = time.monotonic() + 60
    quit_at = None
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                out += os.read(fd, 65536)
            except OSError:
                break
        if quit_at is None and out.count(b"LED on") >= 2:
            quit_at = time.monotonic() + seconds
        if quit_at is not None and time.monotonic() > quit_at:
            os.write(fd, b"\x1d")  # Ctrl-]: quit
            quit_at = float("inf")
    os.waitpid(pid, 0)
    os.close(fd)
    return out


def test_the_panel_follows_the_led_on_the_last_row_and_is_taken_down(tmp_path: Path):
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "code.py").write_text(BLINK)
    out = _run_in_a_terminal(drive, 1.0)
    assert b"\x1b[1;23r" in out  # the last row is reserved for the panel
    rows = [chunk.split(b"\x1b8")[0] for chunk in out.split(b"\x1b7\x1b[24;1H\x1b[2K")[1:]]
    lit = [row for row in rows if "LED \x1b[38;2;255;48;48m●".encode() in row]
    dark = [row for row in rows if "LED ○".encode() in row]
    assert lit and dark, rows[-5:]  # it lit and went out, as the program blinked
    assert any(b"D13 1" in row for row in lit) and any(b"D13 0" in row for row in dark)
    assert out.rstrip().endswith(b"\x1b7\x1b[r\x1b[24;1H\x1b[2K\x1b8")  # taken down on quit


def test_no_panel_in_a_pipe(start_board):
    board = start_board({"code.py": BLINK})
    board.wait_for("LED on")
    board.wait_for("LED off")
    assert "\x1b7" not in board.output and "\x1b[1;" not in board.output
