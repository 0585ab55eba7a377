"""tutorials/macro_keyboard: adafruit_hid on the built-in usb_hid; the simulated computer at the
other end of the USB cable (the board's USB part) receives each macro."""

from __future__ import annotations

import sys

import pytest
from tutorial_helpers import Console

pytestmark = pytest.mark.network

BUTTONS = ("copy", "paste", "greeting", "volume")


def test_each_button_sends_its_macro(sim, tutorial, monkeypatch) -> None:
    tutorial.wire("macro_keyboard")
    pending = list(BUTTONS)

    def on_line(line: str) -> None:
        # press the next button when the program is ready for it, let go once it has sent
        if line.startswith("Sent:"):
            sim.part(BUTTONS[len(BUTTONS) - len(pending) - 1]).release()
        if pending and (line == "Ready" or line.startswith("Sent:")):
            sim.part(pending.pop(0)).press()

    console = Console(on_line)
    monkeypatch.setattr(sys, "stdout", console)
    result = tutorial("macro_keyboard", timeout=1.5)
    monkeypatch.undo()
    assert result.ok, result.traceback

    assert console.getvalue().splitlines() == [
        "Ready",
        "Sent: copy",
        "Sent: paste",
        "Sent: greeting",
        "Sent: volume up",
    ]
    host = sim.part("USB")
    assert host.text == "Hello from my macro keyboard!\n"
    shortcuts = [e for e in host.events if "CONTROL" in e]
    assert shortcuts == ["keyboard: LEFT_CONTROL+C", "keyboard: LEFT_CONTROL+V"]
    assert list(host.consumer) == ["VOLUME_INCREMENT"]
    assert host.keys == ()  # nothing left held down
