"""Contract for ``analogio``: ADC inputs and DAC outputs, always 16-bit at this boundary."""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class AnalogIn(Implementation):
    def __init__(self, backend: Backend, pin: str) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def read(self) -> int:
        """The reading scaled to 0..65535 whatever the ADC's resolution."""

    @property
    @abc.abstractmethod
    def reference_voltage(self) -> float | None: ...


class AnalogOut(Implementation):
    def __init__(self, backend: Backend, pin: str) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def write(self, value: int) -> None:
        """Output ``value`` (0..65535) as a fraction of the reference voltage."""
