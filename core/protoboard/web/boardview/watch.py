"""The VM's side of the board view: watch the simulated board and send what changed.

Listeners on the pins and the parts only set a flag (a pin change costs the program a dict
store); a thread wakes at most :data:`RATE` times a second, works out what differs from what it
last sent and sends that as one small JSON-ready delta. Nothing runs until someone watches (the
supervisor says so when a page opens), so a board nobody looks at pays nothing.

State layout (the same for the full state and for deltas; a delta holds only what changed)::

    {"pins": {"D13": {"level": 1, "mode": "output", "pwm": 0.5}},
     "parts": {"LED": {"brightness": 1.0}, "NEOPIXEL": {"pixels": ["#ff0000"]},
               "BUTTON": {"pressed": false}, "knob": {"position": 0.5}},
     "displays": {"OLED": {"width": 128, "height": 64, "mode": "mono", "data": "<base64>"}}}
"""

from __future__ import annotations

import base64
import collections
import threading
import time
from collections.abc import Callable
from typing import Any

#: deltas sent per second at most (the picture needs no more; pin edges in between are kept
#: in the pins' histories for the logic analyzer)
RATE = 30
#: display frames sent per second at most (a frame is up to a few kB)
DISPLAY_RATE = 10
#: seconds between looks at the parts' settable values (they change by 'sim set' or a slider)
ATTRIBUTE_PERIOD = 0.5
#: bus transactions kept for the logic analyzer
BUS_HISTORY = 2000
#: bytes of one SPI transfer kept (a display's frame is tens of kB a transfer; the analyzer
#: shows the start, with the whole length): the capture stays under a few MB
SPI_BYTES_KEPT = 256
#: the most pixels of a display frame sent (larger frames are not shown)
MAX_DISPLAY_PIXELS = 320 * 240

State = dict[str, dict[str, Any]]


def pixel_hex(pixel: tuple[int, ...]) -> str:
    """``(r, g, b[, w])`` as ``#rrggbb`` (white mixed in, as the eye sees an RGBW pixel)."""
    r, g, b = (min(255, c + (pixel[3] if len(pixel) > 3 else 0)) for c in pixel[:3])
    return f"#{r:02x}{g:02x}{b:02x}"


