"""Simulated USB MIDI: the board's USB host part receives and sends the MIDI bytes."""

from __future__ import annotations

from protoboard.hal import usb_midi as hal
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.usbhost import board_host


class MidiHost(hal.MidiHost):
    def __init__(self, backend: Simulator) -> None:
        super().__init__(backend)
        self._sim = backend

    def write(self, data: bytes) -> None:
        board_host(self._sim).midi_out(data)

    def read(self, size: int) -> bytes:
        return board_host(self._sim).midi_for_board(size)
