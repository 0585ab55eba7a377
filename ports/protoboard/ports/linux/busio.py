"""``busio`` on Linux: I2C on i2c-dev (its ioctls, directly), SPI on spidev, UART on pyserial."""

from __future__ import annotations

import errno
import os
from typing import Any

from protoboard.hal import busio as hal
from protoboard.hal.errors import BusError, HalError, HardwareError
from protoboard.ports.linux.backend import LinuxBackend, access_error, on_host
from protoboard.ports.linux.i2cdev import BLOCK_MAX as SMBUS_BLOCK_MAX
from protoboard.ports.linux.i2cdev import I2CDev

# <linux/i2c.h> functionality bits
I2C_FUNC_I2C = 0x00000001
I2C_FUNC_SMBUS_QUICK = 0x00010000
I2C_FUNC_SMBUS_READ_BYTE = 0x00020000
I2C_FUNC_SMBUS_READ_I2C_BLOCK = 0x04000000
I2C_FUNC_SMBUS_WRITE_I2C_BLOCK = 0x08000000

#: how i2c-dev reports a device that does not answer: ENXIO (no ACK to the address, most
#: drivers), EREMOTEIO (bcm2835 and others); CircuitPython says ENODEV for both
_NACK = (errno.ENXIO, errno.EREMOTEIO, errno.ENODEV)


def _bus_error(exc: OSError, address: int) -> HalError:
    if exc.errno == errno.EBUSY:
        return HardwareError(
            f"a kernel driver is using the I2C device at {address:#04x} (see "
            "/sys/bus/i2c/devices): remove its dtoverlay, or unbind the driver, to use it here"
        )
    if exc.errno in _NACK:
        return BusError(errno.ENODEV)
    if exc.errno == errno.ETIMEDOUT:
        return BusError(errno.ETIMEDOUT)
    return BusError(errno.EIO, exc.strerror or str(exc))


class I2C(hal.I2C):
    """An i2c-dev adapter. Combined write-then-read is one ``I2C_RDWR`` transfer (a repeated
    start); an adapter that only speaks SMBus (``i2c-stub``, some PC adapters) gets the SMBus
    call that does the same on the wire, where one exists."""

    @on_host
    def __init__(
        self, backend: LinuxBackend, scl: str, sda: str, frequency: int, timeout: int
    ) -> None:
        super().__init__(backend, scl, sda, frequency, timeout)
        entry = backend.bus_entry("i2c", {"scl": scl, "sda": sda})
        number = backend.i2c_bus_number(entry)
        path = str(backend.path(f"/dev/i2c-{number}"))
        try:
            self._dev = I2CDev(path)
        except OSError as exc:
            raise access_error("i2c", path, exc) from None
        self.path = path
        funcs = self._dev.funcs
        self.combined = bool(funcs & I2C_FUNC_I2C)
        self._quick = bool(funcs & I2C_FUNC_SMBUS_QUICK)
        #: the longest SMBus block read the adapter does (0: none)
        self._block_limit = SMBUS_BLOCK_MAX if funcs & I2C_FUNC_SMBUS_READ_I2C_BLOCK else 0
        self._block_write = bool(funcs & I2C_FUNC_SMBUS_WRITE_I2C_BLOCK)
        #: (address, register) of the last 1-byte write on an SMBus-only adapter, so a read
        #: that follows it can be one SMBus block read of that register
        self._pointer: tuple[int, int] | None = None

    def probe(self, address: int) -> bool:
        try:
            if self.combined:
                self._dev.transfer(address, b"", None)
            elif self._quick:
                self._dev.write_quick(address)
            else:
                self._dev.read_byte(address)
        except OSError as exc:
            if exc.errno == errno.EBUSY:
                return True  # a kernel driver owns the device: it is there
            return False
        return True

    def write(self, address: int, data: bytes, *, stop: bool = True) -> None:
        try:
            if self.combined:
                self._dev.transfer(address, data, None)
            else:
                self._smbus_write(address, data)
        except OSError as exc:
            raise _bus_error(exc, address) from None

    def _smbus_write(self, address: int, data: bytes) -> None:
        self._pointer = (address, data[0]) if len(data) == 1 else None
        if len(data) == 0 and self._quick:
            self._dev.write_quick(address)
        elif len(data) == 1:
            self._dev.write_byte(address, data[0])
        elif len(data) == 2:
            self._dev.write_byte_data(address, data[0], data[1])
        elif len(data) <= SMBUS_BLOCK_MAX + 1 and self._block_write:
            self._dev.write_block(address, data[0], data[1:])
        else:
            raise self._smbus_only(f"write {len(data)} bytes at once")

    def read_into(self, address: int, buffer: memoryview) -> None:
        try:
            if self.combined:
                self._dev.transfer(address, None, buffer)
            elif len(buffer) == 1:
                buffer[0] = self._dev.read_byte(address)
            elif self._pointer and self._pointer[0] == address and self._can_block(buffer):
                # Drivers write a register number, then read (adafruit_bme280 does): on
                # SMBus that is one block read of the register; a register chip sees the same
                # bytes, with a repeated start where the program sent a stop.
                self._dev.read_block_into(address, self._pointer[1], buffer)
            else:
                raise self._smbus_only(f"read {len(buffer)} bytes without a register")
            self._pointer = None
        except OSError as exc:
            raise _bus_error(exc, address) from None

    def write_then_read_into(self, address: int, data: bytes, buffer: memoryview) -> None:
        # Every driver's register read comes here: the likeliest case is tested first.
        try:
            if self.combined:
                self._dev.transfer(address, data, buffer)
            elif len(data) == 1 and 0 < len(buffer) <= self._block_limit:
                self._dev.read_block_into(address, data[0], buffer)
            elif len(data) == 1 and len(buffer) == 1:
                buffer[0] = self._dev.read_byte_data(address, data[0])
            else:
                raise self._smbus_only(
                    f"write {len(data)} and read {len(buffer)} bytes in one transfer"
                )
        except OSError as exc:
            raise _bus_error(exc, address) from None

    def _can_block(self, buffer: memoryview) -> bool:
        return len(buffer) <= self._block_limit

    def _smbus_only(self, what: str) -> HardwareError:
        return HardwareError(
            f"the I2C adapter {self.path} only does SMBus transfers, so it cannot {what} "
            f"(SMBus moves a 1-byte register and at most {SMBUS_BLOCK_MAX} bytes)"
        )

    def deinit(self) -> None:
        self._dev.close()


