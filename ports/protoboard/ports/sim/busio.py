"""Simulated I2C, SPI and UART controllers: transfers go to the parts wired to the pins."""

from __future__ import annotations

import errno
import threading
import time

from protoboard.hal import busio as hal
from protoboard.hal.errors import BusError, HalError, HardwareError, InvalidPins
from protoboard.ports.sim.model import Simulator, part_call, part_failure
from protoboard.ports.sim.parts.base import SPIPart, SPISettings


class I2C(hal.I2C):
    def __init__(self, backend: Simulator, scl: str, sda: str, frequency: int, timeout: int):
        super().__init__(backend, scl, sda, frequency, timeout)
        if not backend.board.i2c_pins_ok(scl, sda):
            raise InvalidPins(f"{scl}, {sda}")
        if frequency > 3_400_000:
            raise HardwareError(f"I2C frequency {frequency} Hz is above the 3.4 MHz maximum")
        self._scl = backend.pins[scl]
        self._sda = backend.pins[sda]
        for pin in (self._scl, self._sda):
            pin.configure("i2c", pull="up")
        self._bus = backend.i2c_bus(scl, sda)
        self._sim = backend
        self._where = f"{self._scl.name}/{self._sda.name}"
        self.frequency = frequency

    def _report(self, address: int, written: bytes, read: bytes, answered: bool) -> None:
        self._sim.report(
            self._where, "i2c", address=address, written=written, read=read, answered=answered
        )

    def probe(self, address: int) -> bool:
        device = self._bus.devices.get(address)
        if device is None:
            return False
        acked = part_call(device, "i2c_start", False)
        part_call(device, "i2c_stop")
        return bool(acked)

    def scan(self) -> list[int]:
        return [
            address
            for address in sorted(self._bus.devices)
            if 0x08 <= address <= 0x77 and self.probe(address)
        ]

    # One transaction = start, bytes, (repeated start, bytes), stop. The part's callbacks are
    # called directly inside one try (this is the hot path of every sensor read); a failure is
    # reported with the part's name and the callback that failed.

    def write(self, address: int, data: bytes, *, stop: bool = True) -> None:
        device = self._bus.devices.get(address)
        if device is None:
            if self._sim.activity_listeners:
                self._report(address, bytes(data), b"", False)
            raise BusError(errno.ENODEV)
        step = "i2c_start"
        try:
            if not device.i2c_start(False):
                raise BusError(errno.ENODEV)
            step = "i2c_write_block"
            acked = device.i2c_write_block(data)
            if acked < len(data):
                raise BusError(errno.EIO, f"byte {acked} was not acknowledged")
        except HalError:
            raise
        except Exception as exc:
            raise part_failure(device, step, exc) from exc
        finally:
            if stop:
                part_call(device, "i2c_stop")
        if self._sim.activity_listeners:
            self._report(address, bytes(data), b"", True)

    def read_into(self, address: int, buffer: memoryview) -> None:
        device = self._bus.devices.get(address)
        if device is None:
            if self._sim.activity_listeners:
                self._report(address, b"", b"", False)
            raise BusError(errno.ENODEV)
        step = "i2c_start"
        try:
            if not device.i2c_start(True):
                raise BusError(errno.ENODEV)
            step = "i2c_read_block"
            buffer[:] = device.i2c_read_block(len(buffer))
        except HalError:
            raise
        except Exception as exc:
            raise part_failure(device, step, exc) from exc
        finally:
            part_call(device, "i2c_stop")
        if self._sim.activity_listeners:
            self._report(address, b"", bytes(buffer), True)

    def write_then_read_into(self, address: int, data: bytes, buffer: memoryview) -> None:
        device = self._bus.devices.get(address)
        if device is None:
            if self._sim.activity_listeners:
                self._report(address, bytes(data), b"", False)
            raise BusError(errno.ENODEV)
        step = "i2c_start"
        try:
            if not device.i2c_start(False):
                raise BusError(errno.ENODEV)
            step = "i2c_write_block"
            acked = device.i2c_write_block(data)
            if acked < len(data):
                raise BusError(errno.EIO, f"byte {acked} was not acknowledged")
            step = "i2c_start"
            if not device.i2c_start(True):
                raise BusError(errno.EIO, "repeated start was not acknowledged")
            step = "i2c_read_block"
            buffer[:] = device.i2c_read_block(len(buffer))
            step = "i2c_stop"
            device.i2c_stop()
        except HalError:
            part_call(device, "i2c_stop")
            raise
        except Exception as exc:
            raise part_failure(device, step, exc) from exc
        if self._sim.activity_listeners:
            self._report(address, bytes(data), bytes(buffer), True)

    def deinit(self) -> None:
        self._scl.release()
        self._sda.release()


