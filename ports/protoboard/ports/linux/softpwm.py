"""Software PWM: a thread that switches a GPIO line on and off, for pins with no hardware PWM
channel (or whose channel the device tree does not enable).

What a Python thread can do sets the limits (stated in the docs' Raspberry Pi page):

- **Frequency**: 1 Hz to :data:`MAX_FREQUENCY`. Each period costs two wake-ups of the thread;
  above about a kilohertz the wake-up cost (tens of microseconds on a Pi) eats the period.
- **Resolution**: the duty cycle is kept as the API's 16 bits, but the line switches only as
  precisely as the kernel wakes the thread (typically 50-100 µs on a Pi), so at 500 Hz an LED sees
  about 20-40 distinct levels.
- **Jitter**: the thread needs Python's global lock to switch the line. While the program computes
  without sleeping, a switch can come up to the interpreter's switch interval (5 ms) late; a
  program that sleeps or waits on I/O leaves it free. Good for LEDs and buzzers; servos and motor
  drivers want hardware PWM.

Each period starts at an absolute time (``start + period``), so late wake-ups do not add up into a
lower frequency; a thread that falls a whole period behind starts afresh rather than bursting.
Duty 0 and 0xFFFF hold the line still and the thread sleeps until the next change.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol

#: the highest frequency the software fallback accepts, in Hz (refused above: "Invalid frequency")
MAX_FREQUENCY = 1000
MIN_FREQUENCY = 1
NS = 1_000_000_000
#: how long deinit() waits for the thread (it wakes at once; bounded regardless)
JOIN_TIMEOUT = 5.0


class Clock(Protocol):
    """Where the thread gets the time and sleeps: the computer's monotonic clock, or a test's."""

    def now_ns(self) -> int: ...

    def wait(self, wake: threading.Event, seconds: float | None) -> bool:
        """Sleep ``seconds`` (None: for ever) or until ``wake`` is set; True when woken."""
        ...


class MonotonicClock:
    def now_ns(self) -> int:
        return time.monotonic_ns()

    def wait(self, wake: threading.Event, seconds: float | None) -> bool:
        if seconds is not None and seconds <= 0:
            return wake.is_set()
        return wake.wait(seconds)


#: the clock new software PWM outputs use (the host tests put a model clock here)
CLOCK: Clock = MonotonicClock()


class SoftwarePWM:
    """Switches ``write(level)`` with ``duty``/0xFFFF of each ``1/frequency`` second high."""

    def __init__(self, write: Callable[[bool], None], duty: int, frequency: int, name: str) -> None:
        self._write = write
        self._clock = CLOCK
        self._duty = duty
        self._period_ns = NS // frequency
        self._stopping = False
        self._wake = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"protoboard-pwm-{name}", daemon=True
        )
        self._thread.start()

    @property
    def duty(self) -> int:
        return self._duty

    @property
    def period_ns(self) -> int:
        return self._period_ns

    def change(self, duty: int, frequency: int) -> None:
        """New settings. A new duty cycle moves the current period's fall (the period goes on,
        so a fade that sets the duty thousands of times a second still dims); a new frequency
        starts a new period at once (a glitch, as CircuitPython allows)."""
        self._duty, self._period_ns = duty, NS // frequency
        self._wake.set()

    def stop(self) -> bool:
        """Stop the thread (the line is left low); False if it was already stopped."""
        if self._stopping:
            return False
        self._stopping = True
        self._wake.set()
        self._thread.join(JOIN_TIMEOUT)
        return True

    def _run(self) -> None:
        clock, write, wake = self._clock, self._write, self._wake
        start = clock.now_ns()
        while not self._stopping:
            duty, period = self._duty, self._period_ns
            if duty in (0, 0xFFFF):
                write(duty == 0xFFFF)
                clock.wait(wake, None)  # still until the next change
                wake.clear()
                start = clock.now_ns()
                continue
            write(True)
            if not self._until(start, period, fall=True):
                start = clock.now_ns()
                continue
            write(False)
            start += period
            if not self._until(start, period, fall=False):
                start = clock.now_ns()
                continue
            now = clock.now_ns()
            if now - start > period:
                start = now  # a whole period late (the machine was busy): no catch-up burst
        write(False)

    def _deadline(self, start: int, period: int, fall: bool) -> int:
        return start + period * self._duty // 0xFFFF if fall else start

    def _until(self, start: int, period: int, fall: bool) -> bool:
        """Sleep until ``start`` or, for the ``fall``, the duty's share of the period after it
        (read again after a duty change). False when the period must end now: stopping, a new
        frequency, or a duty that holds the line still."""
        clock, wake = self._clock, self._wake
        while clock.wait(wake, (self._deadline(start, period, fall) - clock.now_ns()) / NS):
            wake.clear()
            if self._stopping or self._period_ns != period or self._duty in (0, 0xFFFF):
                return False
        return True
