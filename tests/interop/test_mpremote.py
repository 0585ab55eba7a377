"""MicroPython's own ``mpremote`` (unmodified, from PyPI) drives ``protoboard run`` through its
raw REPL over a real pty, as it drives a board over USB."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests" / "runtime"))
from board_process import BoardProcess  # noqa: E402  (tests/runtime's helper)

pytestmark = pytest.mark.network
CODE = "print('hello from code')\n"


@pytest.fixture
def board(tmp_path):
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "code.py").write_text(CODE)
    process = BoardProcess(drive, "--console", "pty")
    yield process
    process.stop()


def test_mpremote_runs_code_reads_files_and_soft_resets(board, tool_venv):
    venv = tool_venv("mpremote", ["mpremote==1.29.0"])
    found = board.wait_for(r"serial console: /dev/pts/\d+", stream="err")
    path = re.search(r"serial console: (/dev/pts/\d+)", found).group(1)
    board.wait_for("Press any key")

    def mpremote(*args: str):
        done = venv.run("mpremote", "connect", path, *args, timeout=60)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert mpremote("exec", "import os; print(sorted(os.listdir('/')), 6 * 7)").strip() == (
        "['boot_out.txt', 'code.py'] 42"
    )
    assert mpremote("fs", "cat", "code.py") == CODE
    assert mpremote("soft-reset", "exec", "print('after reset')").strip() == "after reset"
    assert "hello from code" not in mpremote("exec", "print('again')")
