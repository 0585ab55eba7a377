"""Simulated 8-bit parallel display bus: each byte is a pulse of the write strobe, handed to the
parts listening on the write pin (with the data lines' value)."""

from __future__ import annotations

from protoboard.hal import paralleldisplaybus as hal
from protoboard.ports.sim.model import Simulator


class ParallelBus(hal.ParallelBus):
    def __init__(
        self, backend: Simulator, data_pins: tuple[str, ...], write: str, frequency: int
    ) -> None:
        super().__init__(backend, data_pins, write, frequency)
        self._data = [backend.pins[p] for p in data_pins]
        self._write = backend.pins[write]
        for pin in (*self._data, self._write):
            pin.configure("paralleldisplaybus", drive=True)

    def write(self, data: bytes) -> None:
        self._write.send_data(bytes(data), "parallel")

    def deinit(self) -> None:
        for pin in (*self._data, self._write):
            pin.release()
