"""Simulated PWM audio: any ``pwm`` pin plays; ``Speaker`` parts listen."""

from __future__ import annotations

from protoboard.hal import audiopwmio as hal
from protoboard.hal.errors import InvalidPin
from protoboard.ports.sim.audio import Player
from protoboard.ports.sim.model import SimPin, Simulator


class PWMAudioOut(Player, hal.PWMAudioOut):
    def __init__(
        self, backend: Simulator, left: str, right: str | None, quiescent_value: int
    ) -> None:
        for pin in (left, right):
            if pin is not None and not backend.board.has("pwm", pin):
                raise InvalidPin(pin)
        outputs: list[tuple[SimPin, int | None]] = [(backend.pins[left], 0)]
        if right is not None:
            outputs.append((backend.pins[right], 1))
        super().__init__(backend, outputs)
        for sim_pin, _ in outputs:
            sim_pin.configure("audio_pwm")
