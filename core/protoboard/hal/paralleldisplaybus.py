"""Contract for ``paralleldisplaybus``: bytes clocked out on 8 data pins with a write strobe.

The binding drives the command (D/C), chip-select, read and reset pins itself (as digital
outputs); the port only puts bytes on the data lines and pulses ``write`` for each."""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class ParallelBus(Implementation):
    def __init__(
        self, backend: Backend, data_pins: tuple[str, ...], write: str, frequency: int
    ) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def write(self, data: bytes) -> None:
        """Clock ``data`` out, one byte per write strobe."""
