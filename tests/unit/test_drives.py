"""Finding the CIRCUITPY drive when no --path or --host is given."""

import pytest
from bundle_factory import CP10, drive

from protoboard.updater import drives
from protoboard.updater.drives import DriveNotFound, find_drive


@pytest.fixture
def mounts(monkeypatch, tmp_path):
    points = []
    monkeypatch.setattr(drives, "_mount_points", lambda: points)
    ours = tmp_path / "data" / "CIRCUITPY"
    monkeypatch.setattr("protoboard.runtime.drive.default_location", lambda: ours)
    return points, ours


def test_the_current_folder_wins(tmp_path, mounts):
    here = drive(tmp_path / "project")
    assert find_drive(here) == here


def test_one_mounted_board_then_several(tmp_path, mounts):
    points, _ = mounts
    points += [tmp_path / "proc", drive(tmp_path / "media" / "CIRCUITPY", CP10)]
    (tmp_path / "proc").mkdir()
    assert find_drive(tmp_path) == points[1]
    renamed = drive(tmp_path / "media" / "MYBOARD", CP10)  # found by its boot_out.txt
    points.append(renamed)
    with pytest.raises(DriveNotFound, match="2 CircuitPython drives") as info:
        find_drive(tmp_path)
    assert f"--path {renamed}" in str(info.value)


def test_protoboards_own_drive_then_nothing(tmp_path, mounts):
    _, ours = mounts
    with pytest.raises(DriveNotFound, match="protoboard run"):
        find_drive(tmp_path)
    drive(ours)
    assert find_drive(tmp_path) == ours
