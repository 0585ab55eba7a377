"""Base classes for simulated parts, including the public API for your own parts.

A part is wired to board pins by *role* (``pin``, ``scl``/``sda``, ``clock``/``cs``...). Three
kinds of bus part cover most chips:

* :class:`I2CPart`: byte-level callbacks, as a chip sees the bus: ``i2c_start`` (return False to
  NACK the address), ``i2c_write`` (return False to NACK a byte), ``i2c_read``, ``i2c_stop``.
* :class:`RegisterI2CPart`: the common register-pointer chip on top of :class:`I2CPart`: the
  first byte written selects a register, the rest read or write from there.
* :class:`SPIPart`: ``spi_transfer(data) -> bytes`` while its chip-select pin is low (or on
  every transfer, for a chip with no chip select such as a DotStar or a shift register); the
  bus's :class:`SPISettings` (baud rate, mode, bits, bit order) are in ``spi_settings``.

Timed parts put levels on a pin on the board's clock with :meth:`Part.play` (a
:class:`~protoboard.ports.sim.waveform.Waveform`): an echo, a sensor's answer, an IR frame. The
pin works the levels out when the program looks, so programs see them exactly, with no thread.

Exceptions raised by a part are reported to the program as ``RuntimeError`` naming the part; they
never take the interpreter down.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from protoboard.hal.errors import HardwareError
from protoboard.ports.sim.waveform import Waveform

if TYPE_CHECKING:
    from protoboard.ports.sim.model import SimPin, Simulator


class Part:
    """Something wired to the simulated board.

    Subclasses set ``roles`` (the connections they need), optionally ``optional_roles`` and
    ``default_bus`` (``"i2c"``, ``"spi"`` or ``"uart"``: roles left out are taken from the
    board's default bus), and override :meth:`on_attach` to subscribe to their pins.
    """

    kind: ClassVar[str] = "Part"
    roles: ClassVar[tuple[str, ...]] = ()
    #: a class attribute; a part whose connections are chosen per instance (a key matrix) sets
    #: its own
    optional_roles: tuple[str, ...] = ()
    default_bus: ClassVar[str | None] = None

    def __init__(self, *, name: str | None = None) -> None:
        self.name = name or self.kind
        self.sim: Simulator | None = None
        self.connections: dict[str, str] = {}
        self._unsubscribe: list[Callable[[], None]] = []

    def __repr__(self) -> str:
        wiring = ", ".join(f"{role}={pin}" for role, pin in self.connections.items())
        return f"<{type(self).__name__} '{self.name}' {wiring}>"

    def _attach(self, sim: Simulator, connections: dict[str, str]) -> None:
        if self.sim is not None:
            raise ValueError(f"part '{self.name}' is already attached to a board")
        if self.default_bus:
            for role, board_name in sim.default_bus_pins(self.default_bus).items():
                role = role.lower()
                if role in (*self.roles, *self.optional_roles) and role not in connections:
                    if board_name is not None:
                        connections[role] = sim.pin(board_name).id
        missing = [role for role in self.roles if role not in connections]
        if missing:
            needed = ", ".join(f"{r}=" for r in missing)
            raise ValueError(
                f"part '{self.name}' needs pins for: {needed} (e.g. {missing[0]}=\"D5\")"
            )
        unknown = set(connections) - set(self.roles) - set(self.optional_roles)
        if unknown:
            raise ValueError(f"part '{self.name}' has no connection named {sorted(unknown)}")
        self.sim = sim
        self.connections = connections
        self.on_attach()

    def _detach(self) -> None:
        for unsubscribe in self._unsubscribe:
            unsubscribe()
        self._unsubscribe.clear()
        self.on_detach()
        self.sim = None

    def pin(self, role: str) -> SimPin:
        """The board pin wired to ``role``."""
        if self.sim is None:
            raise RuntimeError(f"part '{self.name}' is not attached to a board")
        try:
            return self.sim.pins[self.connections[role]]
        except KeyError:
            raise RuntimeError(
                f"part '{self.name}' has no pin wired to '{role}' (check is_wired('{role}') "
                "before using an optional pin)"
            ) from None

    def is_wired(self, role: str) -> bool:
        """Whether a pin is wired to ``role``: how a part tells if an optional connection (an
        interrupt pin, a chip select) was given."""
        return role in self.connections

    def play(
        self,
        role: str,
        steps: Waveform | Iterable[tuple[object, object]],
        *,
        at_ns: int | None = None,
        delay_us: float = 0,
        repeat: bool = False,
        after: bool | None = None,
    ) -> Waveform:
        """Put levels on the pin at ``role`` on the board's clock: ``steps`` are
        ``(level, microseconds)`` pairs (``None`` lets go), starting ``delay_us`` after
        ``at_ns`` (default: now), played once (then ``after``) or with ``repeat`` for ever.
        Replaces what the part was playing on that pin; returns the waveform.

        Raises :class:`~protoboard.ports.sim.waveform.WaveformError` (a ``ValueError``) for
        steps a pin cannot play (a step shorter than 1 us, too many steps...)."""
        wave = (
            steps
            if isinstance(steps, Waveform)
            else Waveform(steps, start_ns=at_ns, delay_us=delay_us, repeat=repeat, after=after)
        )
        self.pin(role).schedule(wave)
        return wave

    def stop(self, role: str) -> None:
        """Stop the waveform on the pin at ``role`` and let the pin go."""
        self.pin(role).schedule(None)

    def on_attach(self) -> None:
        """Called once wired; subscribe to pins here (use :meth:`listen`)."""

    def on_detach(self) -> None:
        """Called when removed from the board."""

    def listen(self, role: str, on_change: Callable[[SimPin, bool, int], None]) -> None:
        """Call ``on_change(pin, level, monotonic_ns)`` whenever the pin at ``role`` changes."""
        self._unsubscribe.append(self.pin(role).on_change(self._guarded(on_change)))

    def listen_data(self, role: str, on_data: Callable[[SimPin, bytes, str], None]) -> None:
        """Call ``on_data(pin, data, kind)`` when the program clocks data out on the pin."""
        self._unsubscribe.append(self.pin(role).on_data(self._guarded(on_data)))

    def _guarded(self, callback: Callable[..., None]) -> Callable[..., None]:
        """Report a failing callback with this part's name instead of letting it escape into
        the program as a bare exception."""

        def guarded(pin: SimPin, *args: Any) -> None:
            try:
                callback(pin, *args)
            except HardwareError:
                raise
            except Exception as exc:
                raise HardwareError(
                    f"simulated part '{self.name}' failed reacting to pin {pin.name}: "
                    f"{type(exc).__name__}: {exc}"
                ) from exc

        return guarded


class I2CPart(Part):
    """An I2C target, seen byte by byte.

    Override the four callbacks; the defaults ACK everything and read 0xFF. For speed, a part may
    also override :meth:`i2c_write_block` / :meth:`i2c_read_block`.
    """

    kind = "I2CPart"
    roles = ("scl", "sda")
    default_bus = "i2c"

    def __init__(self, address: int, *, name: str | None = None) -> None:
        super().__init__(name=name)
        if not 0 <= address <= 0x7F:
            raise ValueError(f"I2C address must be 0x00-0x7F, not {address:#x}")
        self.address = address

    def on_attach(self) -> None:
        assert self.sim is not None
        bus = self.sim.i2c_bus(self.connections["scl"], self.connections["sda"])
        other = bus.devices.get(self.address)
        if other is not None:
            raise ValueError(
                f"I2C address {self.address:#04x} on this bus is already used by '{other.name}'"
            )
        bus.devices[self.address] = self
        self._bus = bus

    def on_detach(self) -> None:
        self._bus.devices.pop(self.address, None)

    # -- the byte-level interface -------------------------------------------------------------

    def i2c_start(self, read: bool) -> bool:
        """A (repeated) start addressed to this part. Return False to NACK."""
        return True

    def i2c_write(self, byte: int) -> bool:
        """A byte from the controller. Return False to NACK it."""
        return True

    def i2c_read(self) -> int:
        """The next byte to send to the controller."""
        return 0xFF

    def i2c_stop(self) -> None:
        """The controller ended the transaction."""

    # -- block helpers (override for speed) -----------------------------------------------------

    def i2c_write_block(self, data: bytes) -> int:
        """Feed ``data`` to :meth:`i2c_write`; return how many bytes were ACKed."""
        for count, byte in enumerate(data):
            if not self.i2c_write(byte):
                return count
        return len(data)

    def i2c_read_block(self, count: int) -> bytes:
        return bytes(self.i2c_read() & 0xFF for _ in range(count))


class RegisterI2CPart(I2CPart):
    """A register-pointer I2C chip: write ``[register, data...]``; read from the pointer on.

    ``registers`` is a plain ``bytearray``; override :meth:`read_register` and
    :meth:`write_register` for registers with side effects, and :meth:`select` when the pointer
    byte carries flags (e.g. an auto-increment bit).
    """

    kind = "RegisterI2CPart"

    def __init__(self, address: int, *, size: int = 256, name: str | None = None) -> None:
        super().__init__(address, name=name)
        self.registers = bytearray(size)
        self.pointer = 0
        self.auto_increment = True
        self._expect_pointer = False

    def select(self, byte: int) -> None:
        """The register-pointer byte of a write arrived."""
        self.pointer = byte % len(self.registers)

    def read_register(self, register: int) -> int:
        return self.registers[register]

    def write_register(self, register: int, value: int) -> None:
        self.registers[register] = value

    def _advance(self) -> None:
        if self.auto_increment:
            self.pointer = (self.pointer + 1) % len(self.registers)

    def i2c_start(self, read: bool) -> bool:
        self._expect_pointer = not read
        return True

    def i2c_write(self, byte: int) -> bool:
        if self._expect_pointer:
            self._expect_pointer = False
            self.select(byte)
        else:
            self.write_register(self.pointer, byte)
            self._advance()
        return True

    def i2c_read(self) -> int:
        value = self.read_register(self.pointer)
        self._advance()
        return value


@dataclass(frozen=True)
class SPISettings:
    """How the controller clocks the bus, as an SPI part sees it: the clock rate in Hz,
    ``polarity`` and ``phase`` (the SPI mode is ``polarity << 1 | phase``), bits per word and
    ``bit_order`` (``"msb"``: CircuitPython's busio and bitbangio send the most significant bit
    first)."""

    baudrate: int = 250_000
    polarity: int = 0
    phase: int = 0
    bits: int = 8
    bit_order: str = "msb"

    @property
    def mode(self) -> int:
        return self.polarity << 1 | self.phase


class SPIPart(Part):
    """An SPI target, selected while its ``cs`` pin is low.

    Override :meth:`spi_transfer` (full duplex: return as many bytes as were sent) and, if the
    chip cares, :meth:`spi_select` / :meth:`spi_deselect`. ``spi_settings`` holds the bus's
    :class:`SPISettings` for the transfer under way (check the mode or clock rate there).

    A chip with no chip select (a DotStar strip, a 74HC595 shift register) sets
    ``chip_select = False``: it hears every transfer on its clock line. Such a chip does not
    answer on MISO unless it sets ``drives_miso = True``.
    """

    kind = "SPIPart"
    roles: ClassVar[tuple[str, ...]] = ("clock", "cs")
    optional_roles: tuple[str, ...] = ("mosi", "miso")
    default_bus = "spi"
    #: False for a chip with no chip-select pin
    chip_select: ClassVar[bool] = True
    #: whether a chip without chip select answers on MISO
    drives_miso: ClassVar[bool] = False
    #: the settings of the transfer under way (set by the bus before each ``spi_transfer``)
    spi_settings: SPISettings = SPISettings()

    def on_attach(self) -> None:
        assert self.sim is not None
        cs = self.connections.get("cs") if self.chip_select else None
        self.sim.spi_bus(self.connections["clock"]).devices.append((self, cs))
        if cs is not None:
            self.listen("cs", self._cs_changed)

    def on_detach(self) -> None:
        assert self.sim is not None
        bus = self.sim.spi_bus(self.connections["clock"])
        bus.devices = [(p, cs) for p, cs in bus.devices if p is not self]

    def _cs_changed(self, pin: Any, level: bool, when: int) -> None:
        self.spi_deselect() if level else self.spi_select()

    def spi_select(self) -> None:
        """Chip select went low."""

    def spi_deselect(self) -> None:
        """Chip select went high."""

    def spi_transfer(self, data: bytes) -> bytes:
        """Bytes on MOSI in, bytes for MISO out (same length)."""
        return bytes(len(data))


class UARTPart(Part):
    """A serial device wired to the board's ``tx`` (what the program sends) and ``rx`` (what
    the program receives) pins. Override :meth:`uart_receive`; call :meth:`send` to talk back."""

    kind = "UARTPart"
    roles = ()
    optional_roles = ("tx", "rx")
    default_bus = "uart"

    def on_attach(self) -> None:
        if "tx" in self.connections:
            self.listen_data("tx", self._data)

    def _data(self, pin: Any, data: bytes, kind: str) -> None:
        if kind == "uart":
            self.uart_receive(data)

    def uart_receive(self, data: bytes) -> None:
        """Bytes the program wrote."""

    def send(self, data: bytes) -> None:
        """Bytes from this part to the program (they arrive on the board's RX pin)."""
        self.pin("rx").send_data(bytes(data), "uart")
