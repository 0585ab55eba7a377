"""Contract for ``pulseio``: timing pulses on one pin (PulseIn) and sending carrier-modulated
pulse trains (PulseOut, infrared remotes).

A PulseIn implementation keeps the pulse durations it has measured, in microseconds (0..65535,
longer pulses read 65535), in a ring of ``maxlen`` entries (the oldest goes when it is full); the
binding does the sequence protocol and CircuitPython's errors on top of it.
"""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation

#: a pulse longer than this reads as this (durations are 16-bit on a board)
MAX_PULSE_US = 0xFFFF


class PulseIn(Implementation):
    def __init__(self, backend: Backend, pin: str, maxlen: int, idle_state: bool) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def pause(self) -> None: ...

    @abc.abstractmethod
    def resume(self, trigger_duration: int) -> None:
        """Drive the pin to the opposite of idle for ``trigger_duration`` microseconds (0: no
        trigger pulse), then listen again; the first edge after that starts the first pulse."""

    @abc.abstractmethod
    def clear(self) -> None: ...

    @abc.abstractmethod
    def pulses(self) -> list[int]:
        """The stored durations, oldest first."""

    @abc.abstractmethod
    def popleft(self) -> int:
        """Remove and return the oldest duration (the caller checks the ring is not empty)."""

    @property
    @abc.abstractmethod
    def paused(self) -> bool: ...


class PulseOut(Implementation):
    def __init__(self, backend: Backend, pin: str, frequency: int, duty_cycle: int) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def send(self, pulses: list[int]) -> None:
        """Alternate carrier on and off for these durations (microseconds, starting with on);
        return when done, with the carrier off."""
