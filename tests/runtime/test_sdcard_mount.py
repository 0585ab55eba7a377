"""``storage.mount`` of an SD card in a real ``protoboard exec``: the mounted volume at its path
for Python's file functions, CircuitPython's errors for the cases that go wrong (a corrupt
image, a card pulled out mid-write, a full card, a read-only mount), and nothing written
anywhere but the card's image."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from protoboard.ports.sim.parts.sdcard import make_image
from protoboard.runtime.fatimage.reader import parse

PARTS = """\
[card]
type = "SDCard"
clock = "SCK"
mosi = "MOSI"
miso = "MISO"
cs = "D10"
image = "{image}"
{extra}
"""

SETUP = """\
import os, board, sdcardio, storage
sd = sdcardio.SDCard(board.SPI(), board.D10)
vfs = storage.VfsFat(sd)
def attempt(label, function, *args):
    try:
        result = function(*args)
        print(label, "ok", result)
    except Exception as e:
        print(label, type(e).__name__, getattr(e, "errno", None), e)
"""


def run_program(tmp_path: Path, program: str, extra: str = "", image: Path | None = None):
    drive = tmp_path / "CIRCUITPY"
    (drive / "sd").mkdir(parents=True, exist_ok=True)
    image = image or tmp_path / "card.img"
    (drive / "parts.toml").write_text(PARTS.format(image=image, extra=extra))
    (drive / "code.py").write_text(SETUP + program)
    env = {**os.environ, "NO_COLOR": "1", "PROTOBOARD_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(drive / "code.py")],
        capture_output=True, text=True, env=env, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    return done, drive, image


def test_every_path_function_reaches_the_mounted_card(tmp_path) -> None:
    done, drive, image = run_program(
        tmp_path,
        """
storage.mount(vfs, "/sd")
os.mkdir("/sd/logs")
with open("/sd/logs/a.txt", "w") as f:
    f.write("one")
os.rename("/sd/logs/a.txt", "/sd/logs/b.txt")
print("list", os.listdir("/sd/logs"), os.stat("/sd/logs/b.txt")[6])
with open("/sd/gone.txt", "w") as f:
    f.write("x")
os.remove("/sd/gone.txt")
os.chdir("/sd")
print("cwd", os.getcwd(), open("logs/b.txt").read())
print("vfs", storage.getmount("/sd") is vfs, os.statvfs("/sd")[2] > 0)
attempt("again", storage.mount, vfs, "/sd")
attempt("nowhere", storage.mount, storage.VfsFat(sd), "/nowhere")
storage.umount("/sd")
print("after", os.listdir("/sd"))
""",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert "list ['b.txt'] 3" in out
    assert "cwd /sd one" in out
    assert "vfs True True" in out
    # (CPython names OSError(EPERM) PermissionError, a subclass of OSError)
    assert "Error 1 [Errno 1] Operation not permitted" in out
    assert "nowhere RuntimeError None Mount point directory missing" in out
    assert "after []" in out
    volume = parse(image.read_bytes())
    assert set(volume.files) == {"logs/b.txt"}
    assert sorted(p.name for p in drive.rglob("*")) == ["code.py", "parts.toml", "sd"]


@pytest.mark.hostile
def test_a_corrupt_image_is_no_such_device_and_stays_as_it_was(tmp_path) -> None:
    image = tmp_path / "card.img"
    image.write_bytes(b"\x00" * (1024 * 1024))  # a card with no filesystem
    done, _drive, _ = run_program(
        tmp_path,
        """
attempt("mount", storage.mount, vfs, "/sd")
""",
        image=image,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "mount OSError 19 [Errno 19] No such device" in done.stdout
    assert image.read_bytes() == b"\x00" * (1024 * 1024)


@pytest.mark.hostile
def test_a_card_pulled_out_mid_write_is_an_input_output_error(tmp_path) -> None:
    image = tmp_path / "card.img"
    make_image(image, 1024 * 1024)
    before = image.read_bytes()
    done, drive, _ = run_program(
        tmp_path,
        """
storage.mount(vfs, "/sd")
def write():
    with open("/sd/big.bin", "wb") as f:
        f.write(b"z" * 20000)
attempt("write", write)
attempt("after", os.listdir, "/sd")
""",
        extra="fail_after = 3",
        image=image,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "write OSError 5 [Errno 5] Input/output error" in done.stdout
    assert "after OSError 5" in done.stdout or "after ok" in done.stdout
    # the blocks written before the card went were file data: the old volume is still whole
    volume = parse(image.read_bytes())
    assert "big.bin" not in volume.files
    assert len(image.read_bytes()) == len(before)
    assert not (drive / "sd" / "big.bin").exists()


@pytest.mark.hostile
def test_a_full_card_is_no_space_left_and_keeps_what_it_held(tmp_path) -> None:
    image = tmp_path / "card.img"
    make_image(image, 512 * 1024)
    done, _drive, _ = run_program(
        tmp_path,
        """
storage.mount(vfs, "/sd")
with open("/sd/keep.txt", "w") as f:
    f.write("kept")
def fill():
    with open("/sd/huge.bin", "wb") as f:
        f.write(bytes(600 * 1024))
attempt("fill", fill)
print("listed", sorted(os.listdir("/sd")))
""",
        image=image,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "fill OSError 28 [Errno 28] No space left on device" in done.stdout
    assert "listed ['keep.txt']" in done.stdout
    assert set(parse(image.read_bytes()).files) == {"keep.txt"}


@pytest.mark.hostile
def test_read_only_mount_and_write_protected_card(tmp_path) -> None:
    done, _drive, image = run_program(
        tmp_path,
        """
storage.mount(vfs, "/sd", readonly=True)
attempt("open", open, "/sd/x.txt", "w")
attempt("mkdir", os.mkdir, "/sd/d")
storage.umount(vfs)
storage.mount(vfs, "/sd")
def write():
    with open("/sd/x.txt", "w") as f:
        f.write("x")
attempt("protected", write)
""",
        extra="write_protect = true",
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "open OSError 30 [Errno 30] Read-only filesystem" in done.stdout
    assert "mkdir OSError 30" in done.stdout
    assert "protected OSError 5 [Errno 5] Input/output error" in done.stdout
    assert "x.txt" not in parse(image.read_bytes()).files


@pytest.mark.hostile
def test_mkfs_in_a_program_formats_the_card_and_nothing_else(tmp_path) -> None:
    image = tmp_path / "card.img"
    image.write_bytes(b"\xa5" * (1024 * 1024))  # garbage, not FAT
    done, drive, _ = run_program(
        tmp_path,
        """
storage.VfsFat.mkfs(sd)
vfs = storage.VfsFat(sd)
storage.mount(vfs, "/sd")
with open("/sd/new.txt", "w") as f:
    f.write("fresh")
print("listed", os.listdir("/sd"), os.listdir("/"))
""",
        image=image,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "listed ['new.txt']" in done.stdout
    assert set(parse(image.read_bytes()).files) == {"new.txt"}
    assert sorted(p.name for p in drive.iterdir()) == ["code.py", "parts.toml", "sd"]
