"""``busio`` on Blinka's ``busio`` classes, which pick the chip code for the board (an FT232H's
MPSSE, an MCP2221's HID reports, a u2if board, i2c-dev...). Locks, argument checks and the
error messages are the binding's, above this; Blinka gets clean arguments and plain buffers."""

from __future__ import annotations

from typing import Any

from protoboard.hal import busio as hal
from protoboard.hal.errors import HardwareError, InvalidPins
from protoboard.ports.blinka.backend import BlinkaBackend


def _pin(backend: BlinkaBackend, pin: str | None) -> Any:
    return None if pin is None else backend.blinka_pin(pin)


class I2C(hal.I2C):
    def __init__(
        self, backend: BlinkaBackend, scl: str, sda: str, frequency: int, timeout: int
    ) -> None:
        super().__init__(backend, scl, sda, frequency, timeout)
        self._blinka = backend
        busio = backend.module("busio")
        with backend.calling("busio.I2C"):
            try:
                self._i2c = busio.I2C(_pin(backend, scl), _pin(backend, sda), frequency=frequency)
            except ValueError:  # Blinka: "No Hardware I2C on (scl,sda)=..."
                raise InvalidPins() from None

    def scan(self) -> list[int]:
        with self._blinka.calling("busio.I2C scan", bus=True):
            found = self._i2c.scan()
        # CircuitPython scans 0x08..0x77; some of Blinka's chips report what they saw anywhere
        return sorted({int(address) for address in found if 0x08 <= address <= 0x77})

    def probe(self, address: int) -> bool:
        # Blinka has no probe; its scan is each chip's own way of asking who answers
        with self._blinka.calling("busio.I2C probe", bus=True):
            return address in self._i2c.scan()

    def write(self, address: int, data: bytes, *, stop: bool = True) -> None:
        with self._blinka.calling("busio.I2C write", bus=True):
            self._i2c.writeto(address, data)

    def read_into(self, address: int, buffer: memoryview) -> None:
        received = bytearray(len(buffer))  # some chips' code wants a bytearray
        with self._blinka.calling("busio.I2C read", bus=True):
            self._i2c.readfrom_into(address, received)
        buffer[:] = received

    def write_then_read_into(self, address: int, data: bytes, buffer: memoryview) -> None:
        received = bytearray(len(buffer))
        with self._blinka.calling("busio.I2C write then read", bus=True):
            self._i2c.writeto_then_readfrom(address, data, received)
        buffer[:] = received

    def deinit(self) -> None:
        self._i2c.deinit()


class SPI(hal.SPI):
    """Blinka's SPI. Blinka's ``configure`` wants Blinka's own lock: the binding's lock is the
    one that counts, so it is taken around the call only."""

    def __init__(
        self,
        backend: BlinkaBackend,
        clock: str,
        mosi: str | None,
        miso: str | None,
        half_duplex: bool,
    ) -> None:
        super().__init__(backend, clock, mosi, miso, half_duplex)
        self._blinka = backend
        if half_duplex:
            raise HardwareError(
                f"busio.SPI with half_duplex=True is not available on {backend.board_id}: "
                "Blinka's SPI is full duplex only"
            )
        busio = backend.module("busio")
        with backend.calling("busio.SPI"):
            try:
                self._spi = busio.SPI(
                    _pin(backend, clock), MOSI=_pin(backend, mosi), MISO=_pin(backend, miso)
                )
            except ValueError:  # Blinka: "No Hardware SPI on (SCLK, MOSI, MISO)=..."
                raise InvalidPins() from None

    def configure(self, baudrate: int, polarity: int, phase: int, bits: int) -> int:
        self._spi.try_lock()
        try:
            with self._blinka.calling("busio.SPI configure"):
                self._spi.configure(baudrate=baudrate, polarity=polarity, phase=phase, bits=bits)
        finally:
            self._spi.unlock()
        try:
            frequency = int(self._spi.frequency)
        except NotImplementedError:  # Blinka: "Frequency attribute not implemented"
            return baudrate
        return min(frequency, baudrate)

    def write(self, data: bytes) -> None:
        with self._blinka.calling("busio.SPI write", bus=True):
            self._spi.write(data)

    def read_into(self, buffer: memoryview, write_value: int) -> None:
        received = bytearray(len(buffer))
        with self._blinka.calling("busio.SPI read", bus=True):
            self._spi.readinto(received, write_value=write_value)
        buffer[:] = received

    def transfer(self, data: bytes, buffer: memoryview) -> None:
        received = bytearray(len(buffer))
        with self._blinka.calling("busio.SPI transfer", bus=True):
            self._spi.write_readinto(data, received)
        buffer[:] = received

    def deinit(self) -> None:
        self._spi.deinit()


class UART(hal.UART):
    """Blinka's UART (pyserial on Linux boards, the chip's own on bridges that have one)."""

    def __init__(
        self,
        backend: BlinkaBackend,
        tx: str | None,
        rx: str | None,
        *,
        baudrate: int,
        bits: int,
        parity: hal.Parity | None,
        stop: int,
        receiver_buffer_size: int,
    ) -> None:
        super().__init__(
            backend,
            tx,
            rx,
            baudrate=baudrate,
            bits=bits,
            parity=parity,
            stop=stop,
            receiver_buffer_size=receiver_buffer_size,
        )
        self._blinka = backend
        busio = backend.module("busio")
        parities = {None: None, hal.Parity.ODD: busio.UART.Parity.ODD}
        parities[hal.Parity.EVEN] = busio.UART.Parity.EVEN
        with backend.calling("busio.UART"):
            try:
                self._uart = busio.UART(
                    _pin(backend, tx),
                    _pin(backend, rx),
                    baudrate=baudrate,
                    bits=bits,
                    parity=parities[parity],
                    stop=stop,
                    receiver_buffer_size=receiver_buffer_size,
                )
            except ValueError:  # Blinka: "No Hardware UART on (tx,rx)=..."
                raise InvalidPins() from None
        self._timeout: float | None = None

    def _set_timeout(self, timeout: float) -> None:
        if timeout != self._timeout:
            self._uart.timeout = timeout
            self._timeout = timeout

    def write(self, data: bytes) -> int:
        with self._blinka.calling("busio.UART write", bus=True):
            written = self._uart.write(data)
        return len(data) if written is None else int(written)

    def read(self, nbytes: int | None, timeout: float) -> bytes:
        with self._blinka.calling("busio.UART read", bus=True):
            self._set_timeout(timeout)
            data = self._uart.read(nbytes)
        return bytes(data or b"")

    def readline(self, timeout: float) -> bytes:
        with self._blinka.calling("busio.UART readline", bus=True):
            self._set_timeout(timeout)
            data = self._uart.readline()
        return bytes(data or b"")

    def in_waiting(self) -> int:
        with self._blinka.calling("busio.UART in_waiting", bus=True):
            return int(self._uart.in_waiting)

    def reset_input_buffer(self) -> None:
        with self._blinka.calling("busio.UART reset_input_buffer", bus=True):
            self._uart.reset_input_buffer()

    def set_baudrate(self, baudrate: int) -> None:
        with self._blinka.calling("busio.UART baudrate"):
            self._uart.baudrate = baudrate

    def deinit(self) -> None:
        self._uart.deinit()
