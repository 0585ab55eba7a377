"""Simulated 1-Wire bus: the parts on the pin answer each slot; a read slot is the wired-AND
of what they all put on the line."""

from __future__ import annotations

from protoboard.hal import onewireio as hal
from protoboard.ports.sim.model import Simulator, part_call
from protoboard.ports.sim.parts.onewire import OneWirePart


class OneWire(hal.OneWire):
    def __init__(self, backend: Simulator, pin: str) -> None:
        super().__init__(backend, pin)
        self._sim = backend
        self._pin = backend.pins[pin]
        # open drain with the bus's pull-up: the line idles high
        self._pin.configure("onewireio", pull="up")

    def _devices(self) -> list[OneWirePart]:
        return [p for p in self._sim.parts_on(self._pin.id) if isinstance(p, OneWirePart)]

    def reset(self) -> bool:
        answers = [bool(part_call(part, "ow_reset")) for part in self._devices()]
        return any(answers)

    def read_bit(self) -> bool:
        # every device sees the slot, whatever the others put on the line
        bits = [bool(part_call(part, "ow_read_bit")) for part in self._devices()]
        return all(bits)

    def write_bit(self, value: bool) -> None:
        for part in self._devices():
            part_call(part, "ow_write_bit", value)

    def deinit(self) -> None:
        self._pin.release()
