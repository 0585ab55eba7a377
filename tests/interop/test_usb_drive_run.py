"""Unmodified adafruit_hid and adafruit_midi on a drive filled by ``protoboard install`` from a
bundle our bundler built from PyPI, in a real ``protoboard run`` whose boot.py chooses the USB
devices; what the simulated PC received is read with ``protoboard sim parts``."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import build_py_bundle
from test_board_world_drive import BoardProcess, _protoboard

pytestmark = pytest.mark.network

TAG = "20261206"
PREFIX = "usb-world"
LIBRARIES = {"adafruit-circuitpython-hid": "6.1.10", "adafruit-circuitpython-midi": "1.6.0"}

BOOT = """\
import usb_hid, usb_midi
usb_hid.enable((usb_hid.Device.KEYBOARD, usb_hid.Device.CONSUMER_CONTROL))
usb_midi.enable()
"""

CODE = """\
import usb_hid, usb_midi
import adafruit_midi
from adafruit_hid.keyboard import Keyboard
from adafruit_hid.keyboard_layout_us import KeyboardLayoutUS
from adafruit_midi.note_on import NoteOn
print("devices", len(usb_hid.devices))
KeyboardLayoutUS(Keyboard(usb_hid.devices)).write("Hello")
adafruit_midi.MIDI(midi_out=usb_midi.ports[1], out_channel=0).send(NoteOn(60, 100))
try:
    usb_hid.enable(())
except RuntimeError as e:
    print("later:", e)
"""


@pytest.fixture(scope="module")
def bundle_zip(tmp_path_factory) -> Path:
    return build_py_bundle(tmp_path_factory.mktemp("bundle"), LIBRARIES, PREFIX, TAG)


def test_hid_and_midi_from_an_installed_drive_in_run(bundle_zip: Path, tmp_path: Path) -> None:
    folder = tmp_path / "CIRCUITPY"
    (folder / "lib").mkdir(parents=True)
    (folder / "boot.py").write_text(BOOT)
    (folder / "code.py").write_text(CODE)
    done = _protoboard(
        tmp_path,
        "install", "adafruit_hid", "adafruit_midi",
        "--path", str(folder), "--bundle", str(bundle_zip), "--cpy-version", "protoboard",
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    board = BoardProcess(folder)
    try:
        text = board.wait_for(r"Code done running\.", timeout=30)
        assert "devices 2" in text
        assert "later: Cannot change USB devices now" in text
        assert "Traceback" not in text
        deadline = time.monotonic() + 30
        while True:  # the control socket comes up with the board
            listed = _protoboard(tmp_path, "sim", "parts", "--drive", str(folder))
            if listed.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert listed.returncode == 0, listed.stdout + listed.stderr
        assert "USB" in listed.stdout and "Hello" in listed.stdout
    finally:
        board.stop()
