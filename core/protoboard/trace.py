"""``exec --trace``: what a program does to the simulated board, one line per event.

Level changes of pins the program uses, PWM duty and frequency changes, analog reads (when
the value changes) and writes, I2C transactions and NeoPixel frames, each stamped with the time
since the first event::

    [sim     0.000s] D13/LED -> high
    [sim     0.100s] D13/LED pwm 50.0% (32768/65535) at 500 Hz
    [sim     0.200s] A1 read 1.650 V (32767)
    [sim     0.300s] SCL/SDA 0x77 write d0 read 60
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from protoboard.hal.simulated import SimulatedPin, SimulatedWorld

#: bytes of an I2C transfer shown before "..."
SHOWN_BYTES = 16


def _hex(data: bytes) -> str:
    shown = data[:SHOWN_BYTES].hex(" ")
    return shown + (f" ... ({len(data)} bytes)" if len(data) > SHOWN_BYTES else "")


def describe(kind: str, data: dict[str, Any]) -> str:
    """One activity in words (without time and place)."""
    if kind == "pwm":
        duty, frequency = data["duty_cycle"], data["frequency"]
        return f"pwm {duty / 65535:.1%} ({duty}/65535) at {frequency} Hz"
    if kind in ("analog_in", "analog_out"):
        verb = "read" if kind == "analog_in" else "set to"
        return f"{verb} {data['volts']:.3f} V ({data['value']})"
    if kind == "i2c":
        address = f"0x{data['address']:02x}"
        if not data["answered"]:
            return f"{address} no answer (no device at that address)"
        parts = [address]
        if data["written"]:
            parts.append("write " + _hex(data["written"]))
        if data["read"]:
            parts.append("read " + _hex(data["read"]))
        return " ".join(parts)
    if kind == "audio" and data.get("event") == "play":
        looping = ", looping" if data.get("loop") else ""
        return f"plays {data.get('source')} at {data.get('sample_rate')} Hz{looping}"
    if kind == "audio":
        return "stops playing"
    if kind == "usb":  # the USB host's decoding: "keyboard: H ('H')", "MIDI NoteOn ..."
        return str(data["text"])
    return f"{kind} {data}"


class Tracer:
    """Subscribes to a simulated board and writes each event as a line to ``emit``."""

    def __init__(self, sim: SimulatedWorld, emit: Callable[[str], None]) -> None:
        self.sim = sim
        self.emit = emit
        self._start: int | None = None
        self._last_read: dict[str, int] = {}

    def _stamp(self, when: int) -> str:
        if self._start is None:
            self._start = when
        return f"[sim {(when - self._start) / 1e9:9.3f}s]"

    def start(self) -> None:
        for pin in self.sim.pins.values():
            pin.on_change(self._on_level)
            pin.on_data(self._on_data)
        self.sim.on_activity(self._on_activity)

    def _on_level(self, pin: SimulatedPin, level: bool, when: int) -> None:
        if pin.mode in ("output", "input", "pwm"):
            label = "/".join(pin.names) or pin.id
            self.emit(f"{self._stamp(when)} {label} -> {'high' if level else 'low'}")

    def _on_data(self, pin: SimulatedPin, data: bytes, kind: str) -> None:
        if kind == "neopixel":
            for name, pixels in self.sim.pixels_on(pin.id).items():
                self.emit(f"{self._stamp(time.monotonic_ns())} {name} pixels {pixels}")

    def _on_activity(self, activity: Any) -> None:
        if activity.kind == "analog_in":  # programs poll: show a read only when it changes
            if self._last_read.get(activity.where) == activity.data["value"]:
                return
            self._last_read[activity.where] = activity.data["value"]
        line = describe(activity.kind, activity.data)
        self.emit(f"{self._stamp(activity.when)} {activity.where} {line}")