def encode_frame(frame: Any) -> dict[str, Any] | None:
    """A display part's ``frame`` (rows of 0/1, or rows of (r, g, b)) as a JSON-ready picture;
    None if it is not one."""
    try:
        rows = list(frame)
        height = len(rows)
        width = len(rows[0]) if rows else 0
    except TypeError:
        return None
    if not width or width * height > MAX_DISPLAY_PIXELS:
        return None
    first = rows[0][0]
    if isinstance(first, tuple | list):
        data = bytes(min(255, max(0, int(c))) for row in rows for px in row for c in px[:3])
        mode = "rgb"
    else:
        bits = bytearray((width * height + 7) // 8)
        index = 0
        for row in rows:
            for value in row:
                if value:
                    bits[index >> 3] |= 0x80 >> (index & 7)
                index += 1
        data, mode = bytes(bits), "mono"
    text = base64.b64encode(data).decode()
    return {"width": width, "height": height, "mode": mode, "data": text}


def part_state(part: Any) -> dict[str, Any]:
    """What the picture shows of a part, JSON-ready."""
    from protoboard.partsfile import settable

    state: dict[str, Any] = {}
    settings: dict[str, Any] = {}
    for name, value in settable(part).items():
        if isinstance(value, bool | int | str) or value is None:
            settings[name] = value
        elif isinstance(value, float):
            settings[name] = round(value, 4)
    state["settable"] = settings
    kind = type(part).kind
    sim = part.sim
    state["type"] = kind
    state["wiring"] = {
        role: sim.pins[pin].name if sim is not None and pin in sim.pins else pin
        for role, pin in part.connections.items()
    }
    if kind == "LED":
        state["brightness"] = round(part.brightness, 3)
    elif kind == "NeoPixelStrip":
        state["pixels"] = [pixel_hex(p) for p in part.pixels]
    elif kind == "Servo":
        angle = part.angle
        state["angle"] = None if angle is None else round(angle, 1)
    return state


def pin_state(pin: Any) -> dict[str, Any]:
    pwm = pin.pwm
    return {
        "level": int(pin.level),
        "mode": pin.mode,
        "pwm": None if pwm is None else round(pwm[0] / 0xFFFF, 4),
    }


def diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The entries of ``new`` that differ from ``old`` (None for entries gone)."""
    changed: dict[str, Any] = {k: v for k, v in new.items() if old.get(k) != v}
    changed.update({k: None for k in old if k not in new})
    return changed


class BoardWatcher:
    """Watches one simulated board; ``send(delta)`` gets what changed, at most :data:`RATE`
    times a second, from the watcher's thread."""

    def __init__(self, sim: Any, send: Callable[[dict[str, Any], bool], None]) -> None:
        self.sim = sim
        self.send = send
        self.bus: collections.deque[dict[str, Any]] = collections.deque(maxlen=BUS_HISTORY)
        self._sent: State = {"pins": {}, "parts": {}, "displays": {}}
        self._dirty = threading.Event()
        self._parts_dirty = True
        self._displays_due = 0.0
        self._attributes_due = 0.0
        self._unsubscribe: list[Callable[[], None]] = []
        self._on = False
        self._lock = threading.Lock()

    # -- listeners (the program's thread: keep them tiny) ------------------------------------

    def _touch(self, *args: Any) -> None:
        self._dirty.set()

    def _touch_parts(self, *args: Any) -> None:
        self._parts_dirty = True
        self._dirty.set()

    def _activity(self, activity: Any) -> None:
        if activity.kind == "i2c":
            data = activity.data
            self.bus.append(
                {
                    "when": activity.when,
                    "where": activity.where,
                    "kind": "i2c",
                    "address": data["address"],
                    "written": bytes(data["written"]).hex(),
                    "read": bytes(data["read"]).hex(),
                    "answered": bool(data["answered"]),
                }
            )
        elif activity.kind == "spi":
            data = activity.data
            self.bus.append(
                {
                    "when": activity.when,
                    "where": activity.where,
                    "kind": "spi",
                    "cs": data["cs"],
                    "length": len(data["mosi"]),
                    "mosi": bytes(data["mosi"][:SPI_BYTES_KEPT]).hex(),
                    "miso": bytes(data["miso"][:SPI_BYTES_KEPT]).hex(),
                    "mode": int(data["polarity"]) << 1 | int(data["phase"]),
                }
            )
        elif activity.kind in ("pwm", "analog_out"):
            self._touch_parts()

    # -- on and off --------------------------------------------------------------------------

    def watch(self, on: bool) -> None:
        """Start (sending the full state first) or stop watching."""
        with self._lock:
            if on == self._on:
                return
            self._on = on
            if not on:
                for unsubscribe in self._unsubscribe:
                    unsubscribe()
                self._unsubscribe.clear()
                return
            for pin in self.sim.pins.values():
                self._unsubscribe.append(pin.on_change(self._touch_parts))
                self._unsubscribe.append(pin.on_data(self._touch_parts))
            self._unsubscribe.append(self.sim.on_activity(self._activity))
            self._sent = {"pins": {}, "parts": {}, "displays": {}}
            self._parts_dirty = True
            self._dirty.set()
            threading.Thread(target=self._serve, name="board-watch", daemon=True).start()

    def _serve(self) -> None:
        full = True
        while self._on:
            self._dirty.wait(ATTRIBUTE_PERIOD)
            if not self._on:
                return
            now = time.monotonic()
            due = now >= self._attributes_due
            if self._dirty.is_set() or due:
                self._dirty.clear()
                delta = self.delta(
                    parts=self._parts_dirty or due, displays=now >= self._displays_due
                )
                if due:
                    self._attributes_due = now + ATTRIBUTE_PERIOD
                if delta or full:
                    self.send(delta, full)
                    full = False
            time.sleep(1 / RATE)

    # -- state -------------------------------------------------------------------------------

    def current(self, *, parts: bool = True, displays: bool = True) -> State:
        state: State = {
            "pins": {
                pin.names[0] if pin.names else pin.id: pin_state(pin)
                for pin in list(self.sim.pins.values())
            }
        }
        if parts or displays:
            state["parts"], state["displays"] = {}, {}
            for name, part in list(self.sim.parts.items()):
                if parts:
                    state["parts"][name] = part_state(part)
                if displays and hasattr(type(part), "frame"):
                    try:
                        picture = encode_frame(part.frame)
                    except Exception:
                        picture = None
                    if picture is not None:
                        state["displays"][name] = picture
        return state

    def delta(self, *, parts: bool = True, displays: bool = True) -> dict[str, Any]:
        """What changed since the last delta (and remember it as sent)."""
        if parts:
            self._parts_dirty = False
        if displays:
            self._displays_due = time.monotonic() + 1 / DISPLAY_RATE
        now = self.current(parts=parts, displays=displays)
        out: dict[str, Any] = {}
        for section, entries in now.items():
            changed = diff(self._sent.get(section, {}), entries)
            if changed:
                out[section] = changed
                self._sent[section] = entries
        return out

    def trace(self) -> dict[str, Any]:
        """The pins' histories and the bus transactions seen, for the logic analyzer."""
        pins = {}
        for pin in list(self.sim.pins.values()):
            history = list(pin.history)
            if len(history) > 1 or pin.mode != "unused":
                pins[pin.names[0] if pin.names else pin.id] = [[t, int(v)] for t, v in history]
        return {"now": time.monotonic_ns(), "pins": pins, "bus": list(self.bus)}
