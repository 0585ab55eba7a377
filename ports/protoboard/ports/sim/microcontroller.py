"""The simulated processor and its non-volatile memory."""

from __future__ import annotations

import hashlib

from protoboard.hal import microcontroller as hal
from protoboard.ports.sim.model import Simulator


class Processor(hal.Processor):
    def __init__(self, backend: Simulator, index: int) -> None:
        super().__init__(backend, index)
        self._sim = backend
        self._index = index

    @property
    def frequency(self) -> int:
        return self._sim.cpu_frequency

    @property
    def temperature(self) -> float | None:
        return self._sim.cpu_temperature

    @property
    def voltage(self) -> float | None:
        return self._sim.cpu_voltage

    @property
    def uid(self) -> bytes:
        seed = f"protoboard-sim:{self._sim.board.board_id}:{self._index}".encode()
        return hashlib.sha256(seed).digest()[:8]


class NVM(hal.NVM):
    def __init__(self, backend: Simulator) -> None:
        super().__init__(backend)
        self._sim = backend

    @property
    def size(self) -> int:
        return len(self._sim.nvm)

    def read(self, start: int, end: int) -> bytes:
        return bytes(self._sim.nvm[start:end])

    def write(self, start: int, data: bytes) -> None:
        self._sim.nvm[start : start + len(data)] = data
