"""Contract for ``onewireio``: the bit-level slots of Maxim's 1-Wire bus on one pin (reset and
presence, write slot, read slot); everything above bits is the program's business."""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class OneWire(Implementation):
    def __init__(self, backend: Backend, pin: str) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def reset(self) -> bool:
        """A reset pulse; True when at least one device answered with a presence pulse."""

    @abc.abstractmethod
    def read_bit(self) -> bool:
        """A read slot: False when a device pulled the line low."""

    @abc.abstractmethod
    def write_bit(self, value: bool) -> None: ...
