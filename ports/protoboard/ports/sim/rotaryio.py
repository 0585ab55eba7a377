"""Simulated quadrature decoder: counts Gray-code transitions seen on two pins.

Like CircuitPython's software encoder (``shared-module/rotaryio``), the state is ``A << 1 | B``
read on every level change of either pin; each valid Gray-code transition counts one quarter
step (clockwise +1, counter-clockwise -1) and transitions that skip a state are ignored.
"""

from __future__ import annotations

import threading

from protoboard.hal import rotaryio as hal
from protoboard.ports.sim.model import SimPin, Simulator, sync_pins

#: quarter-step increment for old_state << 2 | new_state, from shared-module/rotaryio
TRANSITIONS = (
    0,  # 00 -> 00 no movement
    -1,  # 00 -> 01
    +1,  # 00 -> 10
    0,  # 00 -> 11 not a Gray-code transition
    +1,  # 01 -> 00
    0,  # 01 -> 01 no movement
    0,  # 01 -> 10 not a Gray-code transition
    -1,  # 01 -> 11
    -1,  # 10 -> 00
    0,  # 10 -> 01 not a Gray-code transition
    0,  # 10 -> 10 no movement
    +1,  # 10 -> 11
    0,  # 11 -> 00 not a Gray-code transition
    +1,  # 11 -> 01
    -1,  # 11 -> 10
    0,  # 11 -> 11 no movement
)


class IncrementalEncoder(hal.IncrementalEncoder):
    def __init__(self, backend: Simulator, pin_a: str, pin_b: str) -> None:
        super().__init__(backend, pin_a, pin_b)
        self._a = backend.pins[pin_a]
        self._b = backend.pins[pin_b]
        # CircuitPython enables the pull-ups: the encoder's common pin goes to ground.
        for pin in (self._a, self._b):
            pin.configure("rotaryio", pull="up")
        self._lock = threading.Lock()
        self._steps = 0
        self._state = self._read_state()
        self._unsubscribe = [pin.on_change(self._changed) for pin in {self._a, self._b}]

    def _read_state(self) -> int:
        # _level, not level: inside a listener the other pin must not run ahead of this edge
        return (int(self._a._level) << 1) | int(self._b._level)

    def _changed(self, pin: SimPin, level: bool, when: int) -> None:
        with self._lock:
            new_state = self._read_state()
            self._steps += TRANSITIONS[(self._state << 2) | new_state]
            self._state = new_state

    def read_quarter_steps(self) -> int:
        sync_pins((self._a, self._b))  # edges parts scheduled up to now, in time order
        return self._steps

    def deinit(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self._a.release()
        self._b.release()
