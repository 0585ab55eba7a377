"""Hostile cases for ``protoboard run --image`` (issue 10, cases 6-8) and the image code's
bounds: real ``protoboard run`` processes, real images (made by our writer), damaged by hand."""

from __future__ import annotations

import os
import re
import signal
from pathlib import Path

import pytest

pytest.importorskip("pyfatfs")

from board_process import BoardProcess

from protoboard.runtime.fatimage import ImageDrive, ImageError

pytestmark = pytest.mark.hostile

BOOT = "import storage\nstorage.remount('/', readonly=False)\n"
#: appends a line to count.txt (open, write, close) as fast as it can, printing each closed
#: write (appends: a program stopped between an open and its write loses no earlier line)
COUNTER = """\
import time
i = 0
while True:
    i += 1
    with open("count.txt", "a") as f:
        f.write(f"{i}\\n")
    print("wrote", i)
    time.sleep(0.005)
"""


def counted(data: bytes) -> int:
    """The last number count.txt holds (its lines are 1, 2, 3...)."""
    lines = data.split()
    assert [int(n) for n in lines] == list(range(1, len(lines) + 1))
    return len(lines)


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
    held = counted(image_files(image, tmp_path / "after")["count.txt"])
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
    kept = counted((folder / "count.txt").read_bytes())
    assert kept >= last_count(board) - 0  # the last closed write is kept
    assert "damaged" in board.errors or "not a FAT image" in board.errors


# -- case 7: a small change writes a few sectors, in place ------------------------------------


def test_an_append_writes_a_few_sectors_in_place(tmp_path):
    """9 bytes appended to a file of a 16 MiB image: the image file keeps its inode (no copy
    and rename, which a USB gadget holding the file open would never see) and the sync writes
    a few sectors, counted by the kernel (/proc/self/io), not the whole image."""
    drive = ImageDrive(tmp_path / "CIRCUITPY.img", tmp_path / "work")
    drive.create(16 << 20)
    drive.open()
    log = drive.work / "log.txt"
    inode = drive.image.stat().st_ino
    for _ in range(5):
        with open(log, "a") as stream:
            stream.write("123456789")
        before = _wchar()
        drive.sync_to_image([log])
        written = _wchar() - before
        assert written == drive.last_written <= 4 * 2048 + 4 * 512, written
    assert drive.image.stat().st_ino == inode
    assert image_files(drive.image, tmp_path / "check")["log.txt"] == b"123456789" * 5


def _wchar() -> int:
    for line in Path("/proc/self/io").read_text().splitlines():
        if line.startswith("wchar:"):
            return int(line.split()[1])
    raise AssertionError("no wchar in /proc/self/io")


def test_every_step_of_an_in_place_write_leaves_a_readable_image(tmp_path):
    """The sectors of one sync written one step at a time: after each step the image reads
    back whole, holding the old content or the new (never a broken chain)."""
    from protoboard.runtime.fatimage.inplace import Steps, plan_steps
    from protoboard.runtime.fatimage.reader import parse

    drive = ImageDrive(tmp_path / "CIRCUITPY.img", tmp_path / "work")
    drive.create(1 << 20)
    drive.open()
    (drive.work / "code.py").write_text("print('old')\n" * 100)
    drive.sync_to_image()
    old = drive.image.read_bytes()
    (drive.work / "code.py").write_text("print('new')\n" * 300)  # more clusters
    (drive.work / "lib" / "new.py").write_text("x = 1\n")
    (drive.work / "settings.toml").unlink()
    drive.sync_to_image()
    new = drive.image.read_bytes()
    steps = plan_steps(old, new, 12)
    image = bytearray(old)
    parts = (steps.new_data, steps.allocations, steps.entries, steps.releases)
    for done in range(len(parts)):
        for offset, data in parts[done]:
            image[offset : offset + len(data)] = data
        volume = parse(bytes(image))
        code = volume.content(volume.files["code.py"])
        assert code in (b"print('old')\n" * 100, b"print('new')\n" * 300), done
    assert bytes(image) == new
    assert isinstance(steps, Steps) and steps.total < len(new) // 20


# -- bounds: hostile images are refused with a clear message, in bounded memory ----------------


def _fresh(tmp_path: Path, size: int = 2 << 20) -> Path:
    image = tmp_path / "CIRCUITPY.img"
    ImageDrive(image, tmp_path / "scratch").create(size)
    return image


