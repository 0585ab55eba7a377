"""Through a real ``protoboard run``: the hint after a traceback on the console (and not in
``supervisor.get_previous_traceback()``), a full drive's two messages agreeing, and
``microcontroller.nvm`` kept across reloads, resets and restarts, beside the drive or the image."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from board_process import BoardProcess

BOOT = "import storage\nstorage.remount('/', readonly=False)\n"
DONE = r"Code done running\."

COUNTER = """\
import microcontroller
n = microcontroller.nvm[0]
n = 0 if n == 255 else n + 1
microcontroller.nvm[0] = n
print("boot count", n)
"""


def hint_lines(text: str) -> list[str]:
    return re.findall(r"^\(Hint: .*\)\r?$", text, re.M)


def test_a_missing_library_hint_on_the_run_console(start_board) -> None:
    program = (
        "import supervisor\n"
        "previous = supervisor.get_previous_traceback()\n"
        "print('previous:', repr(previous))\n"
        "if previous is None:\n"
        "    import adafruit_bme280\n"
    )
    board = start_board({"code.py": program})
    board.wait_for(DONE)
    first = hint_lines(board.output)
    assert len(first) == 1
    assert "protoboard install adafruit_bme280" in first[0]
    assert "--path" not in first[0]  # the run's own drive: no folder to name
    assert "errors#missing-library" in first[0]
    board.type(b"\x04")  # reload: the program reads the previous traceback
    board.wait_for(r"previous: 'Traceback")
    board.wait_for(DONE)
    previous = re.search(r"previous: ('Traceback.*')", board.output).group(1)
    assert "adafruit_bme280" in previous and "Hint" not in previous  # the board's text alone


def test_a_full_folder_drive_says_the_same_twice(start_board) -> None:
    program = (
        "with open('/big.bin', 'wb') as f:\n"
        "    for _ in range(64):\n"
        "        f.write(bytes(65536))\n"
    )
    board = start_board({"boot.py": BOOT, "code.py": program})
    board.wait_for(DONE)
    out = board.output
    assert "OSError: [Errno 28] No space left on device" in out
    told = re.search(r"^\((CIRCUITPY is full: .*)\)\r?$", out, re.M).group(1)
    (hint,) = hint_lines(out)
    assert told in hint  # the one-time line and the hint agree, word for word
    assert "--drive-size" in told and "(2 MiB)" in told


def test_a_full_image_names_the_image_size_option(tmp_path: Path, start_board) -> None:
    from protoboard.runtime.fatimage import ImageDrive

    image = tmp_path / "CIRCUITPY.img"
    prepare = ImageDrive(image, tmp_path / "prepare")
    prepare.create(1 << 20)
    prepare.open()
    (prepare.work / "boot.py").write_text(BOOT)
    fill = "with open('/big.bin', 'wb') as f:\n    for _ in range(32):\n"
    fill += "        f.write(bytes(65536))"
    (prepare.work / "code.py").write_text(fill + "\n")
    prepare.sync_to_image()
    board = start_board(drive=tmp_path / "unused", args=("--image", str(image)))
    board.wait_for(DONE)
    (hint,) = hint_lines(board.output)
    assert "the image CIRCUITPY.img" in hint and "--image-size" in hint
    assert "ImageDrive" not in board.output and "--drive-size" not in hint


def test_the_full_image_advice_is_the_option() -> None:
    from protoboard.runtime.fatimage.space import BIGGER_IMAGE_ADVICE

    assert "--image-size" in BIGGER_IMAGE_ADVICE and "ImageDrive" not in BIGGER_IMAGE_ADVICE


def counts(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"boot count (\d+)", text)]


def test_nvm_counts_boots_across_reloads_resets_and_restarts(tmp_path: Path, start_board) -> None:
    drive = tmp_path / "CIRCUITPY"
    board = start_board({"code.py": COUNTER})
    board.wait_for(DONE)
    board.type(b"\x04")  # Ctrl-D: a soft reload
    board.wait_for(r"boot count 1")
    board.wait_for(DONE)
    (drive / "code.py").write_text(COUNTER + "if n == 2:\n    microcontroller.reset()\n")
    board.wait_for(r"boot count 2")  # the save reloads
    board.wait_for(r"boot count 3")  # after microcontroller.reset()
    board.wait_for(DONE)
    assert board.stop() == 0
    stored = tmp_path / ".CIRCUITPY.nvm"
    assert stored.stat().st_size == 4096 and stored.read_bytes()[0] == 3
    assert not any(p.name.endswith(".nvm") for p in drive.rglob("*"))  # not on the drive
    again = start_board(drive=drive)  # a new protoboard run process
    again.wait_for(r"boot count 4")
    again.wait_for(DONE)
    assert counts(board.output + again.output) == [0, 1, 2, 3, 4]


def test_nvm_is_kept_beside_the_image(tmp_path: Path, start_board) -> None:
    from protoboard.runtime.fatimage import ImageDrive

    image = tmp_path / "board.img"
    prepare = ImageDrive(image, tmp_path / "prepare")
    prepare.create(1 << 20)
    prepare.open()
    (prepare.work / "code.py").write_text(COUNTER)
    prepare.sync_to_image()
    for expected in (0, 1):
        board = start_board(drive=tmp_path / "unused", args=("--image", str(image)))
        board.wait_for(rf"boot count {expected}")
        board.wait_for(DONE)
        assert board.stop() == 0
    assert (tmp_path / ".board.img.nvm").read_bytes()[0] == 1


@pytest.mark.hostile
def test_a_bad_nvm_file_never_stops_the_board(tmp_path: Path, start_board) -> None:
    """An NVM file far bigger than the board's NVM is read up to the NVM's size; one that
    cannot be written (a folder in its place) leaves NVM in memory for the run."""
    (tmp_path / ".CIRCUITPY.nvm").write_bytes(b"\x07" + b"\x00" * (1 << 20))
    board = start_board({"code.py": COUNTER + "print('len', len(microcontroller.nvm))\n"})
    board.wait_for(r"boot count 8")
    board.wait_for(r"len 4096")
    board.wait_for(DONE)
    assert (tmp_path / ".CIRCUITPY.nvm").stat().st_size == 4096
    board.stop()
    (tmp_path / ".CIRCUITPY.nvm").unlink()
    (tmp_path / ".CIRCUITPY.nvm").mkdir()
    stuck = BoardProcess(tmp_path / "CIRCUITPY")
    try:
        stuck.wait_for(r"boot count 0")
        stuck.wait_for(DONE)
        stuck.type(b"\x04")
        stuck.wait_for(r"boot count 0")  # not kept, but the program ran
    finally:
        stuck.stop()


def test_run_check_warns_before_each_run_and_runs_anyway(start_board) -> None:
    board = start_board(
        {"code.py": "import board\nprint('pin', board.D13)\n"},
        args=("--check", "raspberry_pi_pico"),
    )
    board.wait_for(DONE)
    out = board.output
    assert "protoboard check: this program would not run on Raspberry Pi Pico" in out
    assert "board.D13 does not exist on Raspberry Pi Pico" in out
    assert out.index("protoboard check") < out.index("code.py output:")
    assert "pin board.D13" in out  # it ran on the simulated board all the same
