"""Learn-guide programs for the board as a USB host, run unmodified on the simulated board with
the keyboard, mouse and gamepad parts in its host port.

The programs come from adafruit/Adafruit_Learning_System_Guides through the ``learn_guide``
fixture (tests/conftest.py: a clone named by ``PROTOBOARD_LEARN_GUIDES``, else a download at a
pinned commit; without either the tests skip). Each
program loops for ever, so it runs until its time limit while the test presses keys from another
thread once the program has read its first report (no sleeps to guess when it is ready).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.network

#: how long each looping program runs
RUN_S = 2.5


def _when(ready: Callable[[], bool], action: Callable[[], None]) -> threading.Thread:
    """Do ``action`` from another thread once ``ready()`` (bounded: gives up after 10 s)."""

    def run() -> None:
        for _ in range(2000):
            if ready():
                action()
                return
            time.sleep(0.005)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def _run(run_code: Any, program: Path, libs: Path, capsys: Any) -> list[str]:
    result = run_code(program, timeout=RUN_S, lib_paths=[libs])
    out = capsys.readouterr().out
    assert result.ok, (result.traceback, out)
    return [line.rstrip() for line in out.splitlines()]


@pytest.mark.board("adafruit_feather_rp2040_usb_host")
def test_keyboard_report_printer(sim, run_code, adafruit_libs, learn_guide, capsys) -> None:
    keyboard = sim.add("USBKeyboard")
    program = learn_guide("USB_Host_Examples/CircuitPython_Keyboard_USB_Host/code.py")
    keyboard.type("Hi")  # four reports, waiting in the keyboard until the program reads
    _when(lambda: keyboard.pending == 0, lambda: keyboard.tap("LEFT_CONTROL", "F5"))
    lines = [line.strip() for line in _run(run_code, program, adafruit_libs, capsys)]
    assert lines[:5] == [
        "Modifiers: LEFT_SHIFT",
        "Keys: H",
        "No keys pressed",
        "Keys: I",
        "No keys pressed",
    ]
    assert lines[5:8] == ["Modifiers: LEFT_CTRL", "Keys: F5", "No keys pressed"]


@pytest.mark.board("adafruit_feather_rp2040_usb_host")
def test_mouse_basic(sim, run_code, adafruit_libs, learn_guide, capsys) -> None:
    mouse = sim.add("USBMouse")
    program = learn_guide("USB_Host_Examples/CircuitPython_Mouse_Basic/code.py")
    mouse.move(10, -4)
    _when(lambda: mouse.packets_sent >= 1, lambda: setattr(mouse, "buttons", "left right"))
    lines = _run(run_code, program, adafruit_libs, capsys)
    assert lines[:4] == [
        "093a:2510",
        "Protoboard Simulated USB Mouse",
        "None",
        "mouse interface: 0 endpoint_address: 0x81",
    ]
    assert lines[4:6] == ["10,-4", "0,0 left right"]


@pytest.mark.board("adafruit_feather_rp2040_usb_host")
def test_snes_gamepad(sim, run_code, adafruit_libs, learn_guide, capsys) -> None:
    pad = sim.add("USBGamepad")
    program = learn_guide("USB_SNES_Gamepad/CircuitPython_USB_Host/code.py")

    def play() -> None:
        for button in ("A", "START", "UP", "L"):
            pad.tap(button)

    _when(lambda: pad.packets_sent >= 3, play)
    lines = _run(run_code, program, adafruit_libs, capsys)
    assert lines[:5] == [
        "pid 0xe401",
        "vid 0x81f",
        "man None",
        "product USB gamepad",
        "serial None",
    ]
    assert "configuration set for None, USB gamepad           , None" in lines  # its padding
    assert lines[lines.index("Idle state:") + 1].strip() == "7f 7f 7f 7f 7f 0f 00 00"
    pressed = [line for line in lines if line.endswith("pressed")]
    assert pressed == ["A pressed", "START pressed", "D-Pad UP pressed", "L shoulder pressed"]


@pytest.mark.board("adafruit_qtpy_esp32s2")
def test_usb_host_bff_device_info(sim, run_code, adafruit_libs, learn_guide, capsys) -> None:
    sim.add("USBKeyboard")
    sim.add("USBGamepad")
    program = learn_guide("USB_Host_BFF_Examples/CircuitPython_DeviceInfo/code.py")
    lines = _run(run_code, program, adafruit_libs, capsys)
    assert lines[:3] == [
        "Finding devices:",
        "04d9:0006: Protoboard Simulated USB Keyboard",
        "081f:e401: None USB gamepad",
    ]


@pytest.mark.board("adafruit_qtpy_esp32s2")
def test_usb_host_bff_hid_report(sim, run_code, adafruit_libs, learn_guide, capsys) -> None:
    keyboard = sim.add("USBKeyboard")
    program = learn_guide("USB_Host_BFF_Examples/CircuitPython_HIDReport/code.py")
    keyboard.type("a!")
    lines = [line.strip() for line in _run(run_code, program, adafruit_libs, capsys)]
    assert lines[0] == "04d9:0006: Protoboard Simulated USB Keyboard"
    assert lines[1:5] == [
        "0 0 4 0 0 0 0 0",
        "0 0 0 0 0 0 0 0",
        "2 0 30 0 0 0 0 0",
        "0 0 0 0 0 0 0 0",
    ]
