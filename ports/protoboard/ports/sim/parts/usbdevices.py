"""USB devices plugged into the board's USB *host* port: a keyboard, a mouse, a gamepad and a
MIDI controller.

This is the other direction from the ``USB`` part (:mod:`.usbhost`, the PC at the end of the
board's own USB cable). Here the board is the host, as a Feather RP2040 USB Host, a Metro RP2350
or a board with a MAX3421E is, and these parts are the devices in its USB-A socket. Each answers
as real hardware does, byte for byte: device, configuration, interface, endpoint, HID and report
descriptors and strings for GET_DESCRIPTOR; SET_ADDRESS, SET_CONFIGURATION, GET/SET_INTERFACE,
CLEAR_FEATURE(ENDPOINT_HALT); the HID class requests GET_REPORT, SET_REPORT (a keyboard's LEDs),
GET/SET_IDLE and GET/SET_PROTOCOL (boot or report protocol). Anything else STALLs.

Interrupt IN reads follow the controls: ``press("A")``, ``type("hello")``, ``move(10, -5)``,
``buttons = "left"``, ``press("START")``. A keyboard or mouse NAKs while nothing changed (the
program's ``read(..., timeout=...)`` then raises ``USBTimeoutError``), resends its report every
idle period if the host asked for one with SET_IDLE, and a generic gamepad answers every poll
with its state, as the cheap SNES-style pads do. ``plugged = False`` unplugs a device.

Your own device: subclass :class:`USBDevice`, give it descriptors and override
:meth:`USBDevice.interrupt_in` (and :meth:`USBDevice.class_request` for class requests).
"""

from __future__ import annotations

import struct
import threading
import time
from collections import deque
from typing import Any, ClassVar

from protoboard.hal.usb_host import SPEED_FULL, SPEED_LOW, Stalled
from protoboard.ports.sim.parts.base import Part
from protoboard.ports.sim.parts.usbdecode import _CHARS, _MODIFIERS, _NAMES, key_name

#: reports a keyboard holds for the program before it refuses more
REPORT_QUEUE = 256
#: the longest text ``type()`` takes at once
TEXT_LIMIT = 1000

GET_STATUS, CLEAR_FEATURE, SET_FEATURE, SET_ADDRESS = 0x00, 0x01, 0x03, 0x05
GET_DESCRIPTOR, GET_CONFIGURATION, SET_CONFIGURATION = 0x06, 0x08, 0x09
GET_INTERFACE, SET_INTERFACE = 0x0A, 0x0B
HID_GET_REPORT, HID_GET_IDLE, HID_GET_PROTOCOL = 0x01, 0x02, 0x03
HID_SET_REPORT, HID_SET_IDLE, HID_SET_PROTOCOL = 0x09, 0x0A, 0x0B


# -- descriptors (USB 2.0 chapter 9, HID 1.11) ---------------------------------------------------


def device_descriptor(
    vid: int,
    pid: int,
    *,
    bcd_device: int = 0x0100,
    max_packet0: int = 8,
    strings: tuple[int, int, int] = (1, 2, 3),
    device_class: int = 0,
) -> bytes:
    """An 18-byte device descriptor (USB 2.0, one configuration)."""
    ids = struct.pack("<HHH", vid, pid, bcd_device)
    return bytes([18, 0x01, 0x00, 0x02, device_class, 0, 0, max_packet0, *ids, *strings, 1])


def hid_interface(
    number: int,
    *,
    subclass: int,
    protocol: int,
    report_descriptor: bytes,
    endpoint: int = 0x81,
    max_packet: int = 8,
    interval_ms: int = 10,
) -> bytes:
    """An HID interface: interface, HID and one interrupt IN endpoint descriptor."""
    interface = bytes([9, 0x04, number, 0, 1, 0x03, subclass, protocol, 0])
    hid = bytes([9, 0x21, 0x11, 0x01, 0, 1, 0x22]) + len(report_descriptor).to_bytes(2, "little")
    ep = bytes([7, 0x05, endpoint, 0x03]) + max_packet.to_bytes(2, "little") + bytes([interval_ms])
    return interface + hid + ep


