"""Simulated I2S output (an ``I2SAmplifier`` part on the data pin hears it) and PDM input (a
``Microphone`` part on the data pin is what is recorded)."""

from __future__ import annotations

import time
from array import array

from protoboard.hal import audiobusio as hal
from protoboard.hal.errors import HardwareError
from protoboard.ports.sim.audio import Player, now_ns
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.audio import Microphone


class I2SOut(Player, hal.I2SOut):
    def __init__(
        self,
        backend: Simulator,
        bit_clock: str,
        word_select: str,
        data: str,
        main_clock: str | None,
        left_justified: bool,
    ) -> None:
        self._clock_pins = [backend.pins[p] for p in (bit_clock, word_select, main_clock) if p]
        super().__init__(backend, [(backend.pins[data], None)])
        for pin in (*self._clock_pins, backend.pins[data]):
            pin.configure("i2s")

    def deinit(self) -> None:
        super().deinit()
        for pin in self._clock_pins:
            pin.release()


class PDMIn(hal.PDMIn):
    def __init__(
        self, backend: Simulator, clock: str, data: str, sample_rate: int, oversample: int
    ) -> None:
        super().__init__(backend, clock, data, sample_rate, oversample)
        self._sim = backend
        self._pins = [backend.pins[clock], backend.pins[data]]
        self._rate = sample_rate
        for pin in self._pins:
            pin.configure("pdm")

    @property
    def sample_rate(self) -> int:
        return self._rate

    def _microphone(self) -> Microphone | None:
        for part in self._sim.parts_on(self._pins[1].id):
            if isinstance(part, Microphone):
                return part
        return None

    def record(self, count: int) -> array[int]:
        mic = self._microphone()
        start = now_ns()
        if mic is None:  # nothing on the data pin: the line floats at silence
            samples = array("h", bytes(2 * count))
        else:
            try:
                samples = mic.sound_at(start, self._rate, count)
            except Exception as exc:
                raise HardwareError(
                    f"simulated part '{mic.name}' failed in sound_at(): {type(exc).__name__}: {exc}"
                ) from exc
        # Recording takes the samples' time on a board: the call returns when they are in.
        end = start + count * 1_000_000_000 // self._rate
        wait = (end - now_ns()) / 1e9
        if wait > 0:
            time.sleep(wait)
        return samples

    def deinit(self) -> None:
        for pin in self._pins:
            pin.release()
