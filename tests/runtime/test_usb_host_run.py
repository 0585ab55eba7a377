"""USB devices in a running board's host port: wired by the parts file, driven with
``protoboard sim set`` while ``protoboard run`` runs, as the "USB host" docs page shows."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ECHO_KEYS = textwrap.dedent("""
    import array
    import usb.core

    keyboard = usb.core.find(idVendor=0x04D9)
    keyboard.set_configuration()
    if keyboard.is_kernel_driver_active(0):
        keyboard.detach_kernel_driver(0)
    print("ready", keyboard.product)
    report = array.array("B", [0] * 8)
    while True:
        try:
            keyboard.read(0x81, report, timeout=20)
        except usb.core.USBTimeoutError:
            continue
        if report[2]:
            print("key", report[2], "modifiers", report[0])
""")

PARTS = '[KEYBOARD]\ntype = "USBKeyboard"\n\n[MOUSE]\ntype = "USBMouse"\n'


def sim(*args: str, drive: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "sim", *args, "--drive", str(drive)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_typing_on_the_simulated_keyboard_of_a_running_board(start_board) -> None:
    board = start_board(
        {"code.py": ECHO_KEYS, "parts.toml": PARTS},
        args=("--board", "adafruit_feather_rp2040_usb_host"),
    )
    board.wait_for("ready Simulated USB Keyboard")
    typed = sim("set", "KEYBOARD.text", "Hi", drive=board.drive)
    assert typed.returncode == 0, typed.stderr
    board.wait_for("key 11 modifiers 2")  # H, with Shift
    board.wait_for("key 12 modifiers 0")  # i
    listed = sim("parts", drive=board.drive)
    assert "KEYBOARD (USBKeyboard)" in listed.stdout
    assert "MOUSE (USBMouse)" in listed.stdout
    # typing is an action: the world does not replay it at the next run
    assert "KEYBOARD.text" not in sim("world", drive=board.drive).stdout
    held = sim("set", "KEYBOARD.keys", "LEFT_CONTROL C", drive=board.drive)
    assert held.returncode == 0, held.stderr
    board.wait_for("key 6 modifiers 1")
    assert "KEYBOARD.keys = 'LEFT_CONTROL C'" in sim("world", drive=board.drive).stdout
    wrong = sim("set", "KEYBOARD.keys", "SHIFTY", drive=board.drive)
    assert wrong.returncode != 0
    assert "no key named 'SHIFTY'" in wrong.stderr
