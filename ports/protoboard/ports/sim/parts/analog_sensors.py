"""Analog sensors as a board wires them: a thermistor in a voltage divider and a light sensor
(a phototransistor) whose pin voltage follows the light."""

from __future__ import annotations

import math

from protoboard.ports.sim.model import VCC
from protoboard.ports.sim.parts.base import Part

ZERO_CELSIUS = 273.15


class Thermistor(Part):
    """An NTC thermistor from 3.3 V to the pin, with ``series_resistor`` from the pin to ground
    (the Circuit Playground's wiring: ``adafruit_thermistor.Thermistor(pin, 10000, 10000, 25,
    3950)`` reads it). Set ``temperature`` in °C; the pin's voltage follows the B-parameter
    equation ``R = R0 * exp(B * (1/T - 1/T0))``."""

    kind = "Thermistor"
    roles = ("pin",)

    def __init__(
        self,
        *,
        name: str | None = None,
        temperature: float = 25.0,
        series_resistor: float = 10_000.0,
        nominal_resistance: float = 10_000.0,
        nominal_temperature: float = 25.0,
        b_coefficient: float = 3950.0,
    ) -> None:
        super().__init__(name=name)
        self.series_resistor = series_resistor
        self.nominal_resistance = nominal_resistance
        self.nominal_temperature = nominal_temperature
        self.b_coefficient = b_coefficient
        self._temperature = temperature

    def on_attach(self) -> None:
        self.temperature = self._temperature

    @property
    def resistance(self) -> float:
        """The thermistor's resistance at its temperature, in ohms."""
        t = self._temperature + ZERO_CELSIUS
        t0 = self.nominal_temperature + ZERO_CELSIUS
        return self.nominal_resistance * math.exp(self.b_coefficient * (1 / t - 1 / t0))

    @property
    def temperature(self) -> float:
        return self._temperature

    @temperature.setter
    def temperature(self, value: float) -> None:
        if not -55.0 <= value <= 150.0:
            raise ValueError(f"a thermistor reads -55 to 150 °C, not {value}")
        self._temperature = float(value)
        if self.sim is not None:
            r = self.resistance
            self.pin("pin").voltage = VCC * self.series_resistor / (r + self.series_resistor)


class LightSensor(Part):
    """A phototransistor light sensor on an analog pin (the Circuit Playground's, the CLUE's,
    the MagTag's). Set ``lux``; the pin's voltage rises with the light up to 3.3 V at
    ``full_scale_lux``."""

    kind = "LightSensor"
    roles = ("pin",)

    def __init__(
        self, *, name: str | None = None, lux: float = 300.0, full_scale_lux: float = 1000.0
    ) -> None:
        super().__init__(name=name)
        if full_scale_lux <= 0:
            raise ValueError("full_scale_lux must be above 0")
        self.full_scale_lux = full_scale_lux
        self._lux = lux

    def on_attach(self) -> None:
        self.lux = self._lux

    @property
    def lux(self) -> float:
        return self._lux

    @lux.setter
    def lux(self, value: float) -> None:
        if value < 0:
            raise ValueError(f"light cannot be below 0 lux, not {value}")
        self._lux = float(value)
        if self.sim is not None:
            self.pin("pin").voltage = min(1.0, value / self.full_scale_lux) * VCC
