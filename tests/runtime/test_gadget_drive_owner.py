"""What the supervisor gives the PC of the drive (``RunOptions.usb_drive``, the USB gadget's LUN),
as CircuitPython's rule says: nothing until boot.py has run, then the drive writable, or
read-only after ``storage.remount("/", readonly=False)`` in boot.py, or nothing after
``storage.disable_usb_drive()``; and nothing again when the board stops.

A supervisor runs on the simulated board with an image drive, in a child process (it installs
signal handlers), and prints each change it asks of the gadget."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from protoboard.runtime.fatimage import ImageDrive

BOARD = textwrap.dedent(
    """
    import sys, threading
    from pathlib import Path
    from protoboard.runtime.supervisor import RunOptions, Supervisor

    def give(state):
        print("USB", state, flush=True)
        if state is not None:  # stop once the PC was given the drive
            threading.Timer(1.0, supervisor._quit, ["test"]).start()

    options = RunOptions(
        drive=Path(sys.argv[2]), port="sim", image=Path(sys.argv[1]), consoles=(),
        usb_drive=give,
    )
    supervisor = Supervisor(options)

    def stop_when_code_wrote():  # code.py's own file: it ran, and was allowed to write
        while not (Path(sys.argv[2]) / "done.txt").exists():
            threading.Event().wait(0.1)
        supervisor._quit("test")

    threading.Thread(target=stop_when_code_wrote, daemon=True).start()
    sys.exit(supervisor.run())
    """
)


def _states(tmp_path: Path, boot: str | None, code: str | None = None) -> list[str]:
    image = tmp_path / "CIRCUITPY.img"
    work = tmp_path / "work"
    drive = ImageDrive(image, work)
    drive.create()
    drive.open()
    if boot is not None:
        (work / "boot.py").write_text(boot)
    if code is not None:
        (work / "code.py").write_text(code)
    drive.sync_to_image(None)
    done = subprocess.run(
        [sys.executable, "-c", BOARD, str(image), str(work)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [line.split(" ", 1)[1] for line in done.stdout.splitlines() if line.startswith("USB ")]


@pytest.mark.parametrize(
    ("boot", "states"),
    [
        (None, ["rw", "None"]),
        ('import storage\nstorage.remount("/", readonly=False)\n', ["ro", "None"]),
    ],
    ids=["pc-has-the-drive", "remount-in-boot.py"],
)
def test_the_pc_gets_the_drive_after_boot(
    tmp_path: Path, boot: str | None, states: list[str]
) -> None:
    assert _states(tmp_path, boot) == states


def test_disable_usb_drive_in_boot_py_keeps_it_off_usb(tmp_path: Path) -> None:
    code = 'with open("/done.txt", "w") as f:\n    f.write("yes")\n'
    states = _states(tmp_path, "import storage\nstorage.disable_usb_drive()\n", code)
    assert states == []
