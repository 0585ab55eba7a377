"""Simulated PWM outputs. Each change is kept in the pin's ``pwm_history``."""

from __future__ import annotations

from protoboard.hal import pwmio as hal
from protoboard.hal.errors import InvalidPin, UnsupportedFrequency
from protoboard.ports.sim.model import Simulator


class PWMOut(hal.PWMOut):
    capabilities = hal.PWMCapabilities(min_frequency=1, max_frequency=62_500_000)

    def __init__(
        self,
        backend: Simulator,
        pin: str,
        duty_cycle: int,
        frequency: int,
        variable_frequency: bool,
    ) -> None:
        super().__init__(backend, pin, duty_cycle, frequency, variable_frequency)
        if not backend.board.has("pwm", pin):
            raise InvalidPin(pin)
        self._check(frequency)
        self._pin = backend.pins[pin]
        self._pin.configure("pwm")
        self._duty = duty_cycle
        self._frequency = frequency
        self._pin.set_pwm(duty_cycle, frequency)

    def _check(self, frequency: int) -> None:
        caps = self.capabilities
        if not caps.min_frequency <= frequency <= caps.max_frequency:
            raise UnsupportedFrequency(frequency)

    def set_duty_cycle(self, duty_cycle: int) -> None:
        self._duty = duty_cycle
        self._pin.set_pwm(duty_cycle, self._frequency)

    def get_duty_cycle(self) -> int:
        return self._duty

    def set_frequency(self, frequency: int) -> None:
        self._check(frequency)
        self._frequency = frequency
        self._pin.set_pwm(self._duty, frequency)

    def get_frequency(self) -> int:
        return self._frequency

    def deinit(self) -> None:
        self._pin.release()
