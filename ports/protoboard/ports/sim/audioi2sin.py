"""Simulated I2S input: the ``I2SMicrophone`` parts on the data pin are what is recorded, the
one in the left slot for mono, left and right for stereo (an empty slot reads as silence, as a
line no microphone drives does)."""

from __future__ import annotations

import time
from array import array

from protoboard.hal import audioi2sin as hal
from protoboard.hal.errors import HardwareError
from protoboard.ports.sim.audio import now_ns
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.audio import I2SMicrophone


class I2SIn(hal.I2SIn):
    def __init__(
        self,
        backend: Simulator,
        bit_clock: str | None,
        word_select: str | None,
        data: str,
        main_clock: str | None,
        sample_rate: int,
        channel_count: int,
    ) -> None:
        super().__init__(
            backend, bit_clock, word_select, data, main_clock, sample_rate, channel_count
        )
        self._sim = backend
        self._data = backend.pins[data]
        # In external clock mode the binding passes no clock pins: they belong to the source.
        self._pins = [backend.pins[p] for p in (bit_clock, word_select, data, main_clock) if p]
        self._rate = sample_rate
        self._channels = channel_count
        self._live_ns = now_ns()
        self._live_frames = 0
        for pin in self._pins:
            pin.configure("i2s")

    def _slot(self, channel: str, start_ns: int, frames: int) -> array[int]:
        for part in self._sim.parts_on(self._data.id):
            if isinstance(part, I2SMicrophone) and part.channel == channel:
                try:
                    return part.sound_at(start_ns, self._rate, frames)
                except Exception as exc:
                    raise HardwareError(
                        f"simulated part '{part.name}' failed in sound_at(): "
                        f"{type(exc).__name__}: {exc}"
                    ) from exc
        return array("h", bytes(2 * frames))

    def _frames_at(self, start_ns: int, frames: int) -> array[int]:
        left = self._slot("left", start_ns, frames)
        if self._channels == 1:
            return left
        out = array("h", bytes(4 * frames))
        out[0::2] = left
        out[1::2] = self._slot("right", start_ns, frames)
        return out

    def record(self, frames: int) -> array[int]:
        start = now_ns()
        samples = self._frames_at(start, frames)
        # Recording takes the samples' time on a board: the call returns when they are in.
        wait = (start + frames * 1_000_000_000 // self._rate - now_ns()) / 1e9
        if wait > 0:
            time.sleep(wait)
        return samples

    def listen(self, frames: int) -> array[int]:
        start = self._live_ns + self._live_frames * 1_000_000_000 // self._rate
        self._live_frames += frames
        return self._frames_at(start, frames)

    def restart(self) -> None:
        self._live_ns = now_ns()
        self._live_frames = 0

    def deinit(self) -> None:
        for pin in self._pins:
            pin.release()
