"""The CIRCUITPY drive as a FAT image: real images made with pyfatfs in tmp_path, no mocks.

"Another writer" (the PC, through a USB gadget) is simulated by writing into the image with
pyfatfs directly. Where fsck.fat (dosfstools) is installed, images are also checked with it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

pytest.importorskip("pyfatfs")

from pyfatfs.PyFat import PyFat

from protoboard.runtime.drive import TEMP_PREFIX
from protoboard.runtime.fatimage import ImageConflict, ImageDrive, ImageError

SMALL = 64 * 1024  # the smallest image: FAT12, 512-byte clusters

FSCK = shutil.which("fsck.fat") or shutil.which("fsck.vfat")


def tree(root: Path) -> dict[str, bytes | None]:
    """Every path below ``root``: file contents, None for folders."""
    found: dict[str, bytes | None] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        found[rel] = None if path.is_dir() else path.read_bytes()
    return found


def fresh(tmp_path: Path, size: int = SMALL, name: str = "CIRCUITPY.img") -> ImageDrive:
    drive = ImageDrive(tmp_path / name, tmp_path / "work")
    assert drive.create(size)
    drive.open()
    return drive


def reopen(drive: ImageDrive, tmp_path: Path) -> tuple[ImageDrive, dict[str, bytes | None]]:
    """A second ImageDrive on the same image, extracting into a new folder."""
    work = tmp_path / f"again-{time.monotonic_ns()}"
    other = ImageDrive(drive.image, work)
    other.open()
    return other, tree(work)


def fsck(image: Path) -> None:
    if FSCK:
        result = subprocess.run([FSCK, "-n", str(image)], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture
def writer():
    """``with writer(image) as fs:`` another program writing the image (pyfatfs's PyFatFS,
    which needs PyFilesystem2 and so ``pkg_resources``: setuptools < 81)."""
    import contextlib

    PyFatFS = pytest.importorskip("pyfatfs.PyFatFS").PyFatFS  # noqa: N806

    @contextlib.contextmanager
    def open_image(image: Path):
        fs = PyFatFS(str(image))
        try:
            yield fs
        finally:
            fs.close()

    return open_image


# -- create and open --------------------------------------------------------------------------


def test_create_makes_a_fresh_circuitpy(tmp_path):
    drive = ImageDrive(tmp_path / "CIRCUITPY.img", tmp_path / "work")
    assert drive.create()  # the default: 2 MiB
    assert (tmp_path / "CIRCUITPY.img").stat().st_size == 2 * 1024 * 1024
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]
    drive.open()
    assert drive.label == "CIRCUITPY"
    assert tree(tmp_path / "work") == {
        ".Trash-1000": b"",
        ".Trashes": b"",
        ".fseventsd": None,
        ".fseventsd/no_log": b"",
        ".metadata_never_index": b"",
        "code.py": b'print("Hello World!")\n',
        "lib": None,
        "settings.toml": b"",
    }
    assert 2_000_000 < drive.free_bytes() < drive.size_bytes() <= 2 * 1024 * 1024
    assert drive.notes == []
    fsck(drive.image)


def test_create_never_overwrites(tmp_path):
    image = tmp_path / "CIRCUITPY.img"
    image.write_bytes(b"precious")
    drive = ImageDrive(image, tmp_path / "work")
    assert drive.create() is False
    assert image.read_bytes() == b"precious"

    made = fresh(tmp_path, name="second.img")
    before = made.image.read_bytes()
    assert made.create() is False
    assert made.image.read_bytes() == before


def test_create_refuses_bad_sizes_and_labels(tmp_path):
    drive = ImageDrive(tmp_path / "x.img", tmp_path / "work")
    with pytest.raises(ImageError, match="between"):
        drive.create(1024)
    with pytest.raises(ImageError, match="volume label"):
        drive.create(SMALL, label="FAR TOO LONG A LABEL")
    assert not (tmp_path / "x.img").exists()


def test_create_other_label_and_sizes(tmp_path):
    for size in (SMALL, 300 * 1024, 20 * 1024 * 1024):  # FAT12 ... FAT16
        drive = ImageDrive(tmp_path / f"{size}.img", tmp_path / f"work{size}")
        assert drive.create(size, label="mydrive")
        drive.open()
        assert drive.label == "MYDRIVE"
        assert (drive.work / "code.py").is_file()
        fsck(drive.image)


def test_open_replaces_what_work_held(tmp_path):
    work = tmp_path / "work"
    (work / "lib" / "old").mkdir(parents=True)
    (work / "lib" / "old" / "stale.py").write_text("stale")
    (work / "leftover.txt").write_text("x")
    (work / "code.py").write_text("print('not from the image')\n")
    drive = ImageDrive(tmp_path / "CIRCUITPY.img", work)
    drive.create(SMALL)
    drive.open()
    assert set(tree(work)) == {
        ".Trash-1000",
        ".Trashes",
        ".fseventsd",
        ".fseventsd/no_log",
        ".metadata_never_index",
        "code.py",
        "lib",
        "settings.toml",
    }
    assert (work / "code.py").read_bytes() == b'print("Hello World!")\n'


def test_open_missing_image(tmp_path):
    drive = ImageDrive(tmp_path / "nope.img", tmp_path / "work")
    with pytest.raises(ImageError, match="does not exist"):
        drive.open()
    drive = fresh(tmp_path)
    drive.image.unlink()
    with pytest.raises(ImageError, match="does not exist"):
        drive.sync_to_image()
    with pytest.raises(ImageError, match="does not exist"):
        drive.sync_from_image()


def test_dirty_flag_is_noted_and_left_alone(tmp_path):
    image = tmp_path / "CIRCUITPY.img"
    ImageDrive(image, tmp_path / "scratch").create(SMALL)
    with open(image, "r+b") as stream:  # BS_Reserved1 bit 0: "not cleanly unmounted"
        stream.seek(37)
        flags = stream.read(1)[0]
        stream.seek(37)
        stream.write(bytes([flags | 1]))
    before = image.read_bytes()
    drive = ImageDrive(image, tmp_path / "work")
    drive.open()
    assert any("dirty flag" in note for note in drive.notes)
    assert image.read_bytes() == before


def test_runtime_does_not_need_pyfilesystem(tmp_path):
    """pyfatfs's PyFatFS imports PyFilesystem2, which imports pkg_resources (gone from
    setuptools 81 on): the module must work with pyfatfs's low-level API alone."""
    import sys

    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from protoboard.runtime.fatimage import ImageDrive\n"
        f"drive = ImageDrive(Path({str(tmp_path / 'a.img')!r}), Path({str(tmp_path / 'w')!r}))\n"
        "drive.create(64 * 1024)\n"
        "drive.open()\n"
        "(drive.work / 'code.py').write_text('x = 1')\n"
        "drive.sync_to_image()\n"
        "drive.sync_from_image()\n"
        "assert 'fs' not in sys.modules and 'pkg_resources' not in sys.modules, "
        "sorted(m for m in sys.modules if m.startswith(('fs', 'pkg_')))\n"
    )
    subprocess.run([sys.executable, "-c", script], check=True, timeout=60)


