"""HC-SR04 ultrasonic distance sensor: a 10 us pulse on ``trigger`` sends a burst of sound; the
``echo`` pin then goes high for as long as the sound takes to reach the object and come back.

The echo is a waveform on the board's clock, timed from the moment the trigger fell, so a
program measuring it with ``pulseio.PulseIn`` (or by watching the pin) reads the set distance
exactly, however busy the computer is.
"""

from __future__ import annotations

from protoboard.ports.sim.model import SimPin
from protoboard.ports.sim.parts.base import Part

#: the sensor's range, in centimetres
MIN_CM = 2.0
MAX_CM = 400.0
#: the shortest trigger pulse the sensor reacts to, in microseconds
MIN_TRIGGER_US = 10
#: from the trigger's fall to the echo's rise: the 8-cycle 40 kHz burst and the module's setup
ECHO_DELAY_US = 450
#: with nothing in range, the echo stays high this long (the module's time-out)
NO_ECHO_US = 38_000


class HCSR04(Part):
    """An HC-SR04 ultrasonic distance sensor (``trigger`` and ``echo`` pins).

    Set ``distance_cm`` (2 to 400) to the object's distance, or None for nothing in range (the
    echo then lasts 38 ms, as on the module). ``temperature`` is the air's, in °C: sound travels
    at 331.3 + 0.606 x temperature m/s (340.4 m/s at the standard atmosphere's 15 °C, the speed
    most drivers assume). ``pings`` counts the triggers it answered.
    """

    kind = "HCSR04"
    roles = ("trigger", "echo")

    def __init__(
        self,
        *,
        distance_cm: float | None = 100.0,
        temperature: float = 15.0,
        name: str | None = None,
    ) -> None:
        super().__init__(name=name)
        self._distance: float | None = None
        self.distance_cm = distance_cm
        self.temperature = temperature
        self.pings = 0
        self._rose_at: int | None = None
        self._busy_until = 0

    @property
    def distance_cm(self) -> float | None:
        return self._distance

    @distance_cm.setter
    def distance_cm(self, value: float | None) -> None:
        if value is not None:
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"distance_cm is a number of centimetres, not {value!r}")
            if not MIN_CM <= value <= MAX_CM:
                raise ValueError(
                    f"an HC-SR04 measures {MIN_CM:g} to {MAX_CM:g} cm, not {value:g}; use None "
                    "for nothing in range"
                )
            value = float(value)
        self._distance = value

    @property
    def speed_of_sound(self) -> float:
        """Metres per second at ``temperature``."""
        return 331.3 + 0.606 * self.temperature

    @property
    def echo_us(self) -> float:
        """How long the echo lasts for the current distance, in microseconds."""
        if self._distance is None:
            return float(NO_ECHO_US)
        return 2 * self._distance / 100 / self.speed_of_sound * 1e6

    def on_attach(self) -> None:
        self.pin("echo").set_external(False)  # the module drives echo low between pings
        self.listen("trigger", self._trigger)

    def on_detach(self) -> None:
        if self.sim is not None:
            self.pin("echo").schedule(None)

    def _trigger(self, pin: SimPin, level: bool, when: int) -> None:
        if level:
            self._rose_at = when
            return
        rose, self._rose_at = self._rose_at, None
        if rose is None or when - rose < MIN_TRIGGER_US * 1000 or when < self._busy_until:
            return  # too short to trigger, or still measuring the last ping
        self.pings += 1
        wave = self.play(
            "echo", [(True, self.echo_us)], at_ns=when, delay_us=ECHO_DELAY_US, after=False
        )
        self._busy_until = wave.start_ns + wave.period_ns
