"""Contract for ``audioi2sin``: an I2S input bus from a MEMS microphone (or any I2S source)."""

from __future__ import annotations

import abc
from array import array

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class I2SIn(Implementation):
    """Frames clocked in on ``bit_clock``/``word_select``/``data`` at ``sample_rate`` (the
    clock pins are None when something else drives them: ``external_clock``).

    Samples cross the contract as signed 16-bit values interleaved by channel (left first); the
    binding widens or narrows them to the bus's and the program's bit depths."""

    def __init__(
        self,
        backend: Backend,
        bit_clock: str | None,
        word_select: str | None,
        data: str,
        main_clock: str | None,
        sample_rate: int,
        channel_count: int,
    ) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def record(self, frames: int) -> array[int]:
        """Record ``frames`` frames (blocking, as a board does) as ``array('h')``."""

    @abc.abstractmethod
    def listen(self, frames: int) -> array[int]:
        """The next ``frames`` frames of the live stream, without waiting: what a player pulls
        when the input is played through an audio output. Follows on from the previous call
        (the player's clock keeps the pace); :meth:`restart` starts it at the present."""

    @abc.abstractmethod
    def restart(self) -> None:
        """Start the live stream at the present moment."""
