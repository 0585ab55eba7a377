"""Contract for ``usb_midi``: the MIDI byte streams between the board and the USB host."""

from __future__ import annotations

import abc

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class MidiHost(Implementation):
    """One per board: the host's MIDI port (the board's one jack in each direction)."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def write(self, data: bytes) -> None:
        """MIDI bytes from the board to the host."""

    @abc.abstractmethod
    def read(self, size: int) -> bytes:
        """Up to ``size`` MIDI bytes the host sent, without waiting (b"" when none)."""

    def deinit(self) -> None:
        """The host stays attached: nothing to release."""
