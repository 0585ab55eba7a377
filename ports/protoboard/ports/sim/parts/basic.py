"""Everyday parts: LED, button, potentiometer, servo and NeoPixel strip."""

from __future__ import annotations

from typing import Any

from protoboard.ports.sim.model import VCC
from protoboard.ports.sim.parts.base import Part


class LED(Part):
    """An LED from a pin to ground (``active_high=True``) or from 3.3 V to the pin.

    ``on`` tells whether it is lit; ``brightness`` (0.0-1.0) follows a PWM duty cycle too.
    """

    kind = "LED"
    roles = ("pin",)

    def __init__(self, *, name: str | None = None, active_high: bool = True, color: str = "red"):
        super().__init__(name=name)
        self.active_high = active_high
        self.color = color

    @property
    def brightness(self) -> float:
        pin = self.pin("pin")
        if pin.pwm is not None:
            duty = pin.pwm[0] / 0xFFFF
            return duty if self.active_high else 1.0 - duty
        if pin.mode == "analog_out":
            return pin.voltage / VCC
        return 1.0 if pin.level == self.active_high else 0.0

    @property
    def on(self) -> bool:
        return self.brightness > 0.0

    @property
    def history(self) -> list[tuple[int, bool]]:
        """``(monotonic_ns, lit)`` for every change of the pin, oldest first."""
        return [(t, level == self.active_high) for t, level in self.pin("pin").history]


class Button(Part):
    """A push button between the pin and ground (``active_low=True``, the usual wiring, so the
    program needs ``Pull.UP``) or between the pin and 3.3 V (``active_low=False``)."""

    kind = "Button"
    roles = ("pin",)

    def __init__(self, *, name: str | None = None, active_low: bool = True) -> None:
        super().__init__(name=name)
        self.active_low = active_low
        self._pressed = False

    def press(self) -> None:
        self._pressed = True
        self.pin("pin").set_external(not self.active_low)

    def release(self) -> None:
        self._pressed = False
        self.pin("pin").set_external(None)

    @property
    def pressed(self) -> bool:
        return self._pressed

    @pressed.setter
    def pressed(self, value: bool) -> None:
        self.press() if value else self.release()


class Potentiometer(Part):
    """A knob between 0 V and 3.3 V whose wiper is on the pin. ``position`` runs 0.0-1.0."""

    kind = "Potentiometer"
    roles = ("pin",)

    def __init__(self, *, name: str | None = None, position: float = 0.5) -> None:
        super().__init__(name=name)
        self._position = position

    def on_attach(self) -> None:
        self.position = self._position

    @property
    def position(self) -> float:
        return self._position

    @position.setter
    def position(self, value: float) -> None:
        if not 0.0 <= value <= 1.0:
            raise ValueError(f"position must be between 0.0 and 1.0, not {value}")
        self._position = value
        if self.sim is not None:
            self.pin("pin").voltage = value * VCC


class Servo(Part):
    """A hobby servo on a PWM pin. Its horn turns to ``angle`` for pulses between
    ``min_pulse_us`` and ``max_pulse_us`` (defaults match ``adafruit_motor.servo``)."""

    kind = "Servo"
    roles = ("pin",)

    def __init__(
        self,
        *,
        name: str | None = None,
        min_pulse_us: float = 750.0,
        max_pulse_us: float = 2250.0,
        actuation_range: float = 180.0,
    ) -> None:
        super().__init__(name=name)
        self.min_pulse_us = min_pulse_us
        self.max_pulse_us = max_pulse_us
        self.actuation_range = actuation_range

    @property
    def pulse_width_us(self) -> float | None:
        """The high time of each PWM period in microseconds, or None with no PWM signal."""
        pwm = self.pin("pin").pwm
        if pwm is None or pwm[1] <= 0 or pwm[0] == 0:
            return None
        duty, frequency = pwm
        return duty / 0xFFFF * 1_000_000 / frequency

    @property
    def angle(self) -> float | None:
        pulse = self.pulse_width_us
        if pulse is None:
            return None
        pulse = min(max(pulse, self.min_pulse_us), self.max_pulse_us)
        span = self.max_pulse_us - self.min_pulse_us
        return (pulse - self.min_pulse_us) / span * self.actuation_range


class NeoPixelStrip(Part):
    """WS2812 pixels on a data pin. ``pixels`` holds an ``(r, g, b)`` (or ``(r, g, b, w)``)
    tuple per pixel as last latched; ``frames`` counts the writes."""

    kind = "NeoPixelStrip"
    roles = ("pin",)

    def __init__(self, *, name: str | None = None, count: int = 1, byte_order: str = "GRB") -> None:
        super().__init__(name=name)
        if sorted(byte_order) not in (sorted("RGB"), sorted("RGBW")):
            raise ValueError(f"byte_order must be a permutation of RGB or RGBW, not {byte_order!r}")
        self.count = count
        self.byte_order = byte_order
        self.pixels: list[tuple[int, ...]] = [self._blank()] * count
        self.frames = 0

    def _blank(self) -> tuple[int, ...]:
        return (0,) * len(self.byte_order)

    def on_attach(self) -> None:
        self.listen_data("pin", self._data)

    def _data(self, pin: Any, data: bytes, kind: str) -> None:
        if kind != "neopixel":
            return
        bpp = len(self.byte_order)
        order = "RGBW"[:bpp]
        index = {channel: self.byte_order.index(channel) for channel in order}
        for i in range(min(self.count, len(data) // bpp)):
            chunk = data[i * bpp : (i + 1) * bpp]
            self.pixels[i] = tuple(chunk[index[c]] for c in order)
        self.frames += 1
