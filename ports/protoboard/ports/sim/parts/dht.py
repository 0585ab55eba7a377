"""DHT22 (AM2302) and DHT11 temperature and humidity sensors: one data line, pulled up.

The host pulls the line low (1 ms for a DHT22, 18 ms for a DHT11) and lets go; the sensor then
answers on the same line: 80 us low, 80 us high, then 40 bits, each 50 us low and a high of
26 us (a 0) or 70 us (a 1): humidity, temperature and a checksum. The answer is a waveform on the
board's clock, timed from the host letting go, so ``pulseio.PulseIn`` reads it exactly.
"""

from __future__ import annotations

from protoboard.ports.sim.model import SimPin
from protoboard.ports.sim.parts.base import Part

#: after the host lets go, the sensor waits this long before pulling the line low
RESPONSE_DELAY_US = 30
#: the lengths of the line's states in the answer, in microseconds
ACK_US = 80
BIT_LOW_US = 50
ZERO_HIGH_US = 26
ONE_HIGH_US = 70


def _number(value: object, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise TypeError(f"{name} is a number, not {value!r}")
    return float(value)


class _DHT(Part):
    roles = ("pin",)
    #: the shortest start pulse (host holding the line low) the sensor answers, in microseconds
    min_start_us = 800
    temperature_range = (-40.0, 80.0)
    humidity_range = (0.0, 100.0)

    def __init__(
        self, *, temperature: float = 22.0, humidity: float = 45.0, name: str | None = None
    ) -> None:
        super().__init__(name=name)
        self._temperature = 0.0
        self._humidity = 0.0
        self.temperature = temperature
        self.humidity = humidity
        #: answers sent (one per start pulse the sensor heard)
        self.readings = 0
        self._fell_at: int | None = None

    @property
    def temperature(self) -> float:
        """The air temperature, in °C."""
        return self._temperature

    @temperature.setter
    def temperature(self, value: float) -> None:
        self._temperature = self._in_range(value, "temperature", self.temperature_range, "°C")

    @property
    def humidity(self) -> float:
        """The relative humidity, in percent."""
        return self._humidity

    @humidity.setter
    def humidity(self, value: float) -> None:
        self._humidity = self._in_range(value, "humidity", self.humidity_range, "%")

    def _in_range(self, value: object, name: str, limits: tuple[float, float], unit: str) -> float:
        number = _number(value, name)
        low, high = limits
        if not low <= number <= high:
            raise ValueError(
                f"a {self.kind} measures {name} from {low:g} to {high:g} {unit}, not {number:g}"
            )
        return number

    def data(self) -> bytes:
        """The 5 bytes the sensor sends now: 4 data bytes and their checksum."""
        body = self._payload()
        return bytes([*body, sum(body) & 0xFF])

    def _payload(self) -> bytes:
        raise NotImplementedError

    def on_attach(self) -> None:
        self.listen("pin", self._line)

    def on_detach(self) -> None:
        if self.sim is not None:
            self.pin("pin").schedule(None)

    def _line(self, pin: SimPin, level: bool, when: int) -> None:
        if pin.mode != "output" and self._fell_at is None:
            return  # the sensor's own answer, or noise: only the host's start pulse counts
        if not level:
            self._fell_at = when
            return
        fell, self._fell_at = self._fell_at, None
        if fell is None or when - fell < self.min_start_us * 1000:
            return
        self.readings += 1
        steps: list[tuple[object, object]] = [(False, ACK_US), (True, ACK_US)]
        for byte in self.data():
            for bit in range(7, -1, -1):
                high = ONE_HIGH_US if byte >> bit & 1 else ZERO_HIGH_US
                steps += [(False, BIT_LOW_US), (True, high)]
        steps.append((False, BIT_LOW_US))
        self.play("pin", steps, at_ns=when, delay_us=RESPONSE_DELAY_US, after=None)


class DHT22(_DHT):
    """A DHT22 (AM2302) temperature and humidity sensor on one data ``pin``.

    Set ``temperature`` (-40 to 80 °C) and ``humidity`` (0 to 100 %); it sends them in tenths,
    as the sensor does. ``readings`` counts the answers it sent.
    """

    kind = "DHT22"

    def _payload(self) -> bytes:
        humidity = round(self._humidity * 10)
        tenths = round(abs(self._temperature) * 10)
        temperature = tenths | (0x8000 if self._temperature < 0 and tenths else 0)
        return humidity.to_bytes(2, "big") + temperature.to_bytes(2, "big")


class DHT11(_DHT):
    """A DHT11 temperature and humidity sensor on one data ``pin``.

    Set ``temperature`` (0 to 50 °C, sent to a tenth) and ``humidity`` (20 to 90 %, whole
    percent). The host's start pulse must last at least 18 ms.
    """

    kind = "DHT11"
    min_start_us = 18_000
    temperature_range = (0.0, 50.0)
    humidity_range = (20.0, 90.0)

    def _payload(self) -> bytes:
        tenths = round(self._temperature * 10)
        return bytes([round(self._humidity), 0, tenths // 10, tenths % 10])
