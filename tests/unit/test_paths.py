"""Every path a program uses is a drive path (protoboard.runtime.paths)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from protoboard.runtime.paths import DriveMap


def test_rules(tmp_path, monkeypatch):
    drive = tmp_path / "CIRCUITPY"
    (drive / "lib").mkdir(parents=True)
    (drive / "code.py").write_text("")
    (tmp_path / "elsewhere.txt").write_text("")
    monkeypatch.chdir(drive / "lib")
    mapping = DriveMap(drive)
    d = str(drive)
    assert mapping.host("/") == d
    assert mapping.host("/code.py") == f"{d}/code.py"
    assert mapping.host("/data.txt") == f"{d}/data.txt"
    assert mapping.host("/lib/new.py") == f"{d}/lib/new.py"
    assert mapping.host(str(tmp_path / "elsewhere.txt")) == d + str(tmp_path / "elsewhere.txt")
    assert mapping.host("/tmp") == f"{d}/tmp"
    assert mapping.host("/../../etc/passwd") == f"{d}/etc/passwd"
    assert mapping.host("relative.txt") == f"{d}/lib/relative.txt"  # the working folder
    assert mapping.host("../../../x") == f"{d}/x"  # ".." stops at the top
    assert mapping.host(f"{d}/code.py") == f"{d}/code.py"  # a host path into the drive
    assert mapping.host(f"{d}/../elsewhere.txt") == d + str(tmp_path / "elsewhere.txt")
    assert mapping.host(b"/data.txt") == f"{d}/data.txt".encode()
    assert mapping.host(Path("/code.py")) == f"{d}/code.py"
    assert mapping.host(3) == 3  # file descriptors
    assert mapping.cwd() == "/lib"
    assert mapping.result(f"{d}/lib/x") == "/lib/x"
    assert mapping.result("/usr/x") == "/usr/x"


def test_symlinks_out_of_the_drive_are_not_followed(tmp_path):
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (tmp_path / "outside").mkdir()
    (drive / "out").symlink_to(tmp_path / "outside")
    (drive / "dangling").symlink_to(tmp_path / "outside" / "new.txt")
    (drive / "inner").symlink_to(drive / "code.py")
    mapping = DriveMap(drive)
    for path in ("/out/x", "/out", "/dangling"):
        with pytest.raises(FileNotFoundError):
            mapping.host(path)
    assert mapping.host("/out", follow=False) == f"{drive}/out"  # the link itself (unlink)
    assert mapping.host("/inner") == f"{drive}/inner"


def test_installed_in_a_process(tmp_path):
    """install() is permanent in a process: run it in a child."""
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    script = (
        "import os, sys\nfrom protoboard.runtime import paths\n"
        f"os.chdir({str(drive)!r})\n"
        f"paths.install({str(drive)!r}, None)\n"
        "open('/note.txt', 'w').write('x')\n"
        f"try:\n    open({str(tmp_path / 'host.txt')!r}, 'w')\nexcept FileNotFoundError:\n"
        "    pass\n"
        "print(sorted(os.listdir('/')), os.path.exists('/tmp'), open('/note.txt').read(),\n"
        "      os.getcwd(), open('../note.txt').name)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['note.txt'] False x / ../note.txt"
    assert sorted(os.listdir(tmp_path)) == ["CIRCUITPY"]
