"""Parts on a running board (issue 11, item 5): parts.toml wired at every run and reloaded on
save, ``protoboard sim add / remove / parts / set`` on a real ``protoboard run``, the running
board found from the drive you are in or as the only one, and every bad input named."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest
from board_process import BoardProcess

ROOT = Path(__file__).resolve().parents[2]
POTENTIOMETER = (ROOT / "examples" / "potentiometer" / "code.py").read_text()

#: prints the volts on A1 once per run, to one decimal
READ_A1 = textwrap.dedent("""
    import analogio, board
    knob = analogio.AnalogIn(board.A1)
    print("volts", round(knob.value / 65535 * 3.3, 1))
""")


def knob_file(position: float, pin: str = "A1") -> str:
    return f'[knob]\ntype = "Potentiometer"\npin = "{pin}"\nposition = {position}\n'


def sim(
    *args: str, drive: Path | None = None, cwd: Path | None = None, env: dict | None = None
) -> subprocess.CompletedProcess[str]:
    where = ["--drive", str(drive)] if drive is not None else []
    return subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "sim", *args, *where],
        capture_output=True,
        text=True,
        timeout=30,
        cwd=cwd,
        env={**os.environ, **(env or {})},
    )


def test_the_potentiometer_example_reads_the_knob_after_sim_add_and_set(start_board):
    board = start_board({"code.py": POTENTIOMETER})
    board.wait_for(r"A1:     0  \(0\.00 V\)")
    added = sim("add", "Potentiometer", "--name", "knob", "--pin", "A1", drive=board.drive)
    assert added.returncode == 0, added.stderr
    assert "added knob (Potentiometer) pin=A1" in added.stdout
    board.wait_for(r"\(1\.65 V\)")  # position 0.5, the part's default
    moved = sim("set", "knob.position", "1", drive=board.drive)
    assert moved.returncode == 0, moved.stderr
    assert moved.stdout.strip() == "knob.position: 0.5 -> 1.0"
    board.wait_for(r"A1: 65535  \(3\.30 V\)")
    listed = sim("parts", drive=board.drive)
    assert "knob (Potentiometer) pin=A1  position=1.0" in listed.stdout
    assert "BUTTON (Button) pin=BUTTON  active_low=True pressed=False" in listed.stdout


def test_a_session_part_and_its_setting_survive_a_reload_and_remove_takes_it_off(start_board):
    board = start_board({"code.py": READ_A1})
    board.wait_for("volts 0.0")
    assert sim("add", "Potentiometer", "pin=A1", "position=0.25", drive=board.drive).returncode == 0
    assert sim("set", "Potentiometer.position", "0.5", drive=board.drive).returncode == 0
    board.save("code.py", READ_A1 + "\n")
    board.wait_for(r"volts 1\.[67]")
    removed = sim("remove", "Potentiometer", drive=board.drive)
    assert removed.returncode == 0, removed.stderr
    board.save("code.py", READ_A1)
    board.wait_for("volts 0.0")


def test_the_parts_file_is_wired_at_start_and_again_on_save(start_board):
    board = start_board({"code.py": READ_A1, "parts.toml": knob_file(0.5)})
    board.wait_for(r"volts 1\.[67]")
    board.save("parts.toml", knob_file(1.0))  # a save of the parts file alone reruns
    board.wait_for("volts 3.3")
    board.save("parts.toml", "")
    board.wait_for("volts 0.0")


def test_a_saved_parts_file_wins_over_an_earlier_sim_set(start_board):
    board = start_board({"code.py": READ_A1, "parts.toml": knob_file(0.5)})
    board.wait_for(r"volts 1\.[67]")
    assert sim("set", "knob.position", "0", drive=board.drive).returncode == 0
    board.save("code.py", READ_A1 + "\n")
    board.wait_for("volts 0.0")
    board.save("parts.toml", knob_file(1.0))
    board.wait_for("volts 3.3")


MY_PARTS = textwrap.dedent("""
    from protoboard.ports.sim.parts import Part

    class HighWire(Part):
        '''Holds its pin high: a part of the user's own.'''
        kind = "HighWire"
        roles = ("pin",)
        drives = ("pin",)

        def __init__(self, *, name=None, level=True):
            super().__init__(name=name)
            self.level = level

        def on_attach(self):
            self.pin("pin").set_external(self.level)

    class Broken(Part):
        kind = "Broken"
        roles = ("pin",)

        def __init__(self, *, name=None):
            raise RuntimeError("the broken part's own bug")