# -- images that are not (or no longer) FAT -----------------------------------------------------


def _random(tmp_path: Path, image: Path) -> None:
    image.write_bytes(os.urandom(SMALL))


def _truncated(tmp_path: Path, image: Path) -> None:
    ImageDrive(image, tmp_path / "scratch").create(SMALL)
    with open(image, "r+b") as stream:
        stream.truncate(SMALL // 2)


def _tiny(tmp_path: Path, image: Path) -> None:
    ImageDrive(image, tmp_path / "scratch").create(SMALL)
    with open(image, "r+b") as stream:
        stream.truncate(1000)


def _text(tmp_path: Path, image: Path) -> None:
    image.write_text("print('this is a Python file, not a disk image')\n" * 100)


def _empty(tmp_path: Path, image: Path) -> None:
    image.write_bytes(b"")


def _zip(tmp_path: Path, image: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "code.py").write_text("print(1)\n")
    shutil.make_archive(str(tmp_path / "archive"), "zip", source)
    (tmp_path / "archive.zip").rename(image)


@pytest.mark.parametrize("spoil", [_random, _truncated, _tiny, _text, _empty, _zip])
def test_not_a_fat_image(tmp_path, spoil):
    image = tmp_path / "CIRCUITPY.img"
    spoil(tmp_path, image)
    before = image.read_bytes()
    work = tmp_path / "work"
    work.mkdir()
    (work / "keep.txt").write_text("mine")
    drive = ImageDrive(image, work)
    with pytest.raises(ImageError) as caught:
        drive.open()
    message = str(caught.value)
    assert str(image) in message
    assert "is not a FAT image (" in message
    assert "to start afresh, move it away and run again" in message
    assert "Traceback" not in message
    assert image.read_bytes() == before
    assert tree(work) == {"keep.txt": b"mine"}  # nothing extracted, nothing deleted
    assert drive.create() is False  # and create() does not replace it either
    assert image.read_bytes() == before


def test_damaged_fat_image(tmp_path):
    image = tmp_path / "CIRCUITPY.img"
    ImageDrive(image, tmp_path / "scratch").create(SMALL)
    # make the lib folder's cluster chain loop on itself
    pf = PyFat()
    pf.open(str(image))
    cluster = pf.root_dir.get_entry("lib").get_cluster()
    pf.fat[cluster] = cluster
    pf.flush_fat()
    pf.close()
    before = image.read_bytes()
    drive = ImageDrive(image, tmp_path / "work")
    with pytest.raises(
        ImageError,
        match=r"damaged FAT image \(/lib: its clusters loop\)"
        r".*move it away and run again",
    ):
        drive.open()
    assert image.read_bytes() == before
    assert not (tmp_path / "work").exists()


def test_image_is_a_folder(tmp_path):
    (tmp_path / "CIRCUITPY.img").mkdir()
    with pytest.raises(ImageError, match="is a folder"):
        ImageDrive(tmp_path / "CIRCUITPY.img", tmp_path / "work").open()


# -- work -> image ------------------------------------------------------------------------------


def test_sync_to_image_round_trip(tmp_path):
    drive = fresh(tmp_path)
    work = drive.work
    (work / "code.py").write_text("import thing\nthing.go()\n")
    (work / "settings.toml").unlink()
    shutil.rmtree(work / ".fseventsd")
    (work / "lib" / "thing").mkdir()
    (work / "lib" / "thing" / "__init__.py").write_text("def go():\n    print('go')\n")
    (work / "lib" / "thing" / "data").mkdir()
    (work / "lib" / "thing" / "data" / "table.bin").write_bytes(bytes(range(256)) * 7)
    (work / "empty.txt").write_bytes(b"")
    stamp = 1_700_000_001.7  # FAT keeps even seconds: 1_700_000_000
    os.utime(work / "code.py", (stamp, stamp))

    synced = drive.sync_to_image()
    assert sorted(p.relative_to(work).as_posix() for p in synced) == [
        ".fseventsd",
        "code.py",
        "empty.txt",
        "lib/thing",
        "lib/thing/__init__.py",
        "lib/thing/data",
        "lib/thing/data/table.bin",
        "settings.toml",
    ]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]

    other, seen = reopen(drive, tmp_path)
    assert seen == tree(work)
    assert "settings.toml" not in seen and ".fseventsd" not in seen
    assert (other.work / "code.py").stat().st_mtime == 1_700_000_000
    assert other.free_bytes() == drive.free_bytes()
    fsck(drive.image)

    assert drive.sync_to_image() == []  # nothing changed: the image is not rewritten


