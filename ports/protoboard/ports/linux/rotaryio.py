"""``rotaryio`` on kernel edge events of both encoder lines (no polling thread)."""

from __future__ import annotations

import threading

import gpiod
from gpiod.line import Edge, Value

from protoboard.hal import rotaryio as hal
from protoboard.hal.digitalio import Pull
from protoboard.ports.linux import gpio
from protoboard.ports.linux.backend import LinuxBackend
from protoboard.ports.linux.edges import EdgeReader

# Quadrature: (previous AB, new AB) -> quarter step, with CircuitPython's signs (state = A<<1|B);
# anything else (no change, or a skipped state) counts nothing.
_STEP = {(0, 2): 1, (2, 3): 1, (3, 1): 1, (1, 0): 1, (0, 1): -1, (1, 3): -1, (3, 2): -1, (2, 0): -1}


class IncrementalEncoder(hal.IncrementalEncoder):
    def __init__(self, backend: LinuxBackend, pin_a: str, pin_b: str) -> None:
        super().__init__(backend, pin_a, pin_b)
        # CircuitPython turns the pull-ups on: an encoder's common pin goes to ground.
        settings = gpio.input_settings(Pull.UP, Edge.BOTH)
        self._req, (self._a, self._b) = gpio.request(backend, {pin_a: settings, pin_b: settings})
        self._lock = threading.Lock()
        self._steps = 0
        a, b = self._req.get_values([self._a, self._b])
        self._state = (a is Value.ACTIVE) << 1 | (b is Value.ACTIVE)
        self._reader = EdgeReader(self._req, self._edge)

    def _edge(self, event: gpiod.EdgeEvent) -> None:
        high = event.event_type is gpiod.EdgeEvent.Type.RISING_EDGE
        bit = 2 if event.line_offset == self._a else 1
        with self._lock:
            new = (self._state | bit) if high else (self._state & ~bit)
            self._steps += _STEP.get((self._state, new), 0)
            self._state = new

    def read_quarter_steps(self) -> int:
        with self._lock:
            return self._steps

    def deinit(self) -> None:
        self._reader.stop()
        self._req.release()
