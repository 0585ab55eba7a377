"""Contract for ``pwmio``: one PWM output."""

from __future__ import annotations

import abc
from dataclasses import dataclass

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


@dataclass(frozen=True)
class PWMCapabilities:
    min_frequency: int = 1
    max_frequency: int = 50_000_000


class PWMOut(Implementation):
    """A PWM channel. ``duty_cycle`` is 16-bit; frequencies are ints in Hz."""

    capabilities = PWMCapabilities()

    def __init__(
        self, backend: Backend, pin: str, duty_cycle: int, frequency: int, variable_frequency: bool
    ) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def set_duty_cycle(self, duty_cycle: int) -> None: ...

    @abc.abstractmethod
    def get_duty_cycle(self) -> int:
        """The duty cycle really in use, which may be rounded to the timer's resolution."""

    @abc.abstractmethod
    def set_frequency(self, frequency: int) -> None: ...

    @abc.abstractmethod
    def get_frequency(self) -> int: ...
