"""The protoboard command, run as a real subprocess."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def protoboard(*args, cwd=ROOT, timeout=60):
    return subprocess.run(
        [sys.executable, "-m", "protoboard.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_blink_example_runs_with_trace():
    result = protoboard("exec", "examples/blink/code.py", "--timeout", "1.2", "--trace")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[:3] == ["LED on", "LED off", "LED on"]
    assert "D13/LED -> high" in result.stderr
    assert "D13/LED -> low" in result.stderr


def test_every_example_starts(tmp_path):
    for example in sorted((ROOT / "examples").glob("*/code.py")):
        result = protoboard("exec", str(example), "--timeout", "0.5")
        assert result.returncode == 0, f"{example}: {result.stderr}"


def test_error_exit_status_and_traceback(tmp_path):
    code = tmp_path / "code.py"
    code.write_text("import board\nprint(board.D99)\n")
    result = protoboard("exec", str(code))
    assert result.returncode == 1
    assert 'File "code.py", line 2, in <module>' in result.stderr
    assert "AttributeError: module 'board' has no attribute 'D99'" in result.stderr


def test_friendly_errors():
    missing = protoboard("exec", "no_such_file.py")
    assert missing.returncode == 2
    assert "can't find the file 'no_such_file.py'" in missing.stderr
    assert "Traceback" not in missing.stderr
    typo = protoboard("exec", "examples/blink/code.py", "--board", "adafruit_feather_rp204")
    assert typo.returncode == 2
    assert "did you mean: adafruit_feather_rp2040" in typo.stderr
    port = protoboard("exec", "examples/blink/code.py", "--port", "nope")
    assert "unknown port 'nope' (installed ports: " in port.stderr and "sim" in port.stderr


def test_real_board_pinout(tmp_path):
    code = tmp_path / "code.py"
    code.write_text("import board\nprint(board.board_id, board.GP25 is board.LED, board.GP0)\n")
    result = protoboard("exec", str(code), "--board", "raspberry_pi_pico")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "raspberry_pi_pico True board.GP0"


def test_boards_listing():
    result = protoboard("boards", "--search", "feather_rp2040")
    assert "adafruit_feather_rp2040" in result.stdout.split()
    shown = protoboard("boards", "--show", "protoboard_sim")
    assert "D13 / LED" in shown.stdout
    assert "board.I2C(): scl=SCL, sda=SDA" in shown.stdout


def test_help_teaches():
    result = protoboard("--help")
    assert "protoboard exec examples/blink/code.py" in result.stdout
    assert "--trace" in protoboard("exec", "--help").stdout
