"""The simulated board: pins, buses and the parts wired to them.

This is a model, not a script of canned answers. A pin's level is worked out from who drives it
(the program's output, a part such as a pressed button, a pull resistor); every change is
timestamped in the pin's history and passed to listeners (an LED part, a counter, the
``--trace`` printer). Buses route transfers to the parts attached to their pins, so a program
that uses the wrong pins finds no device, as it would on a bench.
"""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from protoboard.boards import BoardDef
from protoboard.hal.backend import Backend
from protoboard.hal.errors import HardwareError

if TYPE_CHECKING:
    from protoboard.ports.sim.parts.base import I2CPart, Part, SPIPart
    from protoboard.ports.sim.waveform import Waveform

#: the simulated board's logic supply, in volts
VCC = 3.3
HISTORY_LENGTH = 10_000
#: "no scheduled edge": later than any monotonic_ns
NEVER = 1 << 62

LevelListener = Callable[["SimPin", bool, int], None]
DataListener = Callable[["SimPin", bytes, str], None]


@dataclass(frozen=True)
class Activity:
    """What a program did on the board besides a level change: ``kind`` is ``"pwm"``
    (``duty_cycle``, ``frequency``), ``"analog_in"`` / ``"analog_out"`` (``value``, ``volts``),
    ``"i2c"`` (``address``, ``written``, ``read``, ``answered``) or ``"audio"`` (``event``
    ``"play"`` with ``source``, ``sample_rate``, ``loop``; ``"stop"`` with ``end_ns``);
    ``where`` names the pin or the bus (``"D13/LED"``, ``"SCL/SDA"``)."""

    when: int
    where: str
    kind: str
    data: dict[str, Any] = field(default_factory=dict)


ActivityListener = Callable[[Activity], None]


