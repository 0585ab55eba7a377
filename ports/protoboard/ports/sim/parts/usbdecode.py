"""How a PC reads what a USB device sends: HID keyboard usage ids (US layout), consumer-control
codes and MIDI 1.0 messages."""

from __future__ import annotations

import string

_MODIFIERS = (
    "LEFT_CONTROL",
    "LEFT_SHIFT",
    "LEFT_ALT",
    "LEFT_GUI",
    "RIGHT_CONTROL",
    "RIGHT_SHIFT",
    "RIGHT_ALT",
    "RIGHT_GUI",
)

#: usage id -> (unshifted, shifted) character on a US keyboard
_CHARS: dict[int, tuple[str, str]] = {
    **{0x04 + i: (c, c.upper()) for i, c in enumerate(string.ascii_lowercase)},
    **{0x1E + i: (d, s) for i, (d, s) in enumerate(zip("1234567890", "!@#$%^&*()", strict=True))},
    0x28: ("\n", "\n"),
    0x2A: ("\b", "\b"),
    0x2B: ("\t", "\t"),
    0x2C: (" ", " "),
    0x2D: ("-", "_"),
    0x2E: ("=", "+"),
    0x2F: ("[", "{"),
    0x30: ("]", "}"),
    0x31: ("\\", "|"),
    0x33: (";", ":"),
    0x34: ("'", '"'),
    0x35: ("`", "~"),
    0x36: (",", "<"),
    0x37: (".", ">"),
    0x38: ("/", "?"),
}

_NAMES: dict[int, str] = {
    0x28: "ENTER",
    0x29: "ESCAPE",
    0x2A: "BACKSPACE",
    0x2B: "TAB",
    0x2C: "SPACEBAR",
    0x39: "CAPS_LOCK",
    **{0x3A + i: f"F{i + 1}" for i in range(12)},
    0x46: "PRINT_SCREEN",
    0x47: "SCROLL_LOCK",
    0x48: "PAUSE",
    0x49: "INSERT",
    0x4A: "HOME",
    0x4B: "PAGE_UP",
    0x4C: "DELETE",
    0x4D: "END",
    0x4E: "PAGE_DOWN",
    0x4F: "RIGHT_ARROW",
    0x50: "LEFT_ARROW",
    0x51: "DOWN_ARROW",
    0x52: "UP_ARROW",
    0x53: "KEYPAD_NUMLOCK",
    0x65: "APPLICATION",
    **{0x68 + i: f"F{13 + i}" for i in range(12)},
}

CONSUMER_NAMES: dict[int, str] = {
    0x30: "POWER",
    0x6F: "BRIGHTNESS_INCREMENT",
    0x70: "BRIGHTNESS_DECREMENT",
    0xB2: "RECORD",
    0xB3: "FAST_FORWARD",
    0xB4: "REWIND",
    0xB5: "SCAN_NEXT_TRACK",
    0xB6: "SCAN_PREVIOUS_TRACK",
    0xB7: "STOP",
    0xB8: "EJECT",
    0xCD: "PLAY_PAUSE",
    0xE2: "MUTE",
    0xE9: "VOLUME_INCREMENT",
    0xEA: "VOLUME_DECREMENT",
}


def modifier_names(bits: int) -> list[str]:
    return [name for i, name in enumerate(_MODIFIERS) if bits & (1 << i)]


def key_name(code: int) -> str:
    """``A``, ``ONE``-style names are long; letters and digits show as themselves."""
    if code in _NAMES:
        return _NAMES[code]
    if code in _CHARS:
        return _CHARS[code][0].upper()
    return f"0x{code:02x}"


def key_text(code: int, shift: bool, caps_lock: bool) -> str | None:
    """The character a text field gets for this key (None: it types nothing)."""
    chars = _CHARS.get(code)
    if chars is None:
        return None
    letter = chars[0].isalpha()
    shifted = shift != (caps_lock and letter)
    return chars[1] if shifted else chars[0]


_STATUS = {
    0x80: ("NoteOff", ("note", "velocity")),
    0x90: ("NoteOn", ("note", "velocity")),
    0xA0: ("PolyphonicKeyPressure", ("note", "pressure")),
    0xB0: ("ControlChange", ("control", "value")),
    0xC0: ("ProgramChange", ("patch",)),
    0xD0: ("ChannelPressure", ("pressure",)),
    0xE0: ("PitchBend", ("lsb", "msb")),
}
_SYSTEM = {
    0xF8: "TimingClock",
    0xFA: "Start",
    0xFB: "Continue",
    0xFC: "Stop",
    0xFE: "ActiveSensing",
    0xFF: "SystemReset",
}
#: longest SysEx kept whole (longer ones are cut, the count kept)
SYSEX_LIMIT = 4096


class MidiParser:
    """MIDI 1.0 byte stream -> message lines, with running status. Channels are 1-16 as a
    PC's MIDI monitor shows them (adafruit_midi numbers them 0-15)."""

    def __init__(self) -> None:
        self._status = 0
        self._data: list[int] = []
        self._sysex: bytearray | None = None
        self._sysex_length = 0

    def feed(self, data: bytes) -> list[str]:
        out: list[str] = []
        for byte in data:
            line = self._byte(byte)
            if line is not None:
                out.append(line)
        return out

    def _byte(self, byte: int) -> str | None:
        if byte >= 0xF8:  # real-time: may come between any bytes
            return _SYSTEM.get(byte, f"System 0x{byte:02x}")
        if self._sysex is not None:
            if byte == 0xF7 or byte >= 0x80:
                data, length, self._sysex = bytes(self._sysex), self._sysex_length, None
                return f"SystemExclusive {data.hex(' ')}" + (
                    f" ... ({length} bytes)" if length > len(data) else ""
                )
            self._sysex_length += 1
            if len(self._sysex) < SYSEX_LIMIT:
                self._sysex.append(byte)
            return None
        if byte == 0xF0:
            self._sysex, self._sysex_length = bytearray(), 0
            return None
        if byte >= 0x80:
            self._status, self._data = byte, []
            return None
        if not self._status:
            return None  # data with no status yet: a PC ignores it
        self._data.append(byte)
        kind, fields = _STATUS.get(self._status & 0xF0, ("Unknown", ("data",)))
        if len(self._data) < len(fields):
            return None
        values, self._data = self._data, []
        channel = (self._status & 0x0F) + 1
        if kind == "PitchBend":
            return f"PitchBend channel={channel} pitch_bend={values[0] | values[1] << 7}"
        text = " ".join(f"{name}={value}" for name, value in zip(fields, values, strict=False))
        return f"{kind} channel={channel} {text}"