def test_sync_only_the_paths_named(tmp_path):
    drive = fresh(tmp_path)
    work = drive.work
    (work / "code.py").write_text("print('new')\n")
    (work / "settings.toml").write_text("A = 1\n")
    (work / "lib" / "pkg").mkdir()
    (work / "lib" / "pkg" / "mod.py").write_text("x = 1\n")
    synced = drive.sync_to_image([work / "code.py", Path("lib/pkg/mod.py")])
    assert sorted(p.relative_to(work).as_posix() for p in synced) == [
        "code.py",
        "lib/pkg",
        "lib/pkg/mod.py",
    ]
    _, seen = reopen(drive, tmp_path)
    assert seen["code.py"] == b"print('new')\n"
    assert seen["lib/pkg/mod.py"] == b"x = 1\n"
    assert seen["settings.toml"] == b""  # not named: not synced yet
    # a folder named takes everything in it, deletions included
    (work / "lib" / "pkg" / "mod.py").unlink()
    (work / "lib" / "pkg" / "other.py").write_text("y = 2\n")
    drive.sync_to_image([work / "lib"])
    _, seen = reopen(drive, tmp_path)
    assert "lib/pkg/mod.py" not in seen and seen["lib/pkg/other.py"] == b"y = 2\n"
    # work itself means everything
    drive.sync_to_image([work])
    _, seen = reopen(drive, tmp_path)
    assert seen["settings.toml"] == b"A = 1\n"
    with pytest.raises(ValueError, match="is not in"):
        drive.sync_to_image([tmp_path / "elsewhere.py"])