""")

READ_D5 = "import board, digitalio\nprint('D5', digitalio.DigitalInOut(board.D5).value)\n"


def test_a_part_class_of_the_users_own_beside_the_parts_file(start_board):
    parts = '[wire]\ntype = "myparts.py:HighWire"\npin = "D5"\n'
    board = start_board({"code.py": READ_D5, "parts.toml": parts, "myparts.py": MY_PARTS})
    board.wait_for("D5 True")
    turned = sim("set", "wire.level", "no", drive=board.drive)
    assert turned.returncode == 0, turned.stderr
    assert turned.stdout.strip() == "wire.level: True -> False"


def test_exec_wires_the_parts_file_beside_the_program(tmp_path):
    (tmp_path / "code.py").write_text(READ_A1 + READ_D5)
    (tmp_path / "parts.toml").write_text(
        knob_file(1.0) + '[wire]\ntype = "myparts.py:HighWire"\npin = "D5"\n'
    )
    (tmp_path / "myparts.py").write_text(MY_PARTS)
    result = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(tmp_path / "code.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "volts 3.3\nD5 True\n"


@pytest.mark.hostile
def test_exec_refuses_a_bad_parts_file_with_its_line(tmp_path):
    (tmp_path / "code.py").write_text(READ_A1)
    (tmp_path / "parts.toml").write_text(knob_file(0.5) + '[led]\ntype = "LEDD"\npin = "D5"\n')
    result = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(tmp_path / "code.py")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "parts.toml line 5: unknown part type 'LEDD'; did you mean 'LED'?" in result.stderr


BAD_PARTS_FILES = {
    "unknown type": (
        '[knob]\ntype = "Potentiometre"\npin = "A1"\n',
        r"parts\.toml line 1: unknown part type 'Potentiometre'; did you mean 'Potentiometer'\?",
    ),
    "pin the board lacks": (
        knob_file(0.1, pin="A9"),
        r"parts\.toml line 1: knob\.pin: the board protoboard_sim has no pin 'A9'\n"
        r"\('protoboard boards --show protoboard_sim' lists its pins\)",
    ),
    "two parts driving one pin": (
        knob_file(0.1) + '\n[other]\ntype = "Button"\npin = "A1"\n',
        r"parts\.toml line 6: 'other' and 'knob' would both drive pin A1\n"
        r"\(wire other\.pin to another pin\)",
    ),
    "a part against the on-board button": (
        knob_file(0.1, pin="BUTTON"),
        r"'knob' and the on-board BUTTON would both drive pin BUTTON",
    ),
    "malformed TOML": (
        '[knob]\ntype = "Potentiometer"\npin = A1\n',
        r"parts\.toml is not valid TOML: Invalid value \(at line 3, column 7\)",
    ),
    "misspelt setting": (
        '[knob]\ntype = "Potentiometer"\npin = "A1"\npositon = 0.1\n',
        r"parts\.toml line 1: a Potentiometer has no setting or pin 'positon'; did you mean "
        r"'position'\?",
    ),
    "a user part class that raises": (
        '[b]\ntype = "myparts.py:Broken"\npin = "D6"\n',
        r"parts\.toml line 1: the part 'b' \(myparts\.py:Broken\) failed to start: "
        r"RuntimeError: the broken part's own bug",
    ),
    "a class that is not there": (
        '[b]\ntype = "myparts.py:HighWir"\npin = "D6"\n',
        r"parts\.toml line 1: myparts\.py has no class HighWir; did you mean 'HighWire'\?",
    ),
}


@pytest.mark.hostile
@pytest.mark.parametrize("case", sorted(BAD_PARTS_FILES))
def test_a_bad_parts_file_is_named_and_the_board_keeps_the_last_good_world(start_board, case):
    text, message = BAD_PARTS_FILES[case]
    board = start_board({"code.py": READ_A1, "parts.toml": knob_file(1.0), "myparts.py": MY_PARTS})
    board.wait_for("volts 3.3")
    board.save("parts.toml", text)
    board.wait_for(message)
    board.wait_for("The board keeps the parts it had before.")
    board.wait_for("volts 3.3")  # the run goes on with the knob it had
    board.save("parts.toml", knob_file(0.5))  # fixed: the new world
    board.wait_for(r"volts 1\.[67]")


@pytest.mark.hostile
def test_sim_set_checks_names_and_converts_values(start_board):
    board = start_board({"code.py": "x = 1\n", "parts.toml": knob_file(0.5)})
    board.wait_for("Press any key")
    typo = sim("set", "BUTTON.presed", "yes", drive=board.drive)
    assert typo.returncode == 2
    assert "no attribute 'presed' you can set; did you mean 'pressed'?" in typo.stderr
    wrong_part = sim("set", "knb.position", "1", drive=board.drive)
    assert wrong_part.returncode == 2
    assert "no part named 'knb' is attached; did you mean 'knob'?" in wrong_part.stderr
    not_a_number = sim("set", "knob.position", "high", drive=board.drive)
    assert not_a_number.returncode == 2
    assert "knob.position is a number, not 'high'" in not_a_number.stderr
    out_of_range = sim("set", "knob.position", "2", drive=board.drive)
    assert out_of_range.returncode == 2
    assert "position must be between 0.0 and 1.0" in out_of_range.stderr
    not_a_switch = sim("set", "BUTTON.pressed", "maybe", drive=board.drive)
    assert not_a_switch.returncode == 2
    assert "BUTTON.pressed is True or False, not 'maybe'" in not_a_switch.stderr
    pressed = sim("set", "BUTTON.pressed", "yes", drive=board.drive)
    assert pressed.stdout.strip() == "BUTTON.pressed: False -> True"
    world = sim("world", drive=board.drive)
    assert world.stdout.strip() == "BUTTON.pressed = True"  # a bool, not the text 'yes'


@pytest.mark.hostile
def test_sim_add_refuses_what_cannot_be_wired(start_board):
    board = start_board({"code.py": "x = 1\n", "parts.toml": knob_file(0.5)})
    board.wait_for("Press any key")
    cases = {
        ("Potentiometre", "--pin", "A2"): "unknown part type 'Potentiometre'; did you mean",
        ("Button", "--pin", "A1"): "'Button' and 'knob' would both drive pin A1",
        ("LED", "--pin", "Q7"): "has no pin 'Q7'",
        ("LED", "pin"): "'pin' is not KEY=VALUE",
        ("Potentiometer", "--name", "knob", "--pin", "A3"): "a part named 'knob' is already",
        ("Potentiometer", "--name", "a b", "--pin", "A3"): "'a b' is not a usable part name",
        ("LED", "--pin", "D5", "colour=blue"): "no setting or pin 'colour'; did you mean 'color'",
    }
    for args, message in cases.items():
        refused = sim("add", *args, drive=board.drive)
        assert refused.returncode == 2, (args, refused.stdout)
        assert message in refused.stderr, (args, refused.stderr)
    gone = sim("remove", "nothing", drive=board.drive)
    assert gone.returncode == 2 and "no part named 'nothing'" in gone.stderr
    listed = sim("parts", drive=board.drive).stdout
    assert listed.count("Potentiometer") == 1  # nothing half-added


def test_the_board_is_found_from_its_drive_or_as_the_only_one(tmp_path):
    runtime = Path(tempfile.mkdtemp(prefix="rd-", dir="/tmp"))
    env = {"XDG_RUNTIME_DIR": str(runtime), "TMPDIR": str(runtime)}
    boards = []
    try:
        for name in ("one", "two"):
            drive = tmp_path / name
            drive.mkdir()
            (drive / "code.py").write_text(f"print('board {name}')\n")
            boards.append(BoardProcess(drive, env=env))
            boards[-1].wait_for(f"board {name}")
        inside = sim("set", "BUTTON.pressed", "true", cwd=tmp_path / "two", env=env)
        assert inside.returncode == 0, inside.stderr
        assert sim("world", drive=tmp_path / "two", env=env).stdout.strip()
        assert sim("world", drive=tmp_path / "one", env=env).stdout.strip() == ""
        ambiguous = sim("parts", cwd=tmp_path, env=env)
        assert ambiguous.returncode == 2 and "2 boards are running" in ambiguous.stderr
        boards.pop(0).stop()
        only = sim("set", "BUTTON.pressed", "false", cwd=tmp_path, env=env)
        assert only.returncode == 0, only.stderr
        assert only.stdout.strip() == "BUTTON.pressed: True -> False"
        boards.pop().stop()
        none = sim("parts", cwd=tmp_path, env=env)
        assert none.returncode == 2 and "no 'protoboard run' is running" in none.stderr
    finally:
        for board in boards:
            board.stop()
        shutil.rmtree(runtime, ignore_errors=True)