class SimPin:
    """One pin of the simulated board.

    Read ``level`` (bool), ``mode`` (what the program uses it for), ``history`` (a list of
    ``(monotonic_ns, level)`` transitions, newest last), ``voltage`` and ``pwm``. Parts and tests
    drive inputs with :meth:`set_external` (a digital level, or None to let go) and
    :attr:`voltage`.
    """

    __slots__ = (
        "_data_listeners",
        "_drive",
        "_external",
        "_history",
        "_level",
        "_listeners",
        "_open_drain",
        "_pull",
        "_voltage",
        "_wave",
        "_wave_edges",
        "_wave_next",
        "_wave_pending",
        "id",
        "mode",
        "names",
        "pwm",
        "pwm_history",
        "sim",
    )

    def __init__(self, sim: Simulator, pin_id: str, names: tuple[str, ...]) -> None:
        self.sim = sim
        self.id = pin_id
        self.names = names
        self.mode = "unused"
        self._drive = False
        self._open_drain = False
        self._pull: str | None = None
        self._external: bool | None = None
        self._voltage: float | None = None
        self._level = False
        self._history: collections.deque[tuple[int, bool]] = collections.deque(
            [(time.monotonic_ns(), False)], maxlen=HISTORY_LENGTH
        )
        #: (duty_cycle, frequency) while the pin is a PWM output, else None
        self.pwm: tuple[int, int] | None = None
        self.pwm_history: collections.deque[tuple[int, int, int]] = collections.deque(
            maxlen=HISTORY_LENGTH
        )
        self._listeners: list[LevelListener] = []
        self._data_listeners: list[DataListener] = []
        #: the waveform a part scheduled on this pin, and its next edge (worked out when read)
        self._wave: Waveform | None = None
        self._wave_edges: Iterator[tuple[int, bool | None]] = iter(())
        self._wave_pending: tuple[int, bool | None] | None = None
        self._wave_next = NEVER

    def __repr__(self) -> str:
        name = self.names[0] if self.names else self.id
        return f"<SimPin {name} ({self.id}) {self.mode} level={int(self._level)}>"

    @property
    def name(self) -> str:
        return self.names[0] if self.names else self.id

    @property
    def label(self) -> str:
        """All the pin's names (``D13/LED``), as traces show it."""
        return "/".join(self.names) or self.id

    # -- levels -------------------------------------------------------------------------------

    @property
    def level(self) -> bool:
        if self._wave is not None:
            self.sync()
        return self._level

    @property
    def history(self) -> collections.deque[tuple[int, bool]]:
        """The ``(monotonic_ns, level)`` transitions, newest last (the last
        ``HISTORY_LENGTH``)."""
        if self._wave is not None:
            self.sync()
        return self._history

    @property
    def levels(self) -> list[bool]:
        """The levels in :attr:`history`, oldest first (handy in assertions)."""
        self.sync()
        return [level for _, level in self.history]

    def _resolve(self) -> bool:
        if self.mode == "output" and (self._drive or not self._open_drain):
            return self._drive
        if self.mode == "output":  # open drain driving low
            return False
        if self._external is not None:
            return self._external
        if self._voltage is not None and self.mode != "analog_out":
            return self._voltage >= VCC / 2
        if self._pull == "up":
            return True
        return False  # pulled down, or floating (which reads low here)

    def _update(self) -> None:
        if self._wave is not None:
            self.sync()
        self._apply(time.monotonic_ns())

    def _apply(self, when: int) -> None:
        """Work out the level from the drivers; record and announce a change at ``when``."""
        level = self._resolve()
        if level != self._level:
            self._level = level
            self._history.append((when, level))
            for listener in self._listeners:
                listener(self, level, when)

    # -- timed levels -------------------------------------------------------------------------

    def schedule(self, wave: Waveform | None) -> None:
        """Play ``wave`` on this pin as its outside driver (replacing any waveform still
        playing; None stops it and lets go). Levels are worked out lazily, when the pin is read,
        with each edge stamped at the time the waveform put it."""
        with self.sim.lock:
            self.sync()
            self._wave = wave
            if wave is None:
                self._wave_pending = None
                self._wave_next = NEVER
                self._external = None
                self._apply(time.monotonic_ns())
                return
            self._wave_edges = wave.edges(wave.start_ns)
            self._wave_pending = next(self._wave_edges, None)
            self._wave_next = self._wave_pending[0] if self._wave_pending else NEVER
        self.sync()

    @property
    def waveform(self) -> Waveform | None:
        """The waveform still playing on this pin, if any."""
        self.sync()
        return self._wave

    def sync(self, now: int | None = None) -> None:
        """Apply the scheduled edges due by ``now`` (default: the board's clock now)."""
        if self._wave is None:
            return
        if now is None:
            now = time.monotonic_ns()
        if self._wave_next > now:
            return
        with self.sim.lock:
            self._catch_up(now)

    def _catch_up(self, now: int) -> None:
        wave = self._wave
        if wave is not None and wave.repeat and not self._listeners:
            self._skip_unheard(wave, now)
        pending = self._wave_pending
        while pending is not None and pending[0] <= now:
            when, level = pending
            self._external = level
            self._apply(when)
            if self._wave is not wave:  # a listener scheduled a new waveform on this pin
                self.sync(now)
                return
            pending = next(self._wave_edges, None)
        self._wave_pending = pending
        if pending is None:
            self._wave = None
            self._wave_next = NEVER
        else:
            self._wave_next = pending[0]

    def _skip_unheard(self, wave: Waveform, now: int) -> None:
        """With nobody listening, only the last history's worth of a long repeating waveform
        can be seen: jump over the rest instead of replaying every edge."""
        keep = wave.period_ns * (HISTORY_LENGTH // len(wave.steps) + 1)
        pending = self._wave_pending
        if pending is None or now - pending[0] <= 2 * keep:
            return
        since = now - keep
        self._external = wave.level_at(since - 1)[1]
        self._level = self._resolve()
        self._wave_edges = wave.edges(since)
        self._wave_pending = next(self._wave_edges, None)

    def configure(
        self,
        mode: str,
        *,
        pull: str | None = None,
        open_drain: bool = False,
        drive: bool | None = None,
    ) -> None:
        """Used by the port's implementations when the program claims or reconfigures the pin."""
        self.mode = mode
        self._pull = pull
        self._open_drain = open_drain
        if drive is not None:
            self._drive = drive
        if mode != "pwm":
            self.pwm = None
        self._update()

    def set_pull(self, pull: str | None) -> None:
        self._pull = pull
        self._update()

    def release(self) -> None:
        """The program let go of the pin: back to an unused, undriven input."""
        self.configure("unused")

    def set_external(self, level: bool | None) -> None:
        """Drive the pin from outside the program (a part or a test); None lets it float.
        This stops any waveform playing on the pin."""
        if self._wave is not None:
            self.sync()
            self._wave = None
            self._wave_pending = None
            self._wave_next = NEVER
        self._external = level
        self._update()

    @property
    def external(self) -> bool | None:
        if self._wave is not None:
            self.sync()
        return self._external

    @property
    def pull(self) -> str | None:
        return self._pull

    @property
    def voltage(self) -> float:
        """The analog voltage on the pin (set by a part such as a potentiometer, or a DAC)."""
        if self._voltage is not None:
            return self._voltage
        return VCC if self._level else 0.0

    @voltage.setter
    def voltage(self, volts: float | None) -> None:
        if volts is not None and not 0.0 <= volts <= VCC:
            raise ValueError(f"voltage must be between 0 and {VCC} V, not {volts}")
        self._voltage = volts
        self._update()

    def set_pwm(self, duty_cycle: int, frequency: int) -> None:
        self.pwm = (duty_cycle, frequency)
        now = time.monotonic_ns()
        self.pwm_history.append((now, duty_cycle, frequency))
        if self.sim.activity_listeners:
            self.sim.report(self.label, "pwm", duty_cycle=duty_cycle, frequency=frequency)

    # -- listeners ----------------------------------------------------------------------------

    def on_change(self, listener: LevelListener) -> Callable[[], None]:
        """Call ``listener(pin, level, monotonic_ns)`` on every level change; returns an
        unsubscribe function."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener) if listener in self._listeners else None

    def on_data(self, listener: DataListener) -> Callable[[], None]:
        """Call ``listener(pin, data, kind)`` when a data stream is clocked out on this pin
        (``kind`` is ``"neopixel"`` or ``"uart"``)."""
        self._data_listeners.append(listener)
        return lambda: (
            self._data_listeners.remove(listener) if listener in self._data_listeners else None
        )

    def send_data(self, data: bytes, kind: str) -> None:
        for listener in list(self._data_listeners):
            listener(self, data, kind)


class I2CBusModel:
    """The devices wired to one SCL/SDA pair, by 7-bit address."""

    def __init__(self, scl: str, sda: str) -> None:
        self.scl = scl
        self.sda = sda
        self.devices: dict[int, I2CPart] = {}


class SPIBusModel:
    """The devices wired to one clock line, each with its chip-select pin (None for a chip
    that has none and hears every transfer)."""

    def __init__(self, clock: str) -> None:
        self.clock = clock
        self.devices: list[tuple[SPIPart, str | None]] = []


def sync_pins(pins: Iterable[SimPin], now: int | None = None) -> None:
    """Apply the scheduled edges of several pins up to ``now`` in time order across them, so a
    listener on two pins (a quadrature decoder) sees the edges as they happened."""
    pins = [pin for pin in pins if pin._wave is not None]
    if not pins:
        return
    if now is None:
        now = time.monotonic_ns()
    if len(pins) == 1:
        pins[0].sync(now)
        return
    while True:
        due = sorted((p for p in pins if p._wave is not None), key=lambda p: p._wave_next)
        if not due or due[0]._wave_next > now:
            return
        until = min(now, due[1]._wave_next) if len(due) > 1 else now
        due[0].sync(until)


def part_failure(part: Part, method: str, exc: Exception) -> HardwareError:
    """The error a program sees when a part's callback raised: the part's name, never a crash."""
    return HardwareError(
        f"simulated part '{part.name}' failed in {method}(): {type(exc).__name__}: {exc}"
    )


def part_call(part: Part, method: str, *args: Any) -> Any:
    """Call a part's callback, reporting a failure with the part's name."""
    try:
        return getattr(part, method)(*args)
    except HardwareError:
        raise
    except Exception as exc:
        raise part_failure(part, method, exc) from exc


class Simulator(Backend):
    """The state of one simulated board: its pins, buses and attached parts.

    Tests and the CLI drive and inspect it: ``sim.pin("D13").history``,
    ``sim.part("BME280").temperature = 30.0``, ``sim.attach(MyPart(), scl="SCL", sda="SDA")``.
    """

    def __init__(self, board: BoardDef) -> None:
        super().__init__(board)
        self.lock = threading.RLock()
        self.pins: dict[str, SimPin] = {
            pin_id: SimPin(self, pin_id, names) for pin_id, names in board.pins.items()
        }
        self._by_name = {name: pin for pin in self.pins.values() for name in pin.names}
        self.parts: dict[str, Part] = {}
        self.i2c_buses: dict[tuple[str, str], I2CBusModel] = {}
        self.spi_buses: dict[str, SPIBusModel] = {}
        self.cpu_count = 1
        #: settable from tests: ``sim.cpu_temperature = 40.0``
        self.cpu_temperature: float | None = 25.0
        self.cpu_voltage: float | None = VCC
        self.cpu_frequency = 125_000_000
        self.nvm = bytearray(b"\xff" * board.nvm_size)
        #: called with each :class:`Activity` (PWM, analog, I2C); emitters check it is non-empty
        self.activity_listeners: list[ActivityListener] = []
        self._build_onboard_parts()

    def simulated_world(self) -> Simulator:
        return self

    def _build_onboard_parts(self) -> None:
        for spec in self.board.parts:
            spec = dict(spec)
            self.add(spec.pop("type"), **spec)
        if {"usb_hid", "usb_midi", "usb_cdc"} & set(self.board.modules):
            from protoboard.ports.sim.parts.usbhost import board_host

            board_host(self)  # the computer at the other end of the USB cable

    def add(self, part_type: str, **settings: Any) -> Part:
        """Create a catalog part by type name and wire it: connection roles (``pin``, ``scl``,
        ``cs``...) are board pins, anything else goes to the part, e.g.
        ``sim.add("LED", pin="D5", color="green")`` or ``sim.add("BME280", address=0x76)``."""
        from protoboard.ports.sim.parts import part_class

        cls = part_class(part_type)
        roles = set(cls.roles) | set(cls.optional_roles)
        connections = {k: settings.pop(k) for k in list(settings) if k in roles}
        return self.attach(cls(**settings), **connections)

    # -- lookups ------------------------------------------------------------------------------

    def pin(self, name: str) -> SimPin:
        """A pin by board name (``"D13"``) or port id (``"GPIO13"``)."""
        found = self._by_name.get(name) or self.pins.get(name)
        if found is None:
            known = ", ".join(sorted(self._by_name))
            raise KeyError(f"the board '{self.board.board_id}' has no pin '{name}' (pins: {known})")
        return found

    def part(self, name: str) -> Any:
        """An attached part by name (``"LED"``, ``"BME280"``)."""
        try:
            return self.parts[name]
        except KeyError:
            known = ", ".join(sorted(self.parts)) or "none"
            raise KeyError(f"no part named '{name}' is attached (attached: {known})") from None

    def display(self, name: str) -> Any:
        """A display part by name; its ``frame`` is the picture it shows."""
        return self.part(name)

    def i2c_bus(self, scl: str, sda: str) -> I2CBusModel:
        with self.lock:
            key = (scl, sda)
            if key not in self.i2c_buses:
                self.i2c_buses[key] = I2CBusModel(scl, sda)
            return self.i2c_buses[key]

    def spi_bus(self, clock: str) -> SPIBusModel:
        with self.lock:
            if clock not in self.spi_buses:
                self.spi_buses[clock] = SPIBusModel(clock)
            return self.spi_buses[clock]

    # -- wiring -------------------------------------------------------------------------------

    def default_bus_pins(self, bus: str) -> dict[str, str | None]:
        found = self.board.buses.get(bus)
        return dict(found.pins) if found else {}

    def attach(self, part: Part, **connections: str) -> Part:
        """Wire ``part`` to the board. Connections name board pins by role, e.g.
        ``attach(LED(), pin="D5")`` or ``attach(BME280(), scl="SCL", sda="SDA")``; an I2C or
        SPI part left without pins goes on the board's default bus."""
        with self.lock:
            name = part.name
            if name in self.parts:
                raise ValueError(f"a part named '{name}' is already attached; give it a name=")
            resolved = {role: self.pin(pin).id for role, pin in connections.items()}
            part._attach(self, resolved)
            self.parts[name] = part
            return part

    def detach(self, name: str) -> None:
        with self.lock:
            part = self.parts.pop(name)
            part._detach()

    def parts_on(self, pin_id: str) -> Iterator[Part]:
        for part in self.parts.values():
            if pin_id in part.connections.values():
                yield part

    def on_activity(self, listener: ActivityListener) -> Callable[[], None]:
        """Call ``listener(activity)`` for each PWM change, analog read or write and I2C
        transaction; returns an unsubscribe function."""
        self.activity_listeners.append(listener)
        return lambda: (
            self.activity_listeners.remove(listener)
            if listener in self.activity_listeners
            else None
        )

    def report(self, where: str, kind: str, **data: Any) -> None:
        activity = Activity(time.monotonic_ns(), where, kind, data)
        for listener in list(self.activity_listeners):
            listener(activity)

    def pixels_on(self, pin_id: str) -> dict[str, list[tuple[int, ...]]]:
        from protoboard.ports.sim.parts.basic import NeoPixelStrip

        return {
            part.name: part.pixels
            for part in self.parts_on(pin_id)
            if isinstance(part, NeoPixelStrip)
        }

    def close(self) -> None:
        for name in list(self.parts):
            self.detach(name)