def test_many_files_in_a_folder_then_half_deleted(tmp_path):
    """Folders longer than one cluster: pyfatfs alone would leave deleted entries alive."""
    drive = fresh(tmp_path, size=256 * 1024)
    pkg = drive.work / "lib" / "adafruit_package"
    pkg.mkdir()
    for i in range(60):
        (pkg / f"module_number_{i}.py").write_text(f"N = {i}\n")
    drive.sync_to_image()
    for i in range(0, 60, 2):
        (pkg / f"module_number_{i}.py").unlink()
    (drive.work / "code.py").write_text("")  # a file that becomes empty
    drive.sync_to_image()
    _, seen = reopen(drive, tmp_path)
    names = sorted(k for k in seen if k.startswith("lib/adafruit_package/"))
    assert names == sorted(f"lib/adafruit_package/module_number_{i}.py" for i in range(1, 60, 2))
    assert seen["code.py"] == b""
    fsck(drive.image)


def test_names(tmp_path):
    drive = fresh(tmp_path)
    work = drive.work
    names = [
        "Long File Name.txt",
        "UPPER.TXT",
        "MiXeD.Py",
        "ünïcode ✓.py",
        "a.b.c.d",
        "x" * 100 + ".py",
        "with space",
        "README",
    ]
    for name in names:
        (work / "lib" / name).write_text(name)
    drive.sync_to_image()
    _, seen = reopen(drive, tmp_path)
    for name in names:
        assert seen[f"lib/{name}"] == name.encode()
    # names FAT cannot hold: refused, image unchanged
    before = drive.image.read_bytes()
    (work / "a:b.py").write_text("")
    with pytest.raises(
        ImageError,
        match=r"'a:b.py' cannot be copied to the image: FAT names "
        r"cannot contain :",
    ):
        drive.sync_to_image()
    (work / "a:b.py").unlink()
    (work / "Code.py").write_text("print('other case')\n")
    with pytest.raises(ImageError, match="'Code.py' and 'code.py' differ only in case"):
        drive.sync_to_image()
    assert drive.image.read_bytes() == before
    # renaming in another case is fine
    (work / "code.py").unlink()
    drive.sync_to_image()
    _, seen = reopen(drive, tmp_path)
    assert "code.py" not in seen and seen["Code.py"] == b"print('other case')\n"
    fsck(drive.image)


def test_file_becomes_folder_and_back(tmp_path):
    drive = fresh(tmp_path)
    work = drive.work
    (work / "settings.toml").unlink()
    (work / "settings.toml").mkdir()
    (work / "settings.toml" / "inside.txt").write_text("in")
    shutil.rmtree(work / "lib")
    (work / "lib").write_text("now a file")
    drive.sync_to_image()
    _, seen = reopen(drive, tmp_path)
    assert seen["settings.toml"] is None and seen["settings.toml/inside.txt"] == b"in"
    assert seen["lib"] == b"now a file"
    fsck(drive.image)


# -- a full image ------------------------------------------------------------------------------


