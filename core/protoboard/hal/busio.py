"""Contract for ``busio``: I2C, SPI and UART controllers."""

from __future__ import annotations

import abc
import enum
from dataclasses import dataclass

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation


class I2C(Implementation):
    """An I2C controller. Addresses are 7-bit ints; a NACK raises ``BusError(ENODEV)``."""

    def __init__(self, backend: Backend, scl: str, sda: str, frequency: int, timeout: int) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def probe(self, address: int) -> bool:
        """True if a device ACKs its address."""

    def scan(self) -> list[int]:
        """Addresses 0x08..0x77 that ACK, as CircuitPython scans."""
        return [address for address in range(0x08, 0x78) if self.probe(address)]

    @abc.abstractmethod
    def write(self, address: int, data: bytes, *, stop: bool = True) -> None: ...

    @abc.abstractmethod
    def read_into(self, address: int, buffer: memoryview) -> None: ...

    def write_then_read_into(self, address: int, data: bytes, buffer: memoryview) -> None:
        """A write, a repeated start, then a read. Ports with a combined transfer override it."""
        self.write(address, data, stop=False)
        self.read_into(address, buffer)


@dataclass(frozen=True)
class SPICapabilities:
    max_baudrate: int = 24_000_000
    nine_bit: bool = False


class SPI(Implementation):
    """An SPI controller. Chip select is the caller's business, as in CircuitPython."""

    capabilities = SPICapabilities()

    def __init__(
        self, backend: Backend, clock: str, mosi: str | None, miso: str | None, half_duplex: bool
    ) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def configure(self, baudrate: int, polarity: int, phase: int, bits: int) -> int:
        """Apply the settings; return the frequency really used (at most ``baudrate``)."""

    @abc.abstractmethod
    def write(self, data: bytes) -> None: ...

    @abc.abstractmethod
    def read_into(self, buffer: memoryview, write_value: int) -> None: ...

    @abc.abstractmethod
    def transfer(self, data: bytes, buffer: memoryview) -> None:
        """Full duplex: send ``data`` while filling ``buffer`` (same length)."""


class Parity(enum.Enum):
    ODD = "odd"
    EVEN = "even"


class UART(Implementation):
    """A UART. ``read`` waits at most ``timeout`` seconds for ``nbytes``."""

    def __init__(
        self,
        backend: Backend,
        tx: str | None,
        rx: str | None,
        *,
        baudrate: int,
        bits: int,
        parity: Parity | None,
        stop: int,
        receiver_buffer_size: int,
    ) -> None:
        super().__init__(backend)

    @abc.abstractmethod
    def write(self, data: bytes) -> int: ...

    @abc.abstractmethod
    def read(self, nbytes: int | None, timeout: float) -> bytes:
        """Up to ``nbytes`` (all waiting bytes if None); may return fewer when time runs out."""

    @abc.abstractmethod
    def readline(self, timeout: float) -> bytes:
        """Bytes up to and including ``\\n``, or what arrived before the timeout."""

    @abc.abstractmethod
    def in_waiting(self) -> int: ...

    @abc.abstractmethod
    def reset_input_buffer(self) -> None: ...

    @abc.abstractmethod
    def set_baudrate(self, baudrate: int) -> None: ...
