"""Simulated edge counter: counts the level changes of one pin, as an interrupt would."""

from __future__ import annotations

import threading

from protoboard.hal import countio as hal
from protoboard.hal.digitalio import Pull
from protoboard.ports.sim.model import SimPin, Simulator

_PULLS = {None: None, Pull.UP: "up", Pull.DOWN: "down"}


class Counter(hal.Counter):
    def __init__(self, backend: Simulator, pin: str, edge: hal.Edge, pull: Pull | None) -> None:
        super().__init__(backend, pin, edge, pull)
        self._pin = backend.pins[pin]
        self._rise = edge in (hal.Edge.RISE, hal.Edge.RISE_AND_FALL)
        self._fall = edge in (hal.Edge.FALL, hal.Edge.RISE_AND_FALL)
        self._lock = threading.Lock()
        self._count = 0
        self._pin.configure("countio", pull=_PULLS[pull])
        self._unsubscribe = self._pin.on_change(self._changed)

    def _changed(self, pin: SimPin, level: bool, when: int) -> None:
        if self._rise if level else self._fall:
            with self._lock:
                self._count += 1

    def read(self) -> int:
        self._pin.sync()  # edges a part scheduled up to now
        return self._count

    def deinit(self) -> None:
        self._unsubscribe()
        self._pin.release()