def test_full_image_is_refused_and_left_unchanged(tmp_path):
    drive = fresh(tmp_path)
    free = drive.free_bytes()
    before = drive.image.read_bytes()
    (drive.work / "big.bin").write_bytes(os.urandom(free + 5000))
    with pytest.raises(ImageError) as caught:
        drive.sync_to_image()
    message = str(caught.value)
    assert message.startswith("the image is full: ")
    needed = int(message.split(": ")[1].split(" ")[0])
    assert 5000 <= needed <= 5000 + 2 * 512
    assert "make a bigger one (protoboard run --image NEW.img --image-size 1)" in message
    assert drive.image.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]
    # exactly what fits does fit
    (drive.work / "big.bin").write_bytes(os.urandom(free))
    drive.sync_to_image()
    assert drive.free_bytes() == 0
    _, seen = reopen(drive, tmp_path)
    assert seen["big.bin"] == (drive.work / "big.bin").read_bytes()
    fsck(drive.image)
    # replacing a file reuses its own clusters
    (drive.work / "big.bin").write_bytes(os.urandom(free))
    drive.sync_to_image()
    fsck(drive.image)


def test_full_top_folder(tmp_path):
    drive = fresh(tmp_path)
    before = drive.image.read_bytes()
    for i in range(120):  # long names take two entries each: more than FAT12's 224
        (drive.work / f"file{i}.txt").write_text("")
    with pytest.raises(ImageError, match="top folder is full.*move files into a subfolder"):
        drive.sync_to_image()
    assert drive.image.read_bytes() == before


# -- image -> work -----------------------------------------------------------------------------


def test_sync_from_image_picks_up_another_writer(tmp_path, writer):
    drive = fresh(tmp_path)
    work = drive.work
    assert drive.sync_from_image() == []
    with writer(drive.image) as fs:
        with fs.openbin("/code.py", "w") as stream:
            stream.write(b"print('from the PC')\n")
        fs.remove("/settings.toml")
        fs.makedir("/lib/neopixel")
        with fs.openbin("/lib/neopixel/__init__.py", "w") as stream:
            stream.write(b"# driver\n")
        fs.removetree("/.fseventsd")
    assert drive.changed_since_sync()
    changed = drive.sync_from_image()
    assert sorted(p.relative_to(work).as_posix() for p in changed) == [
        ".fseventsd",
        "code.py",
        "lib/neopixel",
        "lib/neopixel/__init__.py",
        "settings.toml",
    ]
    assert (work / "code.py").read_bytes() == b"print('from the PC')\n"
    assert not (work / "settings.toml").exists() and not (work / ".fseventsd").exists()
    assert (work / "lib" / "neopixel" / "__init__.py").read_bytes() == b"# driver\n"
    assert (work / "code.py").stat().st_mtime % 2 == 0  # the image's time
    assert not [p for p in work.rglob(f"{TEMP_PREFIX}*")]
    assert drive.sync_from_image() == []
    assert not drive.changed_since_sync() or drive.sync_from_image() == []
    # and our own syncs go on from there
    (work / "lib" / "neopixel" / "__init__.py").write_text("# mine\n")
    drive.sync_to_image()
    _, seen = reopen(drive, tmp_path)
    assert seen["code.py"] == b"print('from the PC')\n"
    assert seen["lib/neopixel/__init__.py"] == b"# mine\n"


def test_sync_from_image_honours_lower_case_8_3_names(tmp_path, writer):
    """Windows, Linux and macOS store "code.py" as an 8.3 name with lower-case flags."""
    drive = fresh(tmp_path)
    with writer(drive.image) as fs:
        fs.create("/BOOT.PY")
        with fs.openbin("/BOOT.PY", "r+") as stream:
            stream.write(b"print('boot')\n")
        entry = fs.fs.root_dir.get_entry("BOOT.PY")
        entry.ntres = 0x08 | 0x10  # lower-case name and extension
        fs.fs.update_directory_entry(fs.fs.root_dir)
    changed = drive.sync_from_image()
    assert [p.name for p in changed] == ["boot.py"]
    assert (drive.work / "boot.py").read_bytes() == b"print('boot')\n"
    # it stays the same entry when we write it back
    (drive.work / "boot.py").write_text("print('boot 2')\n")
    drive.sync_to_image()
    _, seen = reopen(drive, tmp_path)
    assert seen["boot.py"] == b"print('boot 2')\n" and "BOOT.PY" not in seen


