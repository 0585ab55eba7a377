"""Unmodified adafruit_hid, adafruit_midi, neopixel and adafruit_dotstar on the built-in usb_hid,
usb_midi and adafruit_pixelbuf, with the simulated USB host decoding what a PC would see."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from protoboard.ports.sim.parts.base import SPIPart

pytestmark = pytest.mark.network


def test_keyboard_layout_types_text_a_pc_sees(sim, drivers) -> None:
    import usb_hid
    from adafruit_hid.keyboard import Keyboard
    from adafruit_hid.keyboard_layout_us import KeyboardLayoutUS
    from adafruit_hid.keycode import Keycode

    keyboard = Keyboard(usb_hid.devices)
    layout = KeyboardLayoutUS(keyboard)
    layout.write("Hello, World!\n")
    host = sim.part("USB")
    assert host.text == "Hello, World!\n"
    keyboard.send(Keycode.BACKSPACE)
    keyboard.send(Keycode.CONTROL, Keycode.C)  # a shortcut types nothing
    assert host.text == "Hello, World!"
    assert "keyboard: LEFT_CONTROL+C" in host.events
    assert host.keys == ()  # everything released


def test_caps_lock_led_report_from_the_host(sim, drivers) -> None:
    import usb_hid
    from adafruit_hid.keyboard import Keyboard
    from adafruit_hid.keyboard_layout_us import KeyboardLayoutUS
    from adafruit_hid.keycode import Keycode

    keyboard = Keyboard(usb_hid.devices)
    assert not keyboard.led_on(Keyboard.LED_CAPS_LOCK)
    sim.part("USB").caps_lock = True  # someone pressed Caps Lock on the PC's other keyboard
    assert keyboard.led_on(Keyboard.LED_CAPS_LOCK)
    KeyboardLayoutUS(keyboard).write("ab")
    assert sim.part("USB").text == "AB"  # the PC applies Caps Lock
    keyboard.send(Keycode.CAPS_LOCK)  # the board toggles it off again
    assert not sim.part("USB").caps_lock
    assert not keyboard.led_on(Keyboard.LED_CAPS_LOCK)


def test_mouse_and_consumer_control(sim, drivers) -> None:
    import usb_hid
    from adafruit_hid.consumer_control import ConsumerControl
    from adafruit_hid.consumer_control_code import ConsumerControlCode
    from adafruit_hid.mouse import Mouse

    mouse = Mouse(usb_hid.devices)
    host = sim.part("USB")
    x0, y0 = host.mouse_position
    mouse.move(x=30, y=-20)
    assert host.mouse_position == (x0 + 30, y0 - 20)
    mouse.press(Mouse.LEFT_BUTTON)
    assert host.mouse_buttons == ("LEFT",)
    mouse.release_all()
    mouse.move(wheel=-2)
    assert host.wheel == -2 and host.mouse_buttons == ()
    ConsumerControl(usb_hid.devices).send(ConsumerControlCode.VOLUME_INCREMENT)
    ConsumerControl(usb_hid.devices).send(ConsumerControlCode.PLAY_PAUSE)
    assert list(host.consumer) == ["VOLUME_INCREMENT", "PLAY_PAUSE"]
    assert "consumer control: released" in host.events


def test_midi_sent_and_received(sim, drivers) -> None:
    import adafruit_midi
    import usb_midi
    from adafruit_midi.control_change import ControlChange
    from adafruit_midi.note_off import NoteOff
    from adafruit_midi.note_on import NoteOn

    midi = adafruit_midi.MIDI(midi_in=usb_midi.ports[0], midi_out=usb_midi.ports[1], out_channel=0)
    midi.send(NoteOn(60, 127))
    midi.send(NoteOff(60, 0))
    midi.send(ControlChange(7, 100), channel=9)
    host = sim.part("USB")
    assert list(host.midi) == [
        "NoteOn channel=1 note=60 velocity=127",
        "NoteOff channel=1 note=60 velocity=0",
        "ControlChange channel=10 control=7 value=100",
    ]
    host.send_midi(bytes([0x90, 64, 100, 0xB0, 1, 42]))
    first = midi.receive()
    second = midi.receive()
    assert isinstance(first, NoteOn) and (first.note, first.velocity) == (64, 100)
    assert isinstance(second, ControlChange) and (second.control, second.value) == (1, 42)
    assert midi.receive() is None


def test_neopixel_uses_the_builtin_pixelbuf(sim, drivers) -> None:
    import adafruit_pixelbuf
    import board
    import neopixel

    assert not (Path(drivers) / "adafruit_pixelbuf.py").exists()  # not installed from PyPI
    assert adafruit_pixelbuf.__name__ == "protoboard.bindings.adafruit_pixelbuf"
    pixels = neopixel.NeoPixel(board.NEOPIXEL, 1, brightness=0.5, pixel_order=neopixel.GRBW)
    pixels[0] = (10, 10, 10)  # equal RGB on an RGBW strip lights white
    assert pixels[0] == (0, 0, 0, 10)
    assert isinstance(pixels, adafruit_pixelbuf.PixelBuf)


class _DotStarBytes(SPIPart):
    """Records the bytes a DotStar strip receives (clock and data, no chip select)."""

    kind = "DotStarBytes"

    def __init__(self) -> None:
        super().__init__(name="DOTS")
        self.received = bytearray()

    def spi_transfer(self, data: bytes) -> bytes:
        self.received += data
        return bytes(len(data))


def test_dotstar_frame_bytes(sim, drivers) -> None:
    import adafruit_dotstar
    import board

    dots = adafruit_dotstar.DotStar(board.SCK, board.MOSI, 2, brightness=1.0, auto_write=False)
    dots[0] = (255, 0, 0)
    dots[1] = (0, 0, 255, 0.5)
    buf = dots._transmit_buffer if hasattr(dots, "_transmit_buffer") else None
    # header 4 zero bytes, then per pixel 0b111xxxxx + BGR, then the trailer
    frame = bytes(dots.buf) if hasattr(dots, "buf") else bytes(buf or b"")
    assert frame[:4] == b"\0\0\0\0"
    assert frame[4:8] == bytes([0xFF, 0, 0, 255])
    assert frame[8] == 0xE0 | (int(255 * 0.5) >> 3) and frame[9:12] == bytes([255, 0, 0])
    assert dots[1] == (0, 0, 255, (int(255 * 0.5) >> 3) / 31)


KEYBOARD_PROGRAM = """\
import usb_hid
from adafruit_hid.keyboard import Keyboard
from adafruit_hid.keyboard_layout_us import KeyboardLayoutUS
KeyboardLayoutUS(Keyboard(usb_hid.devices)).write("Hi")
print("typed")
"""


def test_exec_trace_shows_decoded_keys(tmp_path, adafruit_libs) -> None:
    program = tmp_path / "code.py"
    program.write_text(KEYBOARD_PROGRAM)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "protoboard.cli",
            "exec",
            str(program),
            "--trace",
            "--lib",
            str(adafruit_libs),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "typed" in done.stdout
    trace = done.stderr
    assert "USB keyboard: LEFT_SHIFT+H ('H')" in trace
    assert "USB keyboard: I ('i')" in trace
    assert textwrap.dedent(trace).count("USB keyboard: all keys released") >= 2
