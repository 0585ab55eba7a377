"""Simulated DAC audio: the board's ``analog_out`` pins play; ``Speaker`` parts listen."""

from __future__ import annotations

from protoboard.hal import audioio as hal
from protoboard.hal.errors import InvalidPin
from protoboard.ports.sim.audio import Player
from protoboard.ports.sim.model import SimPin, Simulator


class AudioOut(Player, hal.AudioOut):
    def __init__(
        self, backend: Simulator, left: str, right: str | None, quiescent_value: int
    ) -> None:
        # A board definition that names no DAC pins (one made from circuitpython-stubs, which
        # do not say) allows any pin rather than a false "Invalid pin".
        if backend.board.capabilities.get("analog_out"):
            for pin in (left, right):
                if pin is not None and not backend.board.has("analog_out", pin):
                    raise InvalidPin(pin)
        outputs: list[tuple[SimPin, int | None]] = [(backend.pins[left], 0)]
        if right is not None:
            outputs.append((backend.pins[right], 1))
        super().__init__(backend, outputs)
        for sim_pin, _ in outputs:
            sim_pin.configure("audio_out")