def test_conflicts(tmp_path, writer):
    drive = fresh(tmp_path)
    work = drive.work
    with writer(drive.image) as fs:
        with fs.openbin("/code.py", "w") as stream:
            stream.write(b"print('PC')\n")
    (work / "code.py").write_text("print('program')\n")
    (work / "other.txt").write_text("program's own file\n")
    with pytest.raises(ImageConflict, match="sync_from_image"):
        drive.sync_to_image()
    with pytest.raises(ImageConflict, match=r"1 file\(s\) changed both .*: code.py"):
        drive.sync_from_image()
    assert (work / "code.py").read_text() == "print('program')\n"
    changed = drive.sync_from_image(force=True)
    assert [p.name for p in changed] == ["code.py"]
    assert (work / "code.py").read_text() == "print('PC')\n"
    # the program's other file was not touched, and syncs now
    drive.sync_to_image()
    _, seen = reopen(drive, tmp_path)
    assert seen["other.txt"] == b"program's own file\n" and seen["code.py"] == b"print('PC')\n"


def test_deleted_on_both_sides_is_no_conflict(tmp_path, writer):
    drive = fresh(tmp_path)
    with writer(drive.image) as fs:
        fs.remove("/settings.toml")
    (drive.work / "settings.toml").unlink()
    assert drive.sync_from_image() == []
    assert drive.sync_to_image() == []
    _, seen = reopen(drive, tmp_path)
    assert "settings.toml" not in seen


def test_damaged_image_during_sync_from_image_leaves_work_alone(tmp_path):
    drive = fresh(tmp_path)
    before = tree(drive.work)
    with open(drive.image, "r+b") as stream:
        stream.write(b"\0" * 512)  # the boot sector
    with pytest.raises(ImageError, match="is not a FAT image"):
        drive.sync_from_image()
    assert tree(drive.work) == before


# -- interrupted syncs ---------------------------------------------------------------------------


class Interrupted(Exception):
    pass


@pytest.mark.parametrize("error", [Interrupted, KeyboardInterrupt, OSError])
def test_interrupted_sync_leaves_the_image_intact(tmp_path, monkeypatch, error):
    drive = fresh(tmp_path)
    before = drive.image.read_bytes()
    for i in range(5):
        (drive.work / f"new{i}.py").write_text(f"n = {i}\n")
    (drive.work / "settings.toml").unlink()
    calls = []
    original = ImageDrive._write_entry

    def half_way(self, *args):
        calls.append(args)
        if len(calls) == 3:
            raise error("interrupted")
        return original(self, *args)

    monkeypatch.setattr(ImageDrive, "_write_entry", half_way)
    with pytest.raises((ImageError, KeyboardInterrupt)) as caught:
        drive.sync_to_image()
    if error is not KeyboardInterrupt:
        assert "left as it was" in str(caught.value)
    assert len(calls) == 3  # it did get half-way
    assert drive.image.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]
    monkeypatch.undo()
    drive.sync_to_image()  # the next sync does it all
    _, seen = reopen(drive, tmp_path)
    assert seen["new4.py"] == b"n = 4\n" and "settings.toml" not in seen


