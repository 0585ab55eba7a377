"""Simulated ADC inputs and DAC outputs (3.3 V reference, 12-bit ADC scaled to 16 bits)."""

from __future__ import annotations

from protoboard.hal import analogio as hal
from protoboard.hal.errors import InvalidPin
from protoboard.ports.sim.model import VCC, Simulator

ADC_BITS = 12


class AnalogIn(hal.AnalogIn):
    def __init__(self, backend: Simulator, pin: str) -> None:
        super().__init__(backend, pin)
        if not backend.board.has("analog_in", pin):
            raise InvalidPin(pin)
        self._pin = backend.pins[pin]
        self._pin.configure("analog_in")

    def read(self) -> int:
        volts = self._pin.voltage
        raw = round(volts / VCC * ((1 << ADC_BITS) - 1))
        # Scale to 16 bits the way CircuitPython's ports do: shift up, then copy the top bits
        # down so full scale reads 65535.
        value = (raw << (16 - ADC_BITS)) | (raw >> (2 * ADC_BITS - 16))
        sim = self._pin.sim
        if sim.activity_listeners:
            sim.report(self._pin.label, "analog_in", value=value, volts=volts)
        return value

    @property
    def reference_voltage(self) -> float:
        return VCC

    def deinit(self) -> None:
        self._pin.release()


class AnalogOut(hal.AnalogOut):
    def __init__(self, backend: Simulator, pin: str) -> None:
        super().__init__(backend, pin)
        if not backend.board.has("analog_out", pin):
            raise InvalidPin(pin)
        self._pin = backend.pins[pin]
        self._pin.configure("analog_out")

    def write(self, value: int) -> None:
        self._pin.voltage = volts = value / 0xFFFF * VCC
        sim = self._pin.sim
        if sim.activity_listeners:
            sim.report(self._pin.label, "analog_out", value=value, volts=volts)

    def deinit(self) -> None:
        self._pin.voltage = None
        self._pin.release()
