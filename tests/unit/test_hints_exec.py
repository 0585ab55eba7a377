"""The hint after a traceback, through a real ``protoboard exec``: one per beginner mistake, with
the command that fixes it and a docs anchor that exists."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from protoboard import hints

ROOT = Path(__file__).resolve().parents[2]


def run(folder: Path, code: str, *args: str) -> str:
    (folder / "code.py").write_text(code)
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(folder / "code.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=folder,
    )
    return done.stderr


def hint_of(stderr: str) -> str:
    found = re.search(r"^\(Hint: (.*)\)$", stderr, re.M)
    assert found, stderr
    return found.group(1)


def test_missing_library_names_the_install_command(tmp_path: Path) -> None:
    err = run(tmp_path, "import adafruit_bme280\n")
    assert "adafruit_bme280" in err.splitlines()[-2]  # the exception line stays as it was
    hint = hint_of(err)
    assert f"protoboard install adafruit_bme280 --path {tmp_path}" in hint
    assert "protoboard install --auto" in hint
    assert hint.endswith("More: docs, errors#missing-library")


def test_a_compiled_library_says_it_is_compiled(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "adafruit_foo.mpy").write_bytes(b"C\x06\x00\x1f")
    hint = hint_of(run(tmp_path, "import adafruit_foo\n"))
    assert "lib/adafruit_foo.mpy is a compiled library" in hint
    assert "protoboard install adafruit_foo" in hint
    assert "errors#compiled-library" in hint


@pytest.mark.parametrize(
    ("code", "words"),
    [
        ("from machine import Pin\n", ["machine is MicroPython's module", "digitalio"]),
        ("import RPi.GPIO as GPIO\n", ["RPi is the Raspberry Pi's", "DigitalInOut"]),
        ("import utime\n", ["utime is MicroPython's module", "use time"]),
    ],
)
def test_another_dialect_names_circuitpythons_equivalent(
    tmp_path: Path, code: str, words: list[str]
) -> None:
    hint = hint_of(run(tmp_path, code))
    for word in words:
        assert word in hint
    assert "errors#other-dialects" in hint


def test_a_missing_board_name_suggests_the_nearest(tmp_path: Path) -> None:
    err = run(tmp_path, "import board\nboard.GP25\n", "--board", "adafruit_feather_rp2040")
    assert "AttributeError: module 'board' has no attribute 'GP25'" in err  # CircuitPython's
    hint = hint_of(err)
    assert "Did you mean board.D25" in hint
    assert "dir(board)" in hint and "protoboard boards --show adafruit_feather_rp2040" in hint


def test_from_board_import_a_missing_name(tmp_path: Path) -> None:
    hint = hint_of(run(tmp_path, "from board import LDE\n"))
    assert "board.LDE is not a pin" in hint and "board.LED" in hint


def test_a_pin_used_twice_names_who_holds_it(tmp_path: Path) -> None:
    code = (
        "import board, digitalio\n"
        "led = digitalio.DigitalInOut(board.D13)\n"
        "other = digitalio.DigitalInOut(board.LED)\n"
    )
    err = run(tmp_path, code)
    assert "ValueError: D13 in use" in err
    assert "contextlib" not in err  # the binding's own frames stay hidden
    hint = hint_of(err)
    assert "D13 (also called board.LED) is already held by led (a digitalio.DigitalInOut)" in hint
    assert "made at code.py line 2" in hint  # where the program made the holder
    assert "led.deinit()" in hint


def test_a_pin_held_by_a_bus_singleton(tmp_path: Path) -> None:
    code = "import board, digitalio\ni2c = board.I2C()\ndigitalio.DigitalInOut(board.SCL)\n"
    hint = hint_of(run(tmp_path, code))
    assert "SCL is already held by i2c (a busio.I2C)" in hint or "board.I2C()" in hint


def test_swapped_sda_and_scl_fail_as_on_a_board_and_say_so(tmp_path: Path) -> None:
    err = run(tmp_path, "import board, busio\nbusio.I2C(board.SDA, board.SCL)\n")
    assert "ValueError: Invalid pins" in err  # CircuitPython's text for pins of no I2C unit
    hint = hint_of(err)
    assert "SDA and SCL look swapped" in hint and "busio.I2C(board.SCL, board.SDA)" in hint


def test_a_picos_fixed_i2c_pins_are_checked_from_the_chips_data(tmp_path: Path) -> None:
    # On an RP2040, GP0 is SDA and GP1 SCL of unit 0: a Pico refuses them the other way round
    # and pins of two units, and accepts the right pairs.
    board = ("--board", "raspberry_pi_pico")
    err = run(tmp_path, "import board, busio\nbusio.I2C(board.GP0, board.GP1)\n", *board)
    assert "ValueError: Invalid pins" in err
    assert "busio.I2C(board.GP1, board.GP0)" in hint_of(err)
    err = run(tmp_path, "import board, busio\nbusio.I2C(board.GP1, board.GP2)\n", *board)
    assert "ValueError: Invalid pins" in err and "swapped" not in err
    ok = "import board, busio\nbusio.I2C(board.GP1, board.GP0).deinit()\n"
    ok += "busio.I2C(board.GP7, board.GP6)\nprint('ok')\n"
    assert run(tmp_path, ok, *board) == ""


def test_right_order_is_accepted(tmp_path: Path) -> None:
    err = run(tmp_path, "import board, busio\nbusio.I2C(board.SCL, board.SDA)\nprint('ok')\n")
    assert err == ""


def test_a_syntax_error_shows_the_drive_path_and_line(tmp_path: Path) -> None:
    (tmp_path / "helper.py").write_text("x = 1\ndef f(:\n    pass\n")
    err = run(tmp_path, "import helper\n")
    assert '  File "helper.py", line 2' in err
    assert str(tmp_path) not in err
    hint = hint_of(err)
    assert hint.startswith("helper.py line 2 is not valid Python")
    assert "errors#syntax-error" in hint


def test_an_error_with_no_hint_prints_only_the_traceback(tmp_path: Path) -> None:
    err = run(tmp_path, "1 / 0\n")
    assert err.rstrip().endswith("ZeroDivisionError: division by zero")
    assert "Hint" not in err


@pytest.mark.hostile
def test_an_exception_whose_text_fails_still_prints(tmp_path: Path) -> None:
    code = (
        "class Bad(ImportError):\n"
        "    def __str__(self):\n"
        "        raise RuntimeError('no')\n"
        "raise Bad(name='machine')\n"
    )
    err = run(tmp_path, code)
    assert "Bad" in err and "Traceback" in err


@pytest.mark.hostile
def test_a_program_faking_a_board_error_gets_no_crash(tmp_path: Path) -> None:
    code = "raise ValueError('NOPE in use')\n"
    err = run(tmp_path, code)
    assert err.rstrip().endswith("ValueError: NOPE in use")


def test_every_anchor_is_a_section_of_the_errors_page() -> None:
    page = (ROOT / "docs" / "errors.rst").read_text()
    for anchor in hints.ANCHORS:
        assert f".. _{anchor}:" in page, anchor


def test_without_hint_removes_only_the_hint() -> None:
    text = "Traceback (most recent call last):\nValueError: x\n(Hint: do y. More: docs, a#b)\n"
    assert hints.without_hint(text) == "Traceback (most recent call last):\nValueError: x\n"
    assert hints.without_hint("Traceback\nValueError: x\n") == "Traceback\nValueError: x\n"


def test_a_module_only_computers_have_is_named_as_such(tmp_path: Path) -> None:
    """threading is in CPython's standard library but on no board: no 'protoboard install'."""
    hint = hint_of(run(tmp_path, "import threading\n"))
    assert "threading is part of Python on computers" in hint
    assert "protoboard install" not in hint
    assert hint.endswith("More: docs, errors#computer-only-module")


def test_a_circuitpython_module_the_board_leaves_out(tmp_path: Path) -> None:
    # the Arduino Nano 33 IoT's build has neither atexit nor ulab; the default board has both
    stderr = run(tmp_path, "import atexit\n", "--board", "arduino_nano_33_iot")
    assert "ImportError: no module named 'atexit'" in stderr
    hint = hint_of(stderr)
    assert "CircuitPython module" in hint and "arduino_nano_33_iot" in hint
    assert hint.endswith("errors#module-not-on-board")
    assert "computer" not in hint  # not the hint for computer-only modules
