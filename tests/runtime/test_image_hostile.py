"""Hostile cases for ``protoboard run --image`` (issue 10, cases 6-8) and the image code's
bounds: real ``protoboard run`` processes, real images (made by our writer), damaged by hand."""

from __future__ import annotations

import re
import signal
from pathlib import Path

import pytest

pytest.importorskip("pyfatfs")

from board_process import BoardProcess

from protoboard.runtime.fatimage import ImageDrive

pytestmark = pytest.mark.hostile

BOOT = "import storage\nstorage.remount('/', readonly=False)\n"
#: writes count.txt (open, write, close) as fast as it can, printing each closed write
COUNTER = """\
import time
i = 0
while True:
    i += 1
    with open("count.txt", "w") as f:
        f.write(str(i))
    print("wrote", i)
    time.sleep(0.005)
"""


def make_image(tmp_path: Path, code: str, size: int = 1 << 20) -> Path:
    image = tmp_path / "CIRCUITPY.img"
    drive = ImageDrive(image, tmp_path / "prepare")
    drive.create(size)
    drive.open()
    (drive.work / "boot.py").write_text(BOOT)
    (drive.work / "code.py").write_text(code)
    drive.sync_to_image()
    return image


def start(tmp_path: Path, image: Path) -> BoardProcess:
    # the working copy goes in this test's own cache folder
    return BoardProcess(
        tmp_path / "unused", "--image", str(image), env={"XDG_CACHE_HOME": str(tmp_path / "c")}
    )


def image_files(image: Path, where: Path) -> dict[str, bytes]:
    drive = ImageDrive(image, where)
    drive.open()
    return {p.name: p.read_bytes() for p in where.iterdir() if p.is_file()}


def last_count(board: BoardProcess) -> int:
    return max(int(n) for n in re.findall(r"wrote (\d+)\r?\n", board.output))


# -- case 8: a signal to `protoboard run` loses no closed write --------------------------------


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT, signal.SIGHUP])
def test_closed_writes_reach_the_image_on_a_signal(tmp_path, signum):
    image = make_image(tmp_path, COUNTER)
    board = start(tmp_path, image)
    try:
        board.wait_for(r"wrote 40\r?\n")
        board.proc.send_signal(signum)
        assert board.proc.wait(30) == 0, board.errors
    finally:
        board.stop()
    printed = last_count(board)  # each printed number was closed before it was printed
    held = int(image_files(image, tmp_path / "after")["count.txt"])
    assert held >= printed, f"the program closed count.txt = {printed}, the image holds {held}"


# -- case 6: the image damaged while the program has unsynced writes ----------------------------


@pytest.mark.parametrize("damage", ["boot sector", "truncated", "fat"])
def test_damaged_image_while_the_program_writes(tmp_path, damage):
    image = make_image(tmp_path, COUNTER)
    board = start(tmp_path, image)
    try:
        board.wait_for(r"wrote 20\r?\n")
        raw = bytearray(image.read_bytes())
        if damage == "boot sector":
            raw[0:512] = bytes(512)
        elif damage == "truncated":
            raw = raw[: len(raw) // 3]
        else:  # every cluster of both FATs points at cluster 2: chains loop
            for at in range(512, 512 + 2 * 3 * 512, 2):
                raw[at : at + 2] = b"\x02\x20"
        with open(image, "r+b") as stream:  # in place, as a USB host writes
            stream.write(raw)
            stream.truncate(len(raw))
        message = board.wait_for(r"saved in (\S+)\r?\n", stream="err")
        board.wait_for(r"wrote \d+\r?\n")  # still running, still writing
        assert board.proc.poll() is None
        board.proc.send_signal(signal.SIGTERM)
        assert board.proc.wait(30) == 0
    finally:
        board.stop()
    assert "Traceback" not in board.errors, board.errors
    folder = Path(re.findall(r"saved in (\S+?);?\r?\n", message)[-1].rstrip(";"))
    assert folder.parent == image.parent
    kept = int((folder / "count.txt").read_text())
    assert kept >= last_count(board) - 0  # the last closed write is kept
    assert "damaged" in board.errors or "not a FAT image" in board.errors