def _short_entry(raw: bytes, name: bytes) -> int:
    """Offset of the 8.3 entry called ``name`` (11 bytes) in the image."""
    at = raw.find(name)
    assert at >= 0 and at % 32 == 0
    return at


def test_hostile_images(tmp_path):
    """Each damaged image is refused by open() with an ImageError that names the problem."""
    cases: dict[str, bytes] = {}
    base = _fresh(tmp_path).read_bytes()
    # a file size of 4 GiB - 1 in a 2 MiB image
    raw = bytearray(base)
    at = _short_entry(raw, b"CODE    PY ")
    raw[at + 28 : at + 32] = (0xFFFFFFFF).to_bytes(4, "little")
    cases["4 GiB file"] = bytes(raw)
    # a folder whose cluster is the root's parent chain: lib points at itself via its chain
    raw = bytearray(base)
    at = _short_entry(raw, b"LIB        ")
    cluster = int.from_bytes(raw[at + 26 : at + 28], "little")
    fat = 512 * int.from_bytes(raw[14:16], "little")
    if cluster % 2 == 0:  # FAT12: entry n at n * 3 // 2; point it at itself
        o = fat + cluster * 3 // 2
        pair = raw[o] | raw[o + 1] << 8
        pair = (pair & 0xF000) | cluster
        raw[o], raw[o + 1] = pair & 0xFF, pair >> 8
    else:
        o = fat + cluster * 3 // 2
        pair = raw[o] | raw[o + 1] << 8
        pair = (pair & 0x000F) | cluster << 4
        raw[o], raw[o + 1] = pair & 0xFF, pair >> 8
    cases["folder chain loop"] = bytes(raw)
    # a file whose first cluster is past the end of the volume
    raw = bytearray(base)
    at = _short_entry(raw, b"CODE    PY ")
    raw[at + 26 : at + 28] = (0xFFF0).to_bytes(2, "little")
    cases["cluster outside"] = bytes(raw)
    # a boot sector claiming more sectors than the file holds
    raw = bytearray(base)
    raw[19:21] = (0xFFFF).to_bytes(2, "little")
    cases["truncated"] = bytes(raw)
    # 1 byte, an empty file, random bytes
    cases["one byte"] = b"\xeb"
    cases["empty"] = b""
    cases["noise"] = os.urandom(64 * 1024)
    held = 0
    for name, data in cases.items():
        image = tmp_path / f"{name}.img"
        image.write_bytes(data)
        with pytest.raises(ImageError, match=r"damaged|not a FAT image") as caught:
            ImageDrive(image, tmp_path / "w" / name).open()
        assert "Traceback" not in str(caught.value)
        assert image.read_bytes() == data  # never modified
        held += 1
    assert held == len(cases)


def test_a_directory_with_many_entries_is_read_in_bounded_time(tmp_path):
    """A folder whose clusters are all full of entries (every cluster of a 4 MiB image): read
    (or refused) without growing past the image's own size."""
    image = _fresh(tmp_path, 4 << 20)
    raw = bytearray(image.read_bytes())
    at = _short_entry(raw, b"LIB        ")
    cluster = int.from_bytes(raw[at + 26 : at + 28], "little")
    drive = ImageDrive(image, tmp_path / "w")
    drive.open()
    # fill lib's one cluster with copies of an entry named like code.py: 2 KiB / 32 of them
    from protoboard.runtime.fatimage.inplace import Layout

    layout = Layout.of(bytes(raw), 12)
    start = layout.data_start + (cluster - 2) * layout.cluster
    entry = bytes(raw[_short_entry(raw, b"CODE    PY ") :][:32])
    for slot in range(start + 64, start + layout.cluster, 32):
        raw[slot : slot + 32] = entry
    image.write_bytes(raw)
    with pytest.raises(ImageError, match="damaged"):  # they share clusters: refused
        ImageDrive(image, tmp_path / "w2").open()


def test_a_huge_file_is_refused_without_reading_it(tmp_path):
    image = tmp_path / "huge.img"
    with open(image, "wb") as stream:  # sparse: takes no room
        stream.truncate(3 << 30)
    with pytest.raises(ImageError, match="larger than the largest image"):
        ImageDrive(image, tmp_path / "w").open()
