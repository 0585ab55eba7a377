"""``countio`` on kernel edge events: the kernel sees every edge, even while Python is busy."""

from __future__ import annotations

import threading

import gpiod
from gpiod.line import Edge

from protoboard.hal import countio as hal
from protoboard.hal.digitalio import Pull
from protoboard.ports.linux import gpio
from protoboard.ports.linux.backend import LinuxBackend
from protoboard.ports.linux.edges import EdgeReader

_EDGES = {
    hal.Edge.RISE: Edge.RISING,
    hal.Edge.FALL: Edge.FALLING,
    hal.Edge.RISE_AND_FALL: Edge.BOTH,
}


class Counter(hal.Counter):
    def __init__(self, backend: LinuxBackend, pin: str, edge: hal.Edge, pull: Pull | None) -> None:
        super().__init__(backend, pin, edge, pull)
        self._req, _ = gpio.request(backend, {pin: gpio.input_settings(pull, _EDGES[edge])})
        self._count = 0
        self._lock = threading.Lock()
        self._reader = EdgeReader(self._req, self._edge)

    def _edge(self, event: gpiod.EdgeEvent) -> None:
        with self._lock:
            self._count += 1

    def read(self) -> int:
        with self._lock:
            return self._count

    def deinit(self) -> None:
        self._reader.stop()
        self._req.release()
