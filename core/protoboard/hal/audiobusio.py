"""Contract for ``audiobusio``: an I2S output bus (to an amplifier or DAC chip) and a PDM
microphone input."""

from __future__ import annotations

import abc
from array import array

from protoboard.hal.audiocore import AudioPlayer
from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class I2SOut(AudioPlayer):
    """Stereo frames clocked out on ``bit_clock``/``word_select``/``data``; a mono sample goes
    out on both channels."""

    def __init__(
        self,
        backend: Backend,
        bit_clock: str,
        word_select: str,
        data: str,
        main_clock: str | None,
        left_justified: bool,
    ) -> None:
        super().__init__(backend)


class PDMIn(Implementation):
    """A PDM microphone: the port filters its bit stream down to ``sample_rate`` samples."""

    def __init__(
        self, backend: Backend, clock: str, data: str, sample_rate: int, oversample: int
    ) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def record(self, count: int) -> array[int]:
        """Record ``count`` samples (blocking, as a board does), each signed 16-bit
        (``array('h')``); the binding scales them to the destination's bit depth."""

    @property
    @abc.abstractmethod
    def sample_rate(self) -> int:
        """The rate the microphone really runs at (a port may round the requested one)."""
