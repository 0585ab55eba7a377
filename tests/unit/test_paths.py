"""CircuitPython-style absolute paths land on the drive (protoboard.runtime.paths.map_path)."""

from pathlib import Path

from protoboard.runtime.paths import map_path


def test_rules(tmp_path):
    drive = tmp_path / "CIRCUITPY"
    (drive / "lib").mkdir(parents=True)
    (drive / "code.py").write_text("")
    host_file = tmp_path / "elsewhere.txt"
    host_file.write_text("")
    d = str(drive)
    assert map_path("/", drive) == d
    assert map_path("/code.py", drive) == f"{d}/code.py"  # exists on the drive
    assert map_path("/data.txt", drive) == f"{d}/data.txt"  # new top-level name
    assert map_path("/lib/new.py", drive) == f"{d}/lib/new.py"  # new, under a drive folder
    assert map_path(str(host_file), drive) == str(host_file)  # exists on the computer
    assert map_path("/tmp", drive) == "/tmp"
    assert map_path("/nowhere/x", drive) == "/nowhere/x"  # neither: left alone
    assert map_path("relative.txt", drive) == "relative.txt"
    assert map_path(f"{d}/code.py", drive) == f"{d}/code.py"
    assert map_path(b"/data.txt", drive) == f"{d}/data.txt".encode()
    assert map_path(Path("/code.py"), drive) == f"{d}/code.py"
    assert map_path(3, drive) == 3  # file descriptors


def test_installed_wrappers_do_not_recurse(tmp_path):
    """install() is permanent in a process: run it in a child."""
    import subprocess
    import sys

    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    script = (
        "import os, sys\nfrom pathlib import Path\nfrom protoboard.runtime import paths\n"
        f"paths.install(Path({str(drive)!r}))\n"
        "open('/note.txt', 'w').write('x')\n"
        f"open({str(tmp_path / 'host.txt')!r}, 'w').write('y')\n"
        "print(sorted(os.listdir('/')), os.path.exists('/tmp'), open('/note.txt').read())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['note.txt'] True x"
    assert (tmp_path / "host.txt").read_text() == "y"
