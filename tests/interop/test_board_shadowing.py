"""Our ``board`` is the program's even when the computer has another top-level ``board``
installed: the unrelated PyPI package named ``board`` (a board-game library), or Blinka's (which
every Adafruit driver wheel pulls in). Each is installed from PyPI into a venv of its own, put
on the program's path, and host packages are allowed (``PROTOBOARD_HOST_PACKAGES="*"``), the
case where shadowing could happen; plain Python on the same path gets theirs."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

PROTOBOARD = Path(sys.executable).with_name("protoboard")

#: name -> the PyPI install whose top-level ``board.py`` would shadow ours
SHADOWS = {
    "pypi-board": ["board==1.0"],
    "blinka": ["adafruit-blinka==10.0.0"],
}

PROGRAM = "import board, digitalio\nprint(board.__name__, board.board_id, hasattr(board, 'D13'))\n"


@pytest.mark.parametrize("shadow", sorted(SHADOWS))
def test_our_board_wins_over_an_installed_board_module(
    shadow: str, tmp_path: Path, tool_venv: Callable[[str, Sequence[str]], object]
) -> None:
    venv = tool_venv(shadow, SHADOWS[shadow])
    (site,) = Path(str(venv.path)).glob("lib/python*/site-packages")  # type: ignore[attr-defined]
    env = {**os.environ, "PYTHONPATH": str(site), "PROTOBOARD_HOST_PACKAGES": "*"}
    for name in ("PROTOBOARD_PORT", "PROTOBOARD_BOARD", "BLINKA_OS_AGNOSTIC"):
        env.pop(name, None)
    # plain Python on that path imports theirs ...
    plain = subprocess.run(
        [
            sys.executable,
            "-c",
            "import importlib.util; print(importlib.util.find_spec('board').origin)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert plain.stdout.strip() == str(site / "board.py"), plain.stderr
    # ... a program run by protoboard gets ours
    (tmp_path / "code.py").write_text(PROGRAM)
    result = subprocess.run(
        [str(PROTOBOARD), "exec", "code.py", "--port", "sim"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["protoboard.bindings.board protoboard_sim True"]
