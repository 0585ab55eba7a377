"""``analogio`` on Blinka's ``AnalogIn``/``AnalogOut`` for the board (an MCP2221's ADC and DAC,
a u2if board's ADC, IIO on Linux boards). Blinka's values are already 16-bit."""

from __future__ import annotations

from protoboard.hal import analogio as hal
from protoboard.hal.errors import HardwareError
from protoboard.ports.blinka.backend import BlinkaBackend


class AnalogIn(hal.AnalogIn):
    def __init__(self, backend: BlinkaBackend, pin: str) -> None:
        super().__init__(backend, pin)
        self._blinka = backend
        self._pin = pin
        blinka_pin = backend.capable(pin, "analog_in")
        analogio = backend.module("analogio")
        with backend.calling("analogio.AnalogIn"):
            self._adc = analogio.AnalogIn(blinka_pin)

    def read(self) -> int:
        with self._blinka.calling("analogio.AnalogIn value"):
            value = self._adc.value
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise HardwareError(
                f"analogio.AnalogIn on {self._pin} read {value!r} from Blinka, not a number: "
                "Blinka's code has no ADC reading for this pin"
            )
        # Blinka promises 0..65535; its test board's wave pins swing around 0: clamp, as an
        # ADC clamps at its rails
        return min(max(int(value), 0), 0xFFFF)

    @property
    def reference_voltage(self) -> float | None:
        voltage = getattr(self._adc, "reference_voltage", None)  # only some chips say
        return None if voltage is None else float(voltage)

    def deinit(self) -> None:
        with self._blinka.calling("analogio.AnalogIn deinit"):
            self._adc.deinit()


class AnalogOut(hal.AnalogOut):
    def __init__(self, backend: BlinkaBackend, pin: str) -> None:
        super().__init__(backend, pin)
        self._blinka = backend
        blinka_pin = backend.capable(pin, "analog_out")
        analogio = backend.module("analogio")
        with backend.calling("analogio.AnalogOut"):
            self._dac = analogio.AnalogOut(blinka_pin)

    def write(self, value: int) -> None:
        with self._blinka.calling("analogio.AnalogOut value"):
            self._dac.value = value

    def deinit(self) -> None:
        with self._blinka.calling("analogio.AnalogOut deinit"):
            self._dac.deinit()
