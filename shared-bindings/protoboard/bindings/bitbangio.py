"""Digital protocols implemented by the CPU

The `bitbangio` module contains classes to provide digital bus protocol
support regardless of whether the underlying hardware exists to use the
protocol.

First try to use `busio` module instead which may utilize peripheral
hardware to implement the protocols. Native implementations will be faster
than bitbanged versions and have more capabilities.

All classes change hardware state and should be deinitialized when they
are no longer needed if the program continues after use. To do so, either
call :py:meth:`!deinit` or use a context manager.

For example::

  import bitbangio
  from board import *

  i2c = bitbangio.I2C(SCL, SDA)
  print(i2c.scan())
  i2c.deinit()

This example will initialize the the device, run
:py:meth:`~bitbangio.I2C.scan` and then :py:meth:`~bitbangio.I2C.deinit` the
hardware. The last step is optional because CircuitPython automatically
resets hardware after a program finishes.

On the simulated board, a bit-banged bus reaches the same parts as `busio` on the same pins,
with the same errors (a missing device, a bus without its lock...).
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _errors, _validate
from protoboard.bindings.busio import i2c as _busio_i2c
from protoboard.bindings.busio import spi as _busio_spi
from protoboard.bindings.busio._lock import LockableBus as _LockableBus
from protoboard.hal import bitbangio as hal
from protoboard.hal.errors import HalError as _HalError


class I2C(_busio_i2c.I2C):
    """Two wire serial protocol"""

    __slots__ = ()

    def __init__(self, scl: Any, sda: Any, *, frequency: int = 400000, timeout: int = 255) -> None:
        """I2C is a two-wire protocol for communicating between devices.  At the
        physical level it consists of 2 wires: SCL and SDA, the clock and data
        lines respectively.

        .. seealso:: Using this class directly requires careful lock management.
            Instead, use :class:`~adafruit_bus_device.i2c_device.I2CDevice` to
            manage locks.

        :param ~microcontroller.Pin scl: The clock pin
        :param ~microcontroller.Pin sda: The data pin
        :param int frequency: The clock frequency of the bus
        :param int timeout: The maximum clock stretching timeout in microseconds"""
        _validate.pin(scl, "scl")
        _validate.pin(sda, "sda")
        frequency = _validate.int_at_least(frequency, 1, "frequency")
        timeout = _validate.to_int(timeout, "timeout")
        if scl is sda:
            raise _validate.invalid("pins")
        self._claim(scl, sda)
        self._build(hal.I2C, scl._id, sda._id, frequency, timeout)

    def __enter__(self) -> I2C:
        """No-op used in Context Managers."""
        return self


class SPI(_LockableBus[hal.SPI]):
    """A 3-4 wire serial protocol

    SPI is a serial protocol that has exclusive pins for data in and out of the
    main device.  It is typically faster than :py:class:`~bitbangio.I2C` because a
    separate pin is used to select a device rather than a transmitted
    address. This class only manages three of the four SPI lines: `!clock`,
    `!MOSI`, `!MISO`. Its up to the client to manage the appropriate
    select line, often abbreviated `!CS` or `!SS`. (This is common because
    multiple secondaries can share the `!clock`, `!MOSI` and `!MISO` lines
    and therefore the hardware.)"""

    __slots__ = ("_frequency",)

    def __init__(self, clock: Any, MOSI: Any = None, MISO: Any = None) -> None:
        """Construct an SPI object on the given pins.

        .. seealso:: Using this class directly requires careful lock management.
            Instead, use :class:`~adafruit_bus_device.spi_device.SPIDevice` to
            manage locks.

        :param ~microcontroller.Pin clock: the pin to use for the clock.
        :param ~microcontroller.Pin MOSI: the Main Out Selected In pin.
        :param ~microcontroller.Pin MISO: the Main In Selected Out pin."""
        _validate.pin(clock, "clock")
        _validate.optional_pin(MOSI, "MOSI")
        _validate.optional_pin(MISO, "MISO")
        pins = [p for p in (clock, MOSI, MISO) if p is not None]
        if len(set(pins)) != len(pins):
            raise _validate.invalid("pins")
        self._frequency = 0
        self._claim(clock, MOSI, MISO)
        self._build(
            hal.SPI,
            clock._id,
            MOSI._id if MOSI is not None else None,
            MISO._id if MISO is not None else None,
            False,
        )
        with _errors.translate():
            self._frequency = self._checked().configure(100_000, 0, 0, 8)

    def deinit(self) -> None:
        """Turn off the SPI bus."""
        super().deinit()

    def __enter__(self) -> SPI:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    def configure(
        self, *, baudrate: int = 100000, polarity: int = 0, phase: int = 0, bits: int = 8
    ) -> None:
        """Configures the SPI bus. Only valid when locked.

        :param int baudrate: the clock rate in Hertz
        :param int polarity: the base state of the clock line (0 or 1)
        :param int phase: the edge of the clock that data is captured. First (0)
          or second (1). Rising or falling depends on clock polarity.
        :param int bits: the number of bits per word"""
        impl = self._locked_impl()
        baudrate = _validate.int_at_least(baudrate, 1, "baudrate")
        polarity = _validate.int_range(polarity, 0, 1, "polarity")
        phase = _validate.int_range(phase, 0, 1, "phase")
        if _validate.to_int(bits, "bits") != 8:
            raise ValueError("bits must be 8")
        try:
            self._frequency = impl.configure(baudrate, polarity, phase, 8)
        except _HalError as exc:
            raise _errors.convert(exc) from None

    # The transfers are busio's, word for word (same checks, same errors).
    try_lock = _busio_spi.SPI.try_lock
    unlock = _busio_spi.SPI.unlock
    readinto = _busio_spi.SPI.readinto
    write_readinto = _busio_spi.SPI.write_readinto

    def write(self, buf: Any, *, start: int = 0, end: int = _busio_spi.MAXSIZE) -> None:
        """Write the data contained in ``buf``. Requires the SPI being locked.
        If the buffer is empty, nothing happens.

        :param ReadableBuffer buf: buffer containing the bytes to write
        :param int start: beginning of buffer slice
        :param int end: end of buffer slice; if not specified, use ``len(buffer)``"""
        _busio_spi.SPI.write(self, buf, start=start, end=end)  # type: ignore[arg-type]


_enum.publish("bitbangio", I2C, SPI)
