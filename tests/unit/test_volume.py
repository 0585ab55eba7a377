"""The path rules every workflow (BLE, web) applies to the drive."""

import os

import pytest

from protoboard.runtime.drive import TEMP_PREFIX
from protoboard.runtime.volume import PathRefused, WorkflowVolume, fat_truncate


def test_resolve_and_refusals(tmp_path):
    drive = tmp_path / "drive"
    (drive / "lib").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    os.symlink(outside, drive / "escape")
    os.symlink(drive / "lib", drive / "inner")
    volume = WorkflowVolume(drive)
    root = os.path.realpath(drive)
    assert volume.resolve("/") == ("/", drive.resolve())
    assert volume.resolve("//lib//x.py/") == ("/lib/x.py", drive.resolve() / "lib" / "x.py")
    assert volume.resolve("/inner")[0] == "/inner"  # a symlink that stays inside is fine
    for path, kind in [
        ("/../etc", "invalid"),
        ("/a\x00b", "invalid"),
        ("/a\\b", "invalid"),
        ("/" + "x" * 256, "invalid"),
        ("/\udcff", "invalid"),
        (f"/{TEMP_PREFIX}code.py.tmp", "hidden"),
        ("/escape", "outside"),
        ("/escape/file", "outside"),
    ]:
        with pytest.raises(PathRefused) as refused:
            volume.resolve(path)
        assert refused.value.kind == kind, path
    assert volume.inside(root) and not volume.inside(str(outside))


def test_entries_hide_temporary_files_and_escapes(tmp_path):
    drive = tmp_path / "drive"
    drive.mkdir()
    (drive / "code.py").write_text("x")
    (drive / f"{TEMP_PREFIX}code.py.tmp").write_text("half")
    os.symlink(tmp_path, drive / "escape")
    os.symlink(drive / "missing", drive / "dangling")
    (drive / "lib").mkdir()
    listed = [(name, is_dir) for name, is_dir, _ in WorkflowVolume(drive).entries(drive)]
    assert listed == [("code.py", False), ("lib", True)]


def test_fat_truncate():
    assert fat_truncate(1_700_000_001_500_000_000) == 1_700_000_000_000_000_000
    assert fat_truncate(1_999_999_999) == 0