class SPI(hal.SPI):
    capabilities = hal.SPICapabilities(max_baudrate=50_000_000, nine_bit=False)

    def __init__(
        self,
        backend: Simulator,
        clock: str,
        mosi: str | None,
        miso: str | None,
        half_duplex: bool,
    ) -> None:
        super().__init__(backend, clock, mosi, miso, half_duplex)
        self._sim = backend
        self._pins = [backend.pins[p] for p in (clock, mosi, miso) if p is not None]
        for pin in self._pins:
            pin.configure("spi")
        self._bus = backend.spi_bus(clock)
        self._where = backend.pins[clock].name
        self._can_write = mosi is not None
        self._can_read = miso is not None or half_duplex
        self.settings = (250_000, 0, 0, 8)

    def configure(self, baudrate: int, polarity: int, phase: int, bits: int) -> int:
        # A power-of-two divider of a 100 MHz clock, as many SPI peripherals have.
        frequency = 50_000_000
        while frequency > baudrate and frequency > 100_000_000 // 256:
            frequency //= 2
        self.settings = (frequency, polarity, phase, bits)
        return frequency

    def _selected(self) -> tuple[SPIPart | None, list[SPIPart]]:
        """The part whose chip select is low (at most one) and the parts with no chip select,
        which hear every transfer."""
        chosen: list[SPIPart] = []
        always: list[SPIPart] = []
        for part, cs in self._bus.devices:
            if cs is None:
                always.append(part)
            elif not self._sim.pins[cs].level:
                chosen.append(part)
        if len(chosen) > 1:
            names = ", ".join(f"'{p.name}'" for p in chosen)
            raise HardwareError(
                f"several SPI parts are selected at once ({names}): "
                "set all but one chip-select pin high"
            )
        return (chosen[0] if chosen else None), always

    def _transfer(self, data: bytes) -> bytes:
        part, always = self._selected()
        frequency, polarity, phase, bits = self.settings
        settings = SPISettings(frequency, polarity, phase, bits)
        reply: bytes | None = None
        for listener in always:
            listener.spi_settings = settings
            answer = part_call(listener, "spi_transfer", data)
            if reply is None and listener.drives_miso:
                reply = self._checked_reply(listener, answer, data)
        if part is not None:
            part.spi_settings = settings
            reply = self._checked_reply(part, part_call(part, "spi_transfer", data), data)
        if reply is None:
            reply = b"\xff" * len(data)  # nobody drives MISO: the line floats high
        if self._sim.activity_listeners:
            self._report(part, data, reply)
        return reply

    def _report(self, part: SPIPart | None, data: bytes, reply: bytes) -> None:
        """One transfer for the logic analyzer and the trace: the chip select that was low."""
        cs = next((c for p, c in self._bus.devices if p is part and c is not None), None)
        frequency, polarity, phase, _bits = self.settings
        self._sim.report(
            self._where, "spi", cs=self._sim.pins[cs].name if cs is not None else None,
            mosi=bytes(data), miso=bytes(reply), frequency=frequency, polarity=polarity,
            phase=phase,
        )  # fmt: skip

    @staticmethod
    def _checked_reply(part: SPIPart, reply: bytes, data: bytes) -> bytes:
        if len(reply) != len(data):
            raise HardwareError(
                f"simulated part '{part.name}' answered {len(reply)} bytes to {len(data)}"
            )
        return bytes(reply)

    def write(self, data: bytes) -> None:
        self._transfer(data)

    def read_into(self, buffer: memoryview, write_value: int) -> None:
        buffer[:] = self._transfer(bytes([write_value]) * len(buffer))

    def transfer(self, data: bytes, buffer: memoryview) -> None:
        buffer[:] = self._transfer(data)

    def deinit(self) -> None:
        for pin in self._pins:
            pin.release()


class UART(hal.UART):
    def __init__(
        self,
        backend: Simulator,
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
        self._tx = backend.pins[tx] if tx else None
        self._rx = backend.pins[rx] if rx else None
        self._buffer = bytearray()
        self._capacity = receiver_buffer_size
        self._arrived = threading.Condition()
        self.baudrate = baudrate
        self._unsubscribe = None
        for pin in (self._tx, self._rx):
            if pin is not None:
                pin.configure("uart", pull="up")
        if self._rx is not None:
            self._unsubscribe = self._rx.on_data(self._receive)

    def _receive(self, pin: object, data: bytes, kind: str) -> None:
        if kind != "uart":
            return
        with self._arrived:
            room = self._capacity - len(self._buffer)
            self._buffer += data[: max(room, 0)]  # a full FIFO drops bytes, as hardware does
            self._arrived.notify_all()

    def write(self, data: bytes) -> int:
        if self._tx is None:
            raise HardwareError("this UART has no TX pin, so it cannot write")
        self._tx.send_data(data, "uart")
        return len(data)

    def _take(self, count: int) -> bytes:
        data = bytes(self._buffer[:count])
        del self._buffer[:count]
        return data

    def read(self, nbytes: int | None, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                wanted = len(self._buffer) if nbytes is None else nbytes
                if nbytes is not None and len(self._buffer) >= wanted:
                    return self._take(wanted)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return self._take(wanted if nbytes is not None else len(self._buffer))
                self._arrived.wait(remaining)

    def readline(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        with self._arrived:
            while True:
                end = self._buffer.find(b"\n")
                if end >= 0:
                    return self._take(end + 1)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return self._take(len(self._buffer)) if timeout == 0 else b""
                self._arrived.wait(remaining)

    def in_waiting(self) -> int:
        with self._arrived:
            return len(self._buffer)

    def reset_input_buffer(self) -> None:
        with self._arrived:
            self._buffer.clear()

    def set_baudrate(self, baudrate: int) -> None:
        self.baudrate = baudrate

    def deinit(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
        for pin in (self._tx, self._rx):
            if pin is not None:
                pin.release()