class SPI(hal.SPI):
    """A spidev device. Chip select stays the program's ``DigitalInOut``: the device is opened
    with ``no_cs`` where the controller allows it, so the kernel does not also drive CE."""

    capabilities = hal.SPICapabilities(max_baudrate=125_000_000, nine_bit=True)

    @on_host
    def __init__(
        self,
        backend: LinuxBackend,
        clock: str,
        mosi: str | None,
        miso: str | None,
        half_duplex: bool,
    ) -> None:
        super().__init__(backend, clock, mosi, miso, half_duplex)
        import spidev

        entry = backend.bus_entry("spi", {"clock": clock, "MOSI": mosi, "MISO": miso})
        bus, device = int(entry["bus"]), int(entry.get("device", 0))
        path = str(backend.path(f"/dev/spidev{bus}.{device}"))
        self._dev: Any = spidev.SpiDev()
        try:
            self._dev.open_path(path)
        except OSError as exc:
            raise access_error("spi", path, exc) from None
        try:
            self._dev.no_cs = True
        except OSError:
            pass  # the controller always drives its CE: leave it to the kernel

    def configure(self, baudrate: int, polarity: int, phase: int, bits: int) -> int:
        try:
            self._dev.max_speed_hz = baudrate
            self._dev.mode = polarity << 1 | phase
            self._dev.bits_per_word = bits
        except OSError as exc:
            raise HardwareError(
                f"the SPI controller refused the settings: {exc.strerror}"
            ) from None
        return baudrate

    def _xfer(self, data: bytes) -> bytes:
        try:
            return bytes(self._dev.xfer3(data))
        except OSError as exc:
            raise BusError(errno.EIO, exc.strerror or str(exc)) from None

    def write(self, data: bytes) -> None:
        self._xfer(data)

    def read_into(self, buffer: memoryview, write_value: int) -> None:
        buffer[:] = self._xfer(bytes([write_value]) * len(buffer))

    def transfer(self, data: bytes, buffer: memoryview) -> None:
        buffer[:] = self._xfer(data)

    def deinit(self) -> None:
        self._dev.close()


class UART(hal.UART):
    """A serial device (``/dev/serial0`` on a Pi) through pyserial."""

    @on_host
    def __init__(
        self,
        backend: LinuxBackend,
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
        import serial

        entry = backend.bus_entry("uart", {"tx": tx, "rx": rx})
        path = backend.uart_device(entry)
        parities = {None: serial.PARITY_NONE, hal.Parity.ODD: serial.PARITY_ODD}
        parities[hal.Parity.EVEN] = serial.PARITY_EVEN
        try:
            self._port = serial.Serial(
                path, baudrate=baudrate, bytesize=bits, parity=parities[parity], stopbits=stop
            )
        except serial.SerialException as exc:
            code = exc.args[0] if exc.args and isinstance(exc.args[0], int) else None
            if code is not None:  # pyserial keeps the errno of the failed open()
                raise access_error("uart", path, OSError(code, os.strerror(code))) from None
            raise HardwareError(f"cannot open {path}: {exc}") from None

    def write(self, data: bytes) -> int:
        self._port.write_timeout = None
        written: int = self._port.write(data) or 0
        return written

    def read(self, nbytes: int | None, timeout: float) -> bytes:
        self._port.timeout = timeout
        if nbytes is None:
            waiting = self._port.in_waiting
            return bytes(self._port.read(waiting)) if waiting else b""
        return bytes(self._port.read(nbytes))

    def readline(self, timeout: float) -> bytes:
        self._port.timeout = timeout
        return bytes(self._port.readline())

    def in_waiting(self) -> int:
        count: int = self._port.in_waiting
        return count

    def reset_input_buffer(self) -> None:
        self._port.reset_input_buffer()

    def set_baudrate(self, baudrate: int) -> None:
        self._port.baudrate = baudrate

    def deinit(self) -> None:
        self._port.close()