def test_failed_copy_leaves_the_image_intact(tmp_path, monkeypatch):
    drive = fresh(tmp_path)
    # a full image: a new code.py fits only in its old clusters, so the image is copied
    (drive.work / "filler.bin").write_bytes(os.urandom(drive.free_bytes()))
    drive.sync_to_image()
    before = drive.image.read_bytes()
    (drive.work / "code.py").write_text("print(2)\n")

    def no_room(self, raw, temporary, target):
        with open(temporary, "wb") as stream:
            stream.write(raw[: len(raw) // 3])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(ImageDrive, "_copy_image", no_room)
    with pytest.raises(ImageError, match="No space left on device; the image was left as it was"):
        drive.sync_to_image()
    assert drive.image.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(TEMP_PREFIX)]


def test_what_was_written_is_checked_before_it_replaces_the_image(tmp_path, monkeypatch):
    drive = fresh(tmp_path)
    before = drive.image.read_bytes()
    (drive.work / "new.py").write_text("print('right')\n")
    original = ImageDrive._write_entry

    def garbled(self, writer, fat_path, data, fat_time):
        return original(self, writer, fat_path, data[::-1], fat_time)

    monkeypatch.setattr(ImageDrive, "_write_entry", garbled)
    with pytest.raises(
        ImageError,
        match=r"internal error writing .*/new.py does not hold "
        r"what was written.*left as it was",
    ):
        drive.sync_to_image()
    assert drive.image.read_bytes() == before


def test_work_folder_gone(tmp_path):
    drive = fresh(tmp_path)
    before = drive.image.read_bytes()
    shutil.rmtree(drive.work)
    with pytest.raises(ImageError, match="is gone"):
        drive.sync_to_image()
    assert drive.image.read_bytes() == before


# -- the reader's bounds and the writer's clean-up ------------------------------------------------


def _edit_image(image: Path):
    """A low-level pyfatfs handle on ``image``, as a damaging writer would use it."""
    pf = PyFat()
    pf.open(str(image))
    return pf


def test_cross_linked_entries_are_damage(tmp_path):
    image = tmp_path / "CIRCUITPY.img"
    ImageDrive(image, tmp_path / "scratch").create(SMALL)
    pf = _edit_image(image)
    shared = pf.root_dir.get_entry("code.py").get_cluster()
    pf.root_dir.get_entry("lib").set_cluster(shared)
    pf.update_directory_entry(pf.root_dir)
    pf.close()
    with pytest.raises(
        ImageError, match=rf"damaged FAT image \(/lib and /code.py share cluster {shared}\)"
    ):
        ImageDrive(image, tmp_path / "work").open()


def test_clusters_past_a_files_size_are_freed_with_it(tmp_path):
    """A chain that runs on past a file's size (sloppy writers leave them) is not damage, and
    deleting the file frees the whole chain."""
    drive = fresh(tmp_path)
    fresh_free = drive.free_bytes()
    pf = _edit_image(drive.image)
    first = pf.root_dir.get_entry("code.py").get_cluster()
    spare = max(i for i, value in enumerate(pf.fat[: drive.size_bytes() // 512 + 2]) if value == 0)
    pf.fat[first] = spare
    pf.fat[spare] = 0xFFF  # end of chain (FAT12)
    pf.flush_fat()
    pf.close()
    drive = ImageDrive(drive.image, tmp_path / "work2")
    drive.open()
    assert drive.free_bytes() == fresh_free - 512
    assert (drive.work / "code.py").read_bytes() == b'print("Hello World!")\n'
    (drive.work / "code.py").unlink()
    drive.sync_to_image()
    assert drive.free_bytes() == fresh_free + 512  # its own cluster and the lost one
    fsck(drive.image)


def test_folder_replaced_by_a_file_named_in_another_case(tmp_path):
    drive = fresh(tmp_path)
    (drive.work / "lib" / "mod.py").write_text("x = 1\n")
    drive.sync_to_image()
    shutil.rmtree(drive.work / "lib")
    (drive.work / "LIB").write_text("a file now\n")
    assert sorted(p.name for p in drive.sync_to_image()) == ["LIB", "lib"]
    _, seen = reopen(drive, tmp_path)
    assert seen["LIB"] == b"a file now\n"
    assert not [k for k in seen if k.lower().startswith("lib/")]
    fsck(drive.image)


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ends with a dot.", "cannot end with a dot or a space"),
        ("ends with a space ", "cannot end with a dot or a space"),
        ("tab\there", r"cannot contain \\t"),
        ("x" * 128 + ".py", "longer than 127 characters"),
    ],
)
def test_names_fat_cannot_store_are_refused(tmp_path, name, problem):
    drive = fresh(tmp_path)
    before = drive.image.read_bytes()
    (drive.work / name).write_text("")
    with pytest.raises(ImageError, match=f"cannot be copied to the image: .*{problem}"):
        drive.sync_to_image()
    assert drive.image.read_bytes() == before
