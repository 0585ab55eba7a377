"""Simulated pulse timing: PulseIn measures the edges on a pin from the times they happened
(a part's waveform stamps each edge when it puts it there), PulseOut records its carrier bursts.

A PulseIn that a program resumes without a trigger while the pin is already in the middle of a
pulse counts that pulse from its start. A board resumes within microseconds of the program's
previous line; a busy host can pause a program for milliseconds, which would otherwise lose an
echo that a board never loses.
"""

from __future__ import annotations

import collections
import time

from protoboard.hal import pulseio as hal
from protoboard.ports.sim.model import SimPin, Simulator


def _wait_us(duration: int) -> None:
    """Hold for ``duration`` microseconds: sleep most of it, spin the rest (a trigger pulse
    must last at least what was asked)."""
    end = time.monotonic_ns() + duration * 1000
    if duration > 2000:
        time.sleep((duration - 1000) / 1e6)
    while time.monotonic_ns() < end:
        pass


class PulseIn(hal.PulseIn):
    def __init__(self, backend: Simulator, pin: str, maxlen: int, idle_state: bool) -> None:
        super().__init__(backend, pin, maxlen, idle_state)
        self._sim = backend
        self._pin = backend.pins[pin]
        self._idle = idle_state
        # the pulse sensor's pull toward idle (a DHT22 breakout's pull-up, for instance)
        self._pull = "up" if idle_state else "down"
        self._ring: collections.deque[int] = collections.deque(maxlen=maxlen)
        self._paused = False
        self._triggering = False
        self._last_edge: int | None = None  # None: waiting for the edge that starts a pulse
        self._since = 0  # edges before this are not ours
        self._stopped_at = 0  # the latest pause() or clear()
        self._pin.configure("pulsein", pull=self._pull)
        self._unsubscribe = self._pin.on_change(self._edge)
        self._open(time.monotonic_ns())

    def _open(self, since: int) -> None:
        self._since = since
        self._last_edge = None
        self._paused = False

    def _edge(self, pin: SimPin, level: bool, when: int) -> None:
        if self._triggering:
            if level is self._idle:  # the end of our own trigger pulse: listening starts here
                self._triggering = False
                self._open(when)
            return
        if self._paused or when < self._since:
            return
        if self._last_edge is not None:
            self._ring.append(min((when - self._last_edge) // 1000, hal.MAX_PULSE_US))
        self._last_edge = when

    def pause(self) -> None:
        self._pin.sync()
        self._paused = True
        self._stopped_at = time.monotonic_ns()

    def resume(self, trigger_duration: int) -> None:
        pin = self._pin
        pin.sync()
        if trigger_duration:
            self._paused = True
            self._triggering = True
            pin.configure("output", drive=not self._idle)
            _wait_us(trigger_duration)
            pin.configure("pulsein", pull=self._pull)
            if self._triggering:  # the line did not come back to idle (something holds it)
                self._triggering = False
                self._open(time.monotonic_ns())
            return
        now = time.monotonic_ns()
        self._open(now)
        history = pin.history
        if pin.level is not self._idle and history:
            started = history[-1][0]
            if started >= self._stopped_at:  # mid-pulse: count it from its start
                self._since = started
                self._last_edge = started

    def clear(self) -> None:
        self._pin.sync()
        self._ring.clear()
        self._stopped_at = time.monotonic_ns()

    def pulses(self) -> list[int]:
        self._pin.sync()
        return list(self._ring)

    def popleft(self) -> int:
        self._pin.sync()
        return self._ring.popleft()

    @property
    def paused(self) -> bool:
        return self._paused

    def deinit(self) -> None:
        self._unsubscribe()
        self._pin.release()


class PulseOut(hal.PulseOut):
    """The carrier is a PWM output on the pin; the pin's history shows its envelope (high while
    the carrier is on) with the exact times of the pulses sent."""

    def __init__(self, backend: Simulator, pin: str, frequency: int, duty_cycle: int) -> None:
        super().__init__(backend, pin, frequency, duty_cycle)
        self._pin = backend.pins[pin]
        self._frequency = frequency
        self._duty = duty_cycle
        # an output whose level is the envelope; the carrier's settings are its PWM
        self._pin.configure("output", drive=False)
        self._pin.set_pwm(duty_cycle, frequency)
        #: every train sent, as (start monotonic_ns, durations in microseconds)
        self.sent: list[tuple[int, list[int]]] = []

    def send(self, pulses: list[int]) -> None:
        pin = self._pin
        start = time.monotonic_ns()
        when = start
        for index, duration in enumerate(pulses):
            on = index % 2 == 0
            pin._drive = on
            pin._apply(when)
            when += duration * 1000
        pin._drive = False
        pin._apply(when)
        if len(self.sent) >= 100:  # bounded: the latest trains are what a test looks at
            del self.sent[0]
        self.sent.append((start, list(pulses)))
        remaining = when - time.monotonic_ns()
        if remaining > 0:  # send() returns when the whole train has gone out, as on a board
            time.sleep(remaining / 1e9)

    def deinit(self) -> None:
        self._pin.release()