def configuration_descriptor(*interfaces: bytes, value: int = 1, max_power_ma: int = 100) -> bytes:
    """A configuration descriptor followed by its interfaces (bus powered)."""
    body = b"".join(interfaces)
    count = sum(1 for kind, _ in _walk(body) if kind == 0x04)
    total = 9 + len(body)
    head = bytes([9, 0x02]) + total.to_bytes(2, "little")
    return head + bytes([count, value, 0, 0x80, max_power_ma // 2]) + body


def string_descriptor(text: str) -> bytes:
    data = text.encode("utf-16-le")
    return bytes([2 + len(data), 0x03]) + data


def _walk(data: bytes) -> list[tuple[int, bytes]]:
    found, offset = [], 0
    while offset + 2 <= len(data) and data[offset] >= 2:
        found.append((data[offset + 1], data[offset : offset + data[offset]]))
        offset += data[offset]
    return found


# The report descriptors, written from the HID spec's item encoding (HID 1.11 section 6.2.2).

#: the boot keyboard's: 8 modifier bits, a reserved byte, 5 LED bits out, 6 key codes
KEYBOARD_REPORT_DESCRIPTOR = bytes.fromhex(
    "05 01 09 06 a1 01"  # Generic Desktop, Keyboard, Collection (Application)
    "05 07 19 e0 29 e7 15 00 25 01 75 01 95 08 81 02"  # modifiers: 8 x 1 bit
    "95 01 75 08 81 01"  # reserved byte (constant)
    "05 08 19 01 29 05 95 05 75 01 91 02"  # LEDs: 5 x 1 bit (output)
    "95 01 75 03 91 01"  # LED padding
    "05 07 19 00 29 ff 15 00 26 ff 00 95 06 75 08 81 00"  # 6 key codes
    "c0"
)

#: a three-button mouse with a wheel: buttons, X, Y, wheel (the boot protocol drops the wheel)
MOUSE_REPORT_DESCRIPTOR = bytes.fromhex(
    "05 01 09 02 a1 01 09 01 a1 00"  # Generic Desktop, Mouse, Application, Pointer (Physical)
    "05 09 19 01 29 03 15 00 25 01 95 03 75 01 81 02"  # 3 buttons
    "95 01 75 05 81 01"  # padding
    "05 01 09 30 09 31 09 38 15 81 25 7f 75 08 95 03 81 06"  # X, Y, wheel: relative
    "c0 c0"
)

#: the generic USB SNES-style pad (DragonRise chip): 5 axes, a hat, 12 buttons, a vendor byte
GAMEPAD_REPORT_DESCRIPTOR = bytes.fromhex(
    "05 01 09 04 a1 01 a1 02"  # Generic Desktop, Joystick, Application, Logical
    "75 08 95 05 15 00 26 ff 00 35 00 46 ff 00 09 30 09 31 09 32 09 32 09 35 81 02"
    "75 04 95 01 25 07 46 3b 01 65 14 09 39 81 42"  # hat switch, null state
    "65 00 75 01 95 0c 25 01 45 01 05 09 19 01 29 0c 81 02"  # 12 buttons
    "06 00 ff 75 01 95 08 25 01 45 01 09 01 81 02"  # vendor bits
    "c0 c0"
)

_KEY_CODES: dict[str, int] = {
    **{name: code for code, name in _NAMES.items()},
    **{chars[0].upper(): code for code, chars in _CHARS.items() if chars[0].isalnum()},
    "SPACE": 0x2C,
    "ESC": 0x29,
    "MINUS": 0x2D,
    "EQUALS": 0x2E,
    "COMMA": 0x36,
    "PERIOD": 0x37,
    "SLASH": 0x38,
    "SEMICOLON": 0x33,
    "QUOTE": 0x34,
    "GRAVE": 0x35,
    "BACKSLASH": 0x31,
    "LEFT_BRACKET": 0x2F,
    "RIGHT_BRACKET": 0x30,
    "NUM_LOCK": 0x53,
}
_MODIFIER_BITS = {name: 1 << i for i, name in enumerate(_MODIFIERS)}
_MODIFIER_BITS.update(
    {"SHIFT": 0x02, "CONTROL": 0x01, "CTRL": 0x01, "ALT": 0x04, "GUI": 0x08, "LEFT_CTRL": 0x01}
)
#: character -> (usage id, shifted) on a US keyboard
_CHAR_KEYS: dict[str, tuple[int, bool]] = {}
for _code, (_plain, _shifted) in _CHARS.items():
    _CHAR_KEYS.setdefault(_plain, (_code, False))
    _CHAR_KEYS.setdefault(_shifted, (_code, True))


def _signed8(value: int) -> int:
    return max(-127, min(127, value))


class USBDevice(Part):
    """A device in the board's USB host port; base of the keyboard, mouse and gamepad.

    Set ``device_descriptor``, ``configuration_descriptor``, ``strings`` (index -> text) and
    ``report_descriptors`` (interface -> bytes) in ``__init__``; the host reads them as bytes, so
    a test can corrupt them to see how a program copes. ``plugged`` (settable) unplugs and plugs
    it back; ``status`` says what the host made of it; ``requests`` lists the control requests
    it answered (the last 200). ``halt(endpoint)`` makes an endpoint STALL until the host clears
    it with CLEAR_FEATURE.
    """

    kind = "USBDevice"
    roles = ()
    #: attributes ``protoboard sim set`` changes for this run only (actions, not state)
    momentary: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, *, speed: int = SPEED_FULL, name: str | None = None) -> None:
        super().__init__(name=name)
        self.lock = threading.RLock()
        self.device_descriptor = b""
        self.configuration_descriptor = b""
        self.strings: dict[int, str] = {}
        self.report_descriptors: dict[int, bytes] = {}
        self._speed = speed
        #: what the host made of it ("enumerated at address 1", "enumeration failed: ...")
        self._status = "not seen by a host yet"
        self.requests: deque[str] = deque(maxlen=200)
        self._generation = 1
        self._plugged = True
        self._packets_sent = 0
        self._reset()

    def _reset(self) -> None:
        self._address = 0
        self._configuration = 0
        self.halted: set[int] = set()
        self._protocol = 1  # HID devices start in report protocol (HID 1.11 section 7.2.6)
        self._idle_4ms = 0
        self._last_in_ns = 0

    @property
    def status(self) -> str:
        """What the host made of the device (``enumerated at address 1``, ``enumeration failed:
        ...``, ``unplugged``)."""
        return self._status

    @property
    def speed(self) -> int:
        """``usb.util.SPEED_LOW`` (keyboards, mice, pads) or ``SPEED_FULL``."""
        return self._speed

    @property
    def packets_sent(self) -> int:
        """IN packets (reports) the host has taken from the device since it was attached."""
        return self._packets_sent

    @property
    def generation(self) -> int:
        """How many times the device was plugged in (a host tells connections apart by it)."""
        return self._generation

    @property
    def address(self) -> int:
        """The address the host gave it with SET_ADDRESS (0 before)."""
        return self._address

    @property
    def configuration(self) -> int:
        """The configuration the host set (0: not configured)."""
        return self._configuration

    @property
    def protocol(self) -> str:
        """``"report"`` or ``"boot"``: what the host chose with SET_PROTOCOL."""
        return "report" if self._protocol else "boot"

    # -- plugging -----------------------------------------------------------------------------

    @property
    def plugged(self) -> bool:
        """Whether the device is in the socket (False: unplugged; the program's find() no
        longer returns it and reads from it raise ``usb.core.USBError``)."""
        return self._plugged

    @plugged.setter
    def plugged(self, value: bool) -> None:
        with self.lock:
            value = bool(value)
            if value and not self._plugged:
                self._generation += 1  # a new connection: the host enumerates it afresh
                self._reset()
                self._status = "plugged in, not enumerated yet"
            elif not value and self._plugged:
                self._status = "unplugged"
            self._plugged = value

    def note(self, line: str) -> None:
        """Tell the trace (``protoboard exec --trace``) and the board view."""
        self.requests.append(line)
        sim = self.sim
        if sim is not None and sim.activity_listeners:
            sim.report(self.name, "usb", text=line)

    # -- endpoint 0 ---------------------------------------------------------------------------

    def control(self, setup: bytes, data: bytes) -> bytes:
        """Answer one control request (``setup`` is the 8-byte SETUP packet, ``data`` the OUT
        data stage). Returns the IN data stage; raises :class:`Stalled` for a request the
        device does not support."""
        request_type, request = setup[0], setup[1]
        value = int.from_bytes(setup[2:4], "little")
        index = int.from_bytes(setup[4:6], "little")
        length = int.from_bytes(setup[6:8], "little")
        with self.lock:
            kind = request_type & 0x60
            if kind == 0x00:
                answer = self.standard_request(request_type, request, value, index, data)
            elif kind == 0x20:
                answer = self.class_request(request_type, request, value, index, data, length)
            else:
                raise Stalled(f"{self.name} does not support vendor request {request:#04x}")
            return answer[:length]

    def standard_request(
        self, request_type: int, request: int, value: int, index: int, data: bytes
    ) -> bytes:
        if request == GET_DESCRIPTOR:
            return self.descriptor(value >> 8, value & 0xFF, index, request_type & 0x1F)
        if request == SET_ADDRESS:
            self._address = value & 0x7F
            return b""
        if request == SET_CONFIGURATION:
            configs = {self.configuration_descriptor[5]} if self.configuration_descriptor else set()
            if value and value not in configs:
                raise Stalled(f"{self.name} has no configuration {value}")
            self._configuration = value
            self.halted.clear()
            self.note(f"SET_CONFIGURATION {value}")
            return b""
        if request == GET_CONFIGURATION:
            return bytes([self._configuration])
        if request == GET_STATUS:
            recipient = request_type & 0x1F
            halted = recipient == 2 and (index & 0xFF) in self.halted
            return bytes([1 if halted else 0, 0])
        if request == CLEAR_FEATURE and request_type & 0x1F == 2 and value == 0:
            self.halted.discard(index & 0xFF)  # ENDPOINT_HALT cleared
            return b""
        if request == SET_FEATURE and request_type & 0x1F == 2 and value == 0:
            self.halted.add(index & 0xFF)
            return b""
        if request == GET_INTERFACE:
            return b"\x00"
        if request == SET_INTERFACE and value == 0:
            return b""
        raise Stalled(f"{self.name} does not support standard request {request:#04x}")

    def descriptor(self, kind: int, number: int, language: int, recipient: int) -> bytes:
        if kind == 0x01 and recipient == 0:
            return self.device_descriptor
        if kind == 0x02 and recipient == 0 and number == 0:
            return self.configuration_descriptor
        if kind == 0x03 and recipient == 0:
            if number == 0:
                return bytes([4, 0x03, 0x09, 0x04])  # English (United States)
            if number in self.strings:
                return string_descriptor(self.strings[number])
        if kind == 0x22 and recipient == 1 and language in self.report_descriptors:
            return self.report_descriptors[language]  # (wIndex is the interface here)
        if kind == 0x21 and recipient == 1:
            for found, body in _walk(self.configuration_descriptor):
                if found == 0x21:
                    return bytes(body)
        raise Stalled(f"{self.name} has no descriptor type {kind:#04x} index {number}")

    def class_request(
        self, request_type: int, request: int, value: int, index: int, data: bytes, length: int
    ) -> bytes:
        """HID class requests; override for another class."""
        if request == HID_SET_IDLE:
            self._idle_4ms = value >> 8
            return b""
        if request == HID_GET_IDLE:
            return bytes([self._idle_4ms])
        if request == HID_SET_PROTOCOL:
            self._protocol = value & 1
            self.note(f"SET_PROTOCOL {'report' if self._protocol else 'boot'}")
            return b""
        if request == HID_GET_PROTOCOL:
            return bytes([self._protocol])
        if request == HID_GET_REPORT and value >> 8 == 1:
            return self.current_report()
        if request == HID_SET_REPORT and value >> 8 == 2:
            self.output_report(data)
            return b""
        raise Stalled(f"{self.name} does not support class request {request:#04x}")

    # -- the endpoints a program reads --------------------------------------------------------

    def halt(self, endpoint: int) -> None:
        """Make ``endpoint`` STALL (the program sees ``usb.core.USBError: Pipe error``) until
        the host sends CLEAR_FEATURE(ENDPOINT_HALT)."""
        with self.lock:
            self.halted.add(endpoint)

    def endpoint_in(self, endpoint: int) -> bytes | None:
        """The host polls an IN endpoint: bytes, or None to NAK. Interrupt endpoints answer at
        most once per bInterval."""
        with self.lock:
            if endpoint in self.halted:
                raise Stalled(f"{self.name}'s endpoint {endpoint:#04x} is halted")
            now = time.monotonic_ns()
            if now - self._last_in_ns < self.interval_ms(endpoint) * 1_000_000:
                return None
            data = self.interrupt_in(endpoint, now)
            if data is not None:
                self._last_in_ns = now
                self._packets_sent += 1
            return data

    def endpoint_out(self, endpoint: int, data: bytes) -> int:
        with self.lock:
            if endpoint in self.halted:
                raise Stalled(f"{self.name}'s endpoint {endpoint:#04x} is halted")
            return self.interrupt_out(endpoint, data)

    def interval_ms(self, endpoint: int) -> int:
        for kind, body in _walk(self.configuration_descriptor):
            if kind == 0x05 and len(body) >= 7 and body[2] == endpoint:
                return body[6]
        return 1

    def interrupt_in(self, endpoint: int, now_ns: int) -> bytes | None:
        """Override: the next IN packet, or None when there is nothing to send (NAK)."""
        return None

    def interrupt_out(self, endpoint: int, data: bytes) -> int:
        """Override: an OUT packet arrived; return how many bytes were taken."""
        return len(data)

    def current_report(self) -> bytes:
        """Override: the input report now (GET_REPORT)."""
        return b""

    def output_report(self, data: bytes) -> None:
        """Override: an output report from SET_REPORT."""

    def idle_due(self, now_ns: int) -> bool:
        """Whether the idle period the host set (SET_IDLE) has passed since the last report."""
        return self._idle_4ms > 0 and now_ns - self._last_in_ns >= self._idle_4ms * 4_000_000


class USBKeyboard(USBDevice):
    """A USB keyboard (boot keyboard, US layout) in the board's host port.

    ``press("A")``, ``press("LEFT_SHIFT", "A")``, ``release("A")``, ``release_all()``,
    ``tap("ENTER")`` (press then release) and ``type("Hello!")`` queue the reports a real
    keyboard sends; ``keys`` (settable: ``"LEFT_CONTROL C"``, ``""``) is what is held down.
    ``leds`` lists the LEDs the host lit with SET_REPORT (``caps_lock``...). Key names are
    adafruit_hid's Keycode names (``A``, ``ONE`` or ``1``, ``ENTER``, ``SPACE``, ``F1``,
    ``UP_ARROW``, ``LEFT_SHIFT``...).
    """

    kind = "USBKeyboard"
    momentary = frozenset({"text"})

    def __init__(
        self,
        *,
        vid: int = 0x04D9,
        pid: int = 0x0006,
        manufacturer: str = "Protoboard",
        product: str = "Simulated USB Keyboard",
        serial: str = "KB0001",
        name: str | None = None,
    ) -> None:
        super().__init__(speed=SPEED_LOW, name=name or "KEYBOARD")
        self.device_descriptor = device_descriptor(vid, pid)
        self.configuration_descriptor = configuration_descriptor(
            hid_interface(0, subclass=1, protocol=1, report_descriptor=KEYBOARD_REPORT_DESCRIPTOR)
        )
        self.strings = {1: manufacturer, 2: product, 3: serial}
        self.report_descriptors = {0: KEYBOARD_REPORT_DESCRIPTOR}
        self._modifiers = 0
        self._held: list[int] = []
        self._queue: deque[bytes] = deque()
        self._led_bits = 0
        self._typed: list[str] = []

    # -- controls -----------------------------------------------------------------------------

    def _code(self, key: object) -> tuple[int, int]:
        """(modifier bit, usage id) of a key name, a usage id or a one-character string."""
        if isinstance(key, int) and not isinstance(key, bool):
            if 0xE0 <= key <= 0xE7:
                return 1 << (key - 0xE0), 0
            if 0 < key < 0xE0:
                return 0, key
            raise ValueError(f"a key code is 1 to 0xE7, not {key:#x}")
        text = str(key).strip()
        upper = text.upper().replace(" ", "_")
        if upper in _MODIFIER_BITS:
            return _MODIFIER_BITS[upper], 0
        named = {"ONE": "1", "TWO": "2", "THREE": "3", "FOUR": "4", "FIVE": "5", "SIX": "6"}
        named.update({"SEVEN": "7", "EIGHT": "8", "NINE": "9", "ZERO": "0", "RETURN": "ENTER"})
        upper = named.get(upper, upper)
        if upper in _KEY_CODES:
            return 0, _KEY_CODES[upper]
        if len(text) == 1 and text in _CHAR_KEYS:
            return 0, _CHAR_KEYS[text][0]
        raise ValueError(
            f"no key named {key!r} (use names like A, 1, ENTER, SPACE, F1, UP_ARROW, LEFT_SHIFT)"
        )

    def _room(self, reports: int) -> None:
        if len(self._queue) + reports > REPORT_QUEUE:
            raise ValueError(
                f"the keyboard holds {REPORT_QUEUE} reports the program has not read yet; "
                "let the program read them (or unplug the keyboard) before pressing more"
            )

    def _push(self) -> None:
        self._room(1)
        keys = (self._held + [0] * 6)[:6] if len(self._held) <= 6 else [1] * 6  # rollover
        self._queue.append(bytes([self._modifiers, 0, *keys]))

    def press(self, *keys: object) -> None:
        """Hold ``keys`` down (names, usage ids or characters)."""
        codes = [self._code(key) for key in keys]
        with self.lock:
            self._room(1)
            for bit, code in codes:
                self._modifiers |= bit
                if code and code not in self._held:
                    self._held.append(code)
            self._push()
            self.note("press " + " ".join(str(k) for k in keys))

    def release(self, *keys: object) -> None:
        """Let go of ``keys``."""
        codes = [self._code(key) for key in keys]
        with self.lock:
            self._room(1)
            for bit, code in codes:
                self._modifiers &= ~bit
                if code in self._held:
                    self._held.remove(code)
            self._push()

    def release_all(self) -> None:
        with self.lock:
            self._room(1)
            self._modifiers = 0
            self._held.clear()
            self._push()

    def tap(self, *keys: object) -> None:
        """Press ``keys`` together, then release them."""
        with self.lock:
            self._room(2)
            self.press(*keys)
            self.release(*keys)

    def type(self, text: str) -> None:
        """Type ``text`` as someone would on a US keyboard (Shift where needed)."""
        text = str(text)
        if len(text) > TEXT_LIMIT:
            raise ValueError(f"type() takes at most {TEXT_LIMIT} characters at once")
        unknown = sorted({c for c in text if c not in _CHAR_KEYS})
        if unknown:
            raise ValueError(f"a US keyboard has no key for {''.join(unknown)!r}")
        with self.lock:
            if len(self._queue) + 2 * len(text) > REPORT_QUEUE:
                raise ValueError(
                    f"typing {len(text)} characters needs {2 * len(text)} reports; the "
                    f"keyboard holds {REPORT_QUEUE} unread at most ({len(self._queue)} wait now)"
                )
            for char in text:
                code, shift = _CHAR_KEYS[char]
                saved = self._modifiers
                self._modifiers = saved | (0x02 if shift else 0)
                self._held.append(code)
                self._push()
                self._held.remove(code)
                self._modifiers = saved
                self._push()
            self._typed.append(text)
            self.note(f"type {text!r}")

    @property
    def text(self) -> str:
        """What ``type()`` typed in this run; set it to type more (``sim set KEYBOARD.text
        hello``)."""
        return "".join(self._typed)

    @text.setter
    def text(self, value: str) -> None:
        self.type(value)

    @property
    def keys(self) -> str:
        """The keys held down, modifiers first (``"LEFT_SHIFT A"``); set it to hold others."""
        held = [n for i, n in enumerate(_MODIFIERS) if self._modifiers & (1 << i)]
        held += [key_name(code) for code in self._held]
        return " ".join(held)

    @keys.setter
    def keys(self, value: str) -> None:
        wanted = [self._code(k) for k in str(value).replace(",", " ").split()]
        with self.lock:
            self._room(1)
            self._modifiers = 0
            self._held = []
            for bit, code in wanted:
                self._modifiers |= bit
                if code and code not in self._held:
                    self._held.append(code)
            self._push()

    @property
    def leds(self) -> tuple[str, ...]:
        """The LEDs the host turned on (``num_lock``, ``caps_lock``, ``scroll_lock``...)."""
        names = ("num_lock", "caps_lock", "scroll_lock", "compose", "kana")
        return tuple(n for i, n in enumerate(names) if self._led_bits & (1 << i))

    @property
    def pending(self) -> int:
        """Reports queued that the program has not read yet."""
        return len(self._queue)

    # -- the device side ----------------------------------------------------------------------

    def current_report(self) -> bytes:
        return bytes([self._modifiers, 0, *(self._held + [0] * 6)[:6]])

    def interrupt_in(self, endpoint: int, now_ns: int) -> bytes | None:
        if self._queue:
            return self._queue.popleft()
        if self.idle_due(now_ns):
            return self.current_report()
        return None

    def output_report(self, data: bytes) -> None:
        if data:
            self._led_bits = data[0]
            self.note(f"LEDs {' '.join(self.leds) or 'off'}")

    def _reset(self) -> None:
        super()._reset()
        if hasattr(self, "_queue"):
            self._queue.clear()


class USBMouse(USBDevice):
    """A USB mouse (boot mouse, three buttons and a wheel) in the board's host port.

    ``move(dx, dy, wheel=0)`` moves it; ``buttons`` (settable: ``"left"``, ``"left right"``,
    ``""``) is what is held; ``click("left")`` presses and releases. Like a real mouse it adds
    motion up between the host's polls and sends at most 127 counts per report. In boot
    protocol (which the host's driver chooses) a report is 3 bytes: buttons, X, Y; in report
    protocol a fourth byte is the wheel.
    """

    kind = "USBMouse"
    momentary = frozenset({"motion"})
    _BUTTONS: ClassVar[dict[str, int]] = {"left": 1, "right": 2, "middle": 4}

    def __init__(
        self,
        *,
        vid: int = 0x093A,
        pid: int = 0x2510,
        manufacturer: str = "Protoboard",
        product: str = "Simulated USB Mouse",
        serial: str = "",
        name: str | None = None,
    ) -> None:
        super().__init__(speed=SPEED_LOW, name=name or "MOUSE")
        self.device_descriptor = device_descriptor(vid, pid, strings=(1, 2, 3 if serial else 0))
        self.configuration_descriptor = configuration_descriptor(
            hid_interface(
                0, subclass=1, protocol=2, report_descriptor=MOUSE_REPORT_DESCRIPTOR, max_packet=4
            )
        )
        self.strings = {1: manufacturer, 2: product, **({3: serial} if serial else {})}
        self.report_descriptors = {0: MOUSE_REPORT_DESCRIPTOR}
        self._dx = self._dy = self._wheel = 0
        self._buttons = 0
        self._sent_buttons = 0
        self._clicks: deque[int] = deque(maxlen=REPORT_QUEUE)

    def move(self, dx: int = 0, dy: int = 0, wheel: int = 0) -> None:
        """Move by ``dx`` right and ``dy`` down (counts), and turn the wheel."""
        for value, label in ((dx, "dx"), (dy, "dy"), (wheel, "wheel")):
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{label} is a whole number of counts, not {value!r}")
            if abs(value) > 100_000:
                raise ValueError(f"{label} is at most 100000 counts at once, not {value}")
        with self.lock:
            self._dx += dx
            self._dy += dy
            self._wheel += wheel
            self.note(f"move ({dx}, {dy})" + (f" wheel {wheel:+d}" if wheel else ""))

    @property
    def motion(self) -> str:
        """Motion not yet sent, as ``"dx,dy"``; set it to move (``sim set MOUSE.motion
        10,-5``)."""
        return f"{self._dx},{self._dy}"

    @motion.setter
    def motion(self, value: str) -> None:
        parts = str(value).replace(" ", "").split(",")
        try:
            numbers = [int(p, 0) for p in parts]
        except ValueError:
            numbers = []
        if not 2 <= len(numbers) <= 3:
            raise ValueError(f"motion is 'dx,dy' or 'dx,dy,wheel' in counts, not {value!r}")
        self.move(*numbers)

    def _parse_buttons(self, value: str) -> int:
        bits = 0
        for word in str(value).replace(",", " ").replace("+", " ").lower().split():
            if word not in self._BUTTONS:
                raise ValueError(f"no mouse button {word!r} (left, right, middle)")
            bits |= self._BUTTONS[word]
        return bits

    @property
    def buttons(self) -> str:
        """The buttons held (``"left right"``); set it to press or release."""
        return " ".join(n for n, bit in self._BUTTONS.items() if self._buttons & bit)

    @buttons.setter
    def buttons(self, value: str) -> None:
        bits = self._parse_buttons(value)
        with self.lock:
            self._buttons = bits
            self._clicks.append(bits)
            self.note(f"buttons {self.buttons or 'none'}")

    def click(self, button: str = "left") -> None:
        """Press ``button`` and let go (two reports)."""
        bit = self._parse_buttons(button)
        with self.lock:
            if len(self._clicks) + 2 > REPORT_QUEUE:
                raise ValueError("the mouse has too many clicks the program has not read yet")
            self._clicks.append(self._buttons | bit)
            self._clicks.append(self._buttons)

    def current_report(self) -> bytes:
        return self._report(self._buttons, 0, 0, 0)

    def _report(self, buttons: int, dx: int, dy: int, wheel: int) -> bytes:
        data = [buttons, dx & 0xFF, dy & 0xFF]
        return bytes(data if self._protocol == 0 else [*data, wheel & 0xFF])

    def interrupt_in(self, endpoint: int, now_ns: int) -> bytes | None:
        buttons = self._clicks.popleft() if self._clicks else self._buttons
        if not (self._dx or self._dy or self._wheel or buttons != self._sent_buttons):
            return self.current_report() if self.idle_due(now_ns) else None
        dx, dy, wheel = _signed8(self._dx), _signed8(self._dy), _signed8(self._wheel)
        self._dx -= dx
        self._dy -= dy
        self._wheel -= wheel
        self._sent_buttons = buttons
        return self._report(buttons, dx, dy, wheel)


class USBGamepad(USBDevice):
    """A generic USB SNES-style gamepad (VID 0x081F, PID 0xE401) in the board's host port.

    ``press("A")``, ``release("A")``, ``tap("START")``, or set ``buttons`` (``"UP A"``,
    ``""``). Buttons: UP, DOWN, LEFT, RIGHT, A, B, X, Y, L, R, SELECT, START. It answers every
    poll with an 8-byte report: X and Y axes (0x00/0x7F/0xFF), three centred axes, the face
    buttons in the high nibble of byte 5 (X 0x10, A 0x20, B 0x40, Y 0x80, low nibble 0x0F: no
    hat), L 0x01, R 0x02, SELECT 0x10, START 0x20 in byte 6, as these pads send.
    """

    kind = "USBGamepad"
    momentary = frozenset({"tapped"})
    _FACE: ClassVar[dict[str, int]] = {"X": 0x10, "A": 0x20, "B": 0x40, "Y": 0x80}
    _OTHER: ClassVar[dict[str, int]] = {"L": 0x01, "R": 0x02, "SELECT": 0x10, "START": 0x20}
    _DPAD: ClassVar[tuple[str, ...]] = ("UP", "DOWN", "LEFT", "RIGHT")

    def __init__(
        self,
        *,
        vid: int = 0x081F,
        pid: int = 0xE401,
        manufacturer: str = "",
        product: str = "USB gamepad           ",
        name: str | None = None,
    ) -> None:
        super().__init__(speed=SPEED_LOW, name=name or "GAMEPAD")
        # (these pads give no manufacturer and no serial number string)
        self.device_descriptor = device_descriptor(vid, pid, strings=(0, 2, 0))
        self.configuration_descriptor = configuration_descriptor(
            hid_interface(0, subclass=0, protocol=0, report_descriptor=GAMEPAD_REPORT_DESCRIPTOR)
        )
        del manufacturer  # kept in the signature for parts files that name it
        self.strings = {2: product}
        self.report_descriptors = {0: GAMEPAD_REPORT_DESCRIPTOR}
        self._held: set[str] = set()
        self._taps: deque[frozenset[str]] = deque(maxlen=REPORT_QUEUE)

    def _check(self, names: tuple[str, ...] | list[str]) -> list[str]:
        known = (*self._DPAD, *self._FACE, *self._OTHER)
        result = []
        for name in names:
            upper = str(name).strip().upper()
            if upper not in known:
                raise ValueError(f"no gamepad button {name!r} ({', '.join(known)})")
            result.append(upper)
        return result

    def press(self, *buttons: str) -> None:
        with self.lock:
            self._held.update(self._check(buttons))
            self.note("press " + " ".join(buttons))

    def release(self, *buttons: str) -> None:
        with self.lock:
            self._held.difference_update(self._check(buttons))

    def tap(self, *buttons: str) -> None:
        """Press ``buttons`` for one report, then let go."""
        names = self._check(buttons)
        with self.lock:
            if len(self._taps) >= REPORT_QUEUE - 1:
                raise ValueError("the gamepad has too many taps the program has not read yet")
            self._taps.append(frozenset(self._held | set(names)))
            self._taps.append(frozenset(self._held))
            self.note("tap " + " ".join(names))

    @property
    def tapped(self) -> str:
        """Set it to tap buttons (``sim set GAMEPAD.tapped START``)."""
        return ""

    @tapped.setter
    def tapped(self, value: str) -> None:
        self.tap(*str(value).replace(",", " ").split())

    @property
    def buttons(self) -> str:
        """The buttons held (``"UP A"``); set it to press or release."""
        order = (*self._DPAD, *self._FACE, *self._OTHER)
        return " ".join(b for b in order if b in self._held)

    @buttons.setter
    def buttons(self, value: str) -> None:
        names = self._check(str(value).replace(",", " ").split())
        with self.lock:
            self._held = set(names)

    def _state(self, held: frozenset[str] | set[str]) -> bytes:
        x = 0x00 if "LEFT" in held else 0xFF if "RIGHT" in held else 0x7F
        y = 0x00 if "UP" in held else 0xFF if "DOWN" in held else 0x7F
        face = 0x0F | sum(bit for name, bit in self._FACE.items() if name in held)
        other = sum(bit for name, bit in self._OTHER.items() if name in held)
        return bytes([x, y, 0x7F, 0x7F, 0x7F, face, other, 0x00])

    def current_report(self) -> bytes:
        return self._state(self._held)

    def interrupt_in(self, endpoint: int, now_ns: int) -> bytes | None:
        if self._taps:
            return self._state(self._taps.popleft())
        return self._state(self._held)


#: MIDI data bytes after each status byte (channel messages by their high nibble)
_MIDI_DATA = {0x8: 2, 0x9: 2, 0xA: 2, 0xB: 2, 0xC: 1, 0xD: 1, 0xE: 2}


def midi_packets(data: bytes, cable: int = 0) -> list[bytes]:
    """USB-MIDI 1.0 event packets (4 bytes: cable and code index, then the message) for
    ``data``, a run of channel messages and real-time bytes. ValueError, in plain words, for
    anything else (running status, SysEx)."""
    packets, i = [], 0
    while i < len(data):
        status = data[i]
        if status >= 0xF8:  # real-time: one byte (code index 0xF)
            packets.append(bytes([cable << 4 | 0xF, status, 0, 0]))
            i += 1
            continue
        count = _MIDI_DATA.get(status >> 4)
        if count is None:
            raise ValueError(
                f"byte {i} is {status:#04x}: give whole channel messages (note on/off, control "
                "change, program change, pitch bend...), each starting with its status byte"
            )
        message = data[i : i + 1 + count]
        if len(message) < 1 + count or any(b & 0x80 for b in message[1:]):
            raise ValueError(f"the message at byte {i} needs {count} data bytes below 0x80")
        packets.append(bytes([cable << 4 | status >> 4, *message.ljust(3, b"\0")]))
        i += 1 + count
    return packets


class USBMIDIController(USBDevice):
    """A class-compliant USB MIDI controller (a keyboard or pad box) in the board's host port.

    ``note_on(60)``, ``note_off(60)``, ``control_change(1, 64)`` and ``send(b"\x90\x3c\x40")``
    queue USB-MIDI event packets on its bulk IN endpoint ``0x81`` (several to a 64-byte
    packet, as such devices send them); ``received`` holds the MIDI bytes the board wrote to
    its OUT endpoint ``0x02``. Channels are 1 to 16, as on the device's display.
    """

    kind = "USBMIDIController"
    momentary = frozenset({"sent"})

    def __init__(
        self,
        *,
        vid: int = 0x1C75,
        pid: int = 0x0288,
        manufacturer: str = "Protoboard",
        product: str = "Simulated MIDI Controller",
        name: str | None = None,
    ) -> None:
        super().__init__(speed=SPEED_FULL, name=name or "MIDI")
        self.device_descriptor = device_descriptor(vid, pid, max_packet0=64, strings=(1, 2, 0))
        control = bytes([9, 0x04, 0, 0, 0, 0x01, 0x01, 0, 0])  # Audio Control
        control += bytes([9, 0x24, 0x01, 0x00, 0x01, 9, 0, 1, 1])  # its header: 1 streaming itf
        streaming = bytes([9, 0x04, 1, 0, 2, 0x01, 0x03, 0, 0])  # MIDI Streaming
        jacks = bytes([6, 0x24, 0x02, 0x01, 1, 0]) + bytes([6, 0x24, 0x02, 0x02, 2, 0])
        jacks += bytes([9, 0x24, 0x03, 0x01, 3, 1, 2, 1, 0])  # embedded OUT jack <- external IN
        jacks += bytes([9, 0x24, 0x03, 0x02, 4, 1, 1, 1, 0])  # external OUT jack <- embedded IN
        header = bytes([7, 0x24, 0x01, 0x00, 0x01]) + (7 + len(jacks) + 9 + 5 + 9 + 5).to_bytes(
            2, "little"
        )
        ep_out = bytes([9, 0x05, 0x02, 0x02, 64, 0, 0, 0, 0]) + bytes([5, 0x25, 0x01, 1, 1])
        ep_in = bytes([9, 0x05, 0x81, 0x02, 64, 0, 0, 0, 0]) + bytes([5, 0x25, 0x01, 1, 3])
        self.configuration_descriptor = configuration_descriptor(
            control, streaming + header + jacks + ep_out + ep_in
        )
        self.strings = {1: manufacturer, 2: product}
        self._packets: deque[bytes] = deque()
        self._received = bytearray()
        self._sent: list[str] = []

    def send(self, data: bytes) -> None:
        """Queue MIDI bytes (whole messages) for the board to read."""
        packets = midi_packets(bytes(data))
        with self.lock:
            if len(self._packets) + len(packets) > REPORT_QUEUE:
                raise ValueError(
                    f"the controller holds {REPORT_QUEUE} MIDI messages the program has not "
                    "read yet; let the program read them first"
                )
            self._packets.extend(packets)
            self._sent.append(bytes(data).hex(" "))
            self.note(f"MIDI {bytes(data).hex(' ')}")

    @staticmethod
    def _channel(channel: int) -> int:
        if not 1 <= channel <= 16:
            raise ValueError(f"a MIDI channel is 1 to 16, not {channel}")
        return channel - 1

    def note_on(self, note: int, velocity: int = 100, channel: int = 1) -> None:
        self.send(bytes([0x90 | self._channel(channel), note & 0x7F, velocity & 0x7F]))

    def note_off(self, note: int, velocity: int = 0, channel: int = 1) -> None:
        self.send(bytes([0x80 | self._channel(channel), note & 0x7F, velocity & 0x7F]))

    def control_change(self, control: int, value: int, channel: int = 1) -> None:
        self.send(bytes([0xB0 | self._channel(channel), control & 0x7F, value & 0x7F]))

    @property
    def sent(self) -> str:
        """The messages sent this run, as hex; set it to send more (``sim set MIDI.sent "90 3c
        40"``)."""
        return ", ".join(self._sent)

    @sent.setter
    def sent(self, value: str) -> None:
        try:
            data = bytes.fromhex(str(value))
        except ValueError:
            raise ValueError(f"give MIDI bytes in hex, such as '90 3c 40', not {value!r}") from None
        self.send(data)

    @property
    def received(self) -> bytes:
        """The MIDI bytes the board sent to the controller (the last 64 KiB)."""
        return bytes(self._received)

    def interrupt_in(self, endpoint: int, now_ns: int) -> bytes | None:
        if endpoint != 0x81 or not self._packets:
            return None
        data = bytearray()
        while self._packets and len(data) < 64:
            data += self._packets.popleft()
        return bytes(data)

    def interrupt_out(self, endpoint: int, data: bytes) -> int:
        for i in range(0, len(data) - 3, 4):
            count = {0x8: 3, 0x9: 3, 0xA: 3, 0xB: 3, 0xC: 2, 0xD: 2, 0xE: 3, 0xF: 1}
            self._received += data[i + 1 : i + 1 + count.get(data[i] & 0xF, 0)]
        del self._received[: max(0, len(self._received) - 65536)]
        return len(data)

    def _reset(self) -> None:
        super()._reset()
        if hasattr(self, "_packets"):
            self._packets.clear()


def attached_devices(sim: Any) -> list[USBDevice]:
    """The USB devices wired to ``sim``, in the order they were attached."""
    with sim.lock:
        return [part for part in sim.parts.values() if isinstance(part, USBDevice)]
