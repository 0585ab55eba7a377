"""The computer at the other end of the board's USB cable, as a part you can read and drive.

It receives what ``usb_hid`` and ``usb_midi`` send and decodes it as a PC does: a keyboard's
reports become the text typed (US layout, Shift and Caps Lock applied, Backspace deletes), a
mouse's become a pointer position and buttons, consumer-control codes become names such as
``VOLUME_INCREMENT``, MIDI bytes become messages such as ``NoteOn channel=1 note=60
velocity=127``. From the host side you can switch the keyboard LEDs (``caps_lock = True``, as a
PC does when someone presses Caps Lock on another keyboard) and send MIDI to the board
(``send_midi(b"\\x90\\x3c\\x40")``).
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from typing import Any

from protoboard.ports.sim.parts.base import Part
from protoboard.ports.sim.parts.usbdecode import (
    CONSUMER_NAMES,
    MidiParser,
    key_name,
    key_text,
    modifier_names,
)

#: reports, events and MIDI messages kept (the oldest go first)
HISTORY = 1000
#: characters of typed text kept
TEXT_LIMIT = 100_000
#: MIDI bytes from the host the board has not read yet
MIDI_IN_LIMIT = 64 * 1024
#: usb_cdc.data bytes kept in each direction
SERIAL_LIMIT = 64 * 1024
SCREEN = (1920, 1080)

_LED_BITS = {"num_lock": 0x01, "caps_lock": 0x02, "scroll_lock": 0x04, "compose": 0x08}
CAPS_LOCK_KEY = 0x39


class UsbHost(Part):
    """The USB host (a PC). Read ``text`` (what the keyboard typed), ``keys`` (held down),
    ``mouse_position``/``mouse_buttons``/``wheel``, ``consumer`` (codes pressed, by name),
    ``midi`` (messages received, decoded), ``events`` (every decoded report as a line) and
    ``reports`` (raw ``(report_id, bytes)``). Set ``caps_lock``/``num_lock``/``scroll_lock``
    to send the keyboard's LED report; call ``send_midi(data)`` to send MIDI to the board.
    ``clear()`` forgets what was received."""

    kind = "UsbHost"
    roles = ()

    def __init__(self, *, name: str | None = None) -> None:
        super().__init__(name=name or "USB")
        self._lock = threading.RLock()
        self.reports: deque[tuple[int, bytes]] = deque(maxlen=HISTORY)
        self.events: deque[str] = deque(maxlen=HISTORY)
        self.midi: deque[str] = deque(maxlen=HISTORY)
        self.consumer: deque[str] = deque(maxlen=HISTORY)
        self._text: list[str] = []
        self._keys: tuple[int, ...] = ()
        self._modifiers = 0
        self.mouse_position = (SCREEN[0] // 2, SCREEN[1] // 2)
        self.mouse_buttons: tuple[str, ...] = ()
        self.wheel = 0
        self._leds = 0
        #: OUT reports waiting for the board, by usage ("keyboard") and report id
        self._out: dict[int, bytes] = {}
        self._keyboard_id: int | None = None
        self._midi_parser = MidiParser()
        self._midi_in = bytearray()
        self._serial_in = bytearray()
        self._serial_out = bytearray()
        #: does a program on the host have usb_cdc.data's port open? (usb_cdc.data.connected)
        self.serial_open = True
        #: called with each event line (the tracer, the run console)
        self.listeners: list[Callable[[str], None]] = []

    def on_attach(self) -> None:
        sim = self.sim

        def to_trace(line: str) -> None:
            if sim is not None and sim.activity_listeners:
                sim.report(self.name, "usb", text=line)

        self.listeners.append(to_trace)
        self._unsubscribe.append(lambda: self.listeners.remove(to_trace))

    # -- what the board sends --------------------------------------------------------------

    def hid_report(self, usage_page: int, usage: int, report_id: int, report: bytes) -> None:
        """An IN report from the board (called by the simulated ``usb_hid``)."""
        with self._lock:
            self.reports.append((report_id, bytes(report)))
            if (usage_page, usage) == (0x01, 0x06) and len(report) == 8:
                self._keyboard_id = report_id
                self._keyboard(report)
            elif (usage_page, usage) == (0x01, 0x02) and len(report) >= 3:
                self._mouse(report)
            elif usage_page == 0x0C and len(report) == 2:
                self._consumer(int.from_bytes(report, "little"))
            else:
                self._note(f"HID report {report_id}: {report.hex(' ')}")

    def midi_out(self, data: bytes) -> None:
        """MIDI bytes from the board."""
        with self._lock:
            for message in self._midi_parser.feed(data):
                self.midi.append(message)
                self._note(f"MIDI {message}")

    # -- decoding --------------------------------------------------------------------------

    def _note(self, line: str) -> None:
        self.events.append(line)
        for listener in list(self.listeners):
            listener(line)

    def _keyboard(self, report: bytes) -> None:
        modifiers = report[0]
        keys = tuple(k for k in report[2:] if k)
        pressed = [k for k in keys if k not in self._keys]
        released = [k for k in self._keys if k not in keys]
        self._keys, self._modifiers = keys, modifiers
        mods = modifier_names(modifiers)
        for code in pressed:
            self._press(code, modifiers, mods)
        if released and not keys:
            self._note("keyboard: all keys released")

    def _press(self, code: int, modifiers: int, mods: list[str]) -> None:
        label = "+".join([*mods, key_name(code)])
        if code == CAPS_LOCK_KEY:  # the PC toggles Caps Lock and lights every keyboard's LED
            self._set_leds(self._leds ^ _LED_BITS["caps_lock"])
        shortcut = modifiers & 0xDD  # Ctrl, Alt, GUI on either side
        text = None if shortcut else key_text(code, bool(modifiers & 0x22), self.caps_lock)
        if text == "\b":
            if self._text:
                self._text.pop()
        elif text is not None:
            self._text.append(text)
            if len(self._text) > TEXT_LIMIT:
                del self._text[: len(self._text) - TEXT_LIMIT]
        shown = f" ({text!r})" if text not in (None, "\b") else ""
        self._note(f"keyboard: {label}{shown}")

    def _mouse(self, report: bytes) -> None:
        buttons = report[0]
        dx, dy = _signed(report[1]), _signed(report[2])
        wheel = _signed(report[3]) if len(report) > 3 else 0
        x = min(max(self.mouse_position[0] + dx, 0), SCREEN[0] - 1)
        y = min(max(self.mouse_position[1] + dy, 0), SCREEN[1] - 1)
        self.mouse_position = (x, y)
        names = tuple(n for bit, n in ((1, "LEFT"), (2, "RIGHT"), (4, "MIDDLE")) if buttons & bit)
        self.mouse_buttons = names
        self.wheel += wheel
        parts = []
        if dx or dy:
            parts.append(f"moved by ({dx}, {dy}) to ({x}, {y})")
        if wheel:
            parts.append(f"wheel {wheel:+d}")
        parts.append("buttons " + ("+".join(names) if names else "none"))
        self._note("mouse: " + ", ".join(parts))

    def _consumer(self, code: int) -> None:
        if code == 0:
            self._note("consumer control: released")
            return
        name = CONSUMER_NAMES.get(code, f"0x{code:04x}")
        self.consumer.append(name)
        self._note(f"consumer control: {name}")

    # -- what the host sends ---------------------------------------------------------------

    def _set_leds(self, bits: int) -> None:
        self._leds = bits & 0xFF
        # to the keyboard the board last typed with (report id 1, usb_hid.Device.KEYBOARD's,
        # before it typed)
        report_id = 1 if self._keyboard_id is None else self._keyboard_id
        self._out[report_id] = bytes([self._leds])

    def take_out_report(self, report_id: int) -> bytes | None:
        """The OUT report for ``report_id`` the host sent and the board has not read."""
        with self._lock:
            return self._out.pop(report_id, None)

    def send_report(self, report_id: int, data: bytes) -> None:
        """Send an OUT report to the board (what a PC sends, e.g. LED states)."""
        with self._lock:
            self._out[report_id] = bytes(data)

    def send_midi(self, data: bytes) -> None:
        """MIDI bytes from the host to the board (``usb_midi.ports[0]`` reads them)."""
        with self._lock:
            room = MIDI_IN_LIMIT - len(self._midi_in)
            if len(data) > room:
                raise ValueError(
                    f"the board has {len(self._midi_in)} MIDI bytes it has not read yet; "
                    f"at most {MIDI_IN_LIMIT} wait, so read them in the program first"
                )
            self._midi_in += bytes(data)

    def midi_for_board(self, size: int) -> bytes:
        with self._lock:
            data = bytes(self._midi_in[:size])
            del self._midi_in[:size]
            return data

    def serial_send(self, data: bytes) -> None:
        """Bytes from the host to the board's ``usb_cdc.data``."""
        with self._lock:
            if len(self._serial_in) + len(data) > SERIAL_LIMIT:
                raise ValueError(
                    f"usb_cdc.data holds at most {SERIAL_LIMIT} unread bytes; "
                    "let the program read some first"
                )
            self._serial_in += bytes(data)

    @property
    def serial_received(self) -> bytes:
        """What the board wrote to ``usb_cdc.data`` (the last SERIAL_LIMIT bytes)."""
        with self._lock:
            return bytes(self._serial_out)

    def serial_for_board(self, size: int) -> bytes:
        with self._lock:
            data = bytes(self._serial_in[:size])
            del self._serial_in[:size]
            return data

    def serial_from_board(self, data: bytes) -> None:
        with self._lock:
            self._serial_out += data
            del self._serial_out[: max(0, len(self._serial_out) - SERIAL_LIMIT)]

    def serial_waiting(self) -> int:
        with self._lock:
            return len(self._serial_in)

    def clear(self) -> None:
        with self._lock:
            self.reports.clear()
            self.events.clear()
            self.midi.clear()
            self.consumer.clear()
            self._text.clear()
            self._serial_out.clear()

    # -- readable state --------------------------------------------------------------------

    @property
    def text(self) -> str:
        """What the board typed, as a text field on the PC shows it."""
        with self._lock:
            return "".join(self._text)

    @text.setter
    def text(self, value: str) -> None:
        """Edit the PC's text field (``""`` clears it), as someone at the PC would."""
        with self._lock:
            self._text = list(str(value)[-TEXT_LIMIT:])

    @property
    def keys(self) -> tuple[str, ...]:
        """Keys held down now (modifiers first), by name."""
        with self._lock:
            return (*modifier_names(self._modifiers), *(key_name(k) for k in self._keys))

    def _led(self, name: str) -> bool:
        return bool(self._leds & _LED_BITS[name])

    def _set_led(self, name: str, on: Any) -> None:
        with self._lock:
            bit = _LED_BITS[name]
            self._set_leds(self._leds | bit if on else self._leds & ~bit)

    @property
    def caps_lock(self) -> bool:
        return self._led("caps_lock")

    @caps_lock.setter
    def caps_lock(self, on: bool) -> None:
        self._set_led("caps_lock", on)

    @property
    def num_lock(self) -> bool:
        return self._led("num_lock")

    @num_lock.setter
    def num_lock(self, on: bool) -> None:
        self._set_led("num_lock", on)

    @property
    def scroll_lock(self) -> bool:
        return self._led("scroll_lock")

    @scroll_lock.setter
    def scroll_lock(self, on: bool) -> None:
        self._set_led("scroll_lock", on)


def _signed(byte: int) -> int:
    return byte - 256 if byte > 127 else byte


def board_host(sim: Any) -> UsbHost:
    """The board's USB host part, attached on first use (named ``USB``)."""
    with sim.lock:
        for part in sim.parts.values():
            if isinstance(part, UsbHost):
                return part
        host = UsbHost(name="USB" if "USB" not in sim.parts else "USB_HOST")
        sim.attach(host)
        return host
