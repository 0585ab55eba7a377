"""``pwmio`` on Blinka's ``PWMOut`` for the board (sysfs PWM, a u2if board's PWM, a bridge's).
The binding keeps CircuitPython's rules (16-bit duty, ``variable_frequency``) above it."""

from __future__ import annotations

from protoboard.hal import pwmio as hal
from protoboard.ports.blinka.backend import BlinkaBackend


class PWMOut(hal.PWMOut):
    def __init__(
        self,
        backend: BlinkaBackend,
        pin: str,
        duty_cycle: int,
        frequency: int,
        variable_frequency: bool,
    ) -> None:
        super().__init__(backend, pin, duty_cycle, frequency, variable_frequency)
        self._blinka = backend
        blinka_pin = backend.capable(pin, "pwm")
        pwmio = backend.module("pwmio")
        with backend.calling("pwmio.PWMOut"):
            self._pwm = pwmio.PWMOut(
                blinka_pin,
                frequency=frequency,
                duty_cycle=duty_cycle,
                variable_frequency=variable_frequency,
            )

    def set_duty_cycle(self, duty_cycle: int) -> None:
        with self._blinka.calling("pwmio.PWMOut duty_cycle"):
            self._pwm.duty_cycle = duty_cycle

    def get_duty_cycle(self) -> int:
        with self._blinka.calling("pwmio.PWMOut duty_cycle"):
            return round(self._pwm.duty_cycle)

    def set_frequency(self, frequency: int) -> None:
        with self._blinka.calling("pwmio.PWMOut frequency"):
            self._pwm.frequency = frequency

    def get_frequency(self) -> int:
        with self._blinka.calling("pwmio.PWMOut frequency"):
            return round(self._pwm.frequency)

    def deinit(self) -> None:
        with self._blinka.calling("pwmio.PWMOut deinit"):
            self._pwm.deinit()
