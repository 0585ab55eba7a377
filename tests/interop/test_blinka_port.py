"""The Blinka port on Blinka's OS-agnostic test board (``BLINKA_OS_AGNOSTIC``): Blinka's pin
objects underneath, our bindings' claims and error messages on top.

Blinka (and its top-level ``board``, ``digitalio``... modules) is installed in a venv of its own
and put on the program's path, as it is on a Pi where both are installed: the program's
``import board`` must still get Protoboard's.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

BLINKA = ["adafruit-blinka==10.0.0"]
PROTOBOARD = Path(sys.executable).with_name("protoboard")

PROGRAM = textwrap.dedent(
    """
    import board
    import digitalio

    print("board", board.__name__)
    high = digitalio.DigitalInOut(board.Dx_INPUT_TRUE)
    print("input", high.value)
    try:
        digitalio.DigitalInOut(board.Dx_INPUT_TRUE)
    except ValueError as exc:
        print("claimed:", exc)
    low = digitalio.DigitalInOut(board.Dx_INPUT_FALSE)
    low.pull = digitalio.Pull.UP
    print("pulled", low.value)
    out = digitalio.DigitalInOut(board.Dx_OUTPUT)
    out.switch_to_output(value=True)
    print("output", out.value)
    try:
        out.pull = digitalio.Pull.UP
    except AttributeError as exc:
        print("pull on output:", exc)
    high.deinit()
    try:
        high.value
    except ValueError as exc:
        print("deinit:", exc)
    again = digitalio.DigitalInOut(board.Dx_INPUT_TRUE)
    print("reclaimed", again.value)
    """
)


def _run(
    tmp_path: Path, site_packages: Path, program: str, *args: str
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "code.py").write_text(program)
    env = {**os.environ, "BLINKA_OS_AGNOSTIC": "1", "PYTHONPATH": str(site_packages)}
    env.pop("PROTOBOARD_PORT", None)
    return subprocess.run(
        [str(PROTOBOARD), "exec", "code.py", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def blinka_site(tool_venv: Callable[[str, Sequence[str]], object]) -> Path:
    venv = tool_venv("blinka", BLINKA)
    (found,) = Path(str(venv.path)).glob("lib/python*/site-packages")  # type: ignore[attr-defined]
    assert (found / "board.py").exists()  # Blinka's own board module is there to shadow ours
    return found


def test_pins_claims_and_errors_through_blinka(tmp_path: Path, blinka_site: Path) -> None:
    result = _run(tmp_path, blinka_site, PROGRAM, "--port", "blinka")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "board protoboard.bindings.board",
        "input True",
        "claimed: Dx_INPUT_TRUE in use",
        "pulled False",
        "output True",
        "pull on output: Pull not used when direction is output.",
        "deinit: Object has been deinitialized and can no longer be used. Create a new object.",
        "reclaimed True",
    ]


def test_the_bridge_variable_selects_the_port(tmp_path: Path, blinka_site: Path) -> None:
    program = "import board\nprint(sorted(n for n in dir(board) if n.startswith('Dx_')))\n"
    result = _run(tmp_path, blinka_site, program)
    assert result.returncode == 0, result.stderr
    assert "Dx_INPUT_TOGGLE" in result.stdout


@pytest.mark.hostile
def test_a_board_blinka_does_not_detect_is_refused(tmp_path: Path, blinka_site: Path) -> None:
    result = _run(tmp_path, blinka_site, "print(1)\n", "--port", "blinka", "--board", "pi5")
    assert result.returncode == 2
    assert "Blinka detects the board 'OS_AGNOSTIC_BOARD' here, not 'pi5'" in result.stderr


def test_without_blinka_the_port_says_how_to_install_it(tmp_path: Path) -> None:
    (tmp_path / "code.py").write_text("print(1)\n")
    result = subprocess.run(
        [str(PROTOBOARD), "exec", "code.py", "--port", "blinka"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode == 0:
        pytest.skip("Blinka is installed in this venv")
    assert "pip install 'protoboard[blinka]'" in result.stderr
