"""``busio.SPI``: the 3-4 wire serial protocol."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _errors, _validate
from protoboard.bindings.busio._lock import LockableBus
from protoboard.hal import busio as hal
from protoboard.hal.errors import HalError

MAXSIZE = _validate.MAXSIZE


class SPI(LockableBus[hal.SPI]):
    """A 3-4 wire serial protocol

    SPI is a serial protocol that has exclusive pins for data in and out of the main device.
    It is typically faster than :py:class:`~bitbangio.I2C` because a separate pin is used to
    select a device rather than a transmitted address. This class only manages three of the
    four SPI lines: `!clock`, `!MOSI`, `!MISO`. Its up to the client to manage the appropriate
    select line, often abbreviated `!CS` or `!SS`. (This is common because multiple secondaries
    can share the `!clock`, `!MOSI` and `!MISO` lines and therefore the hardware.)"""

    __slots__ = ("_frequency",)

    def __init__(
        self, clock: Any, MOSI: Any = None, MISO: Any = None, *, half_duplex: bool = False
    ) -> None:
        """Construct an SPI object on the given pins.

        .. note:: The SPI peripherals allocated in order of desirability, if possible,
           such as highest speed and not shared use first. For instance, on the nRF52840,
           there is a single 32MHz SPI peripheral, and multiple 8MHz peripherals,
           some of which may also be used for I2C. The 32MHz SPI peripheral is returned
           first, then the exclusive 8MHz SPI peripheral, and finally the shared 8MHz
           peripherals.

        .. seealso:: Using this class directly requires careful lock management.
            Instead, use :class:`~adafruit_bus_device.SPIDevice` to
            manage locks.

        :param ~microcontroller.Pin clock: the pin to use for the clock.
        :param ~microcontroller.Pin MOSI: the Main Out Selected In pin.
        :param ~microcontroller.Pin MISO: the Main In Selected Out pin.
        :param bool half_duplex: True when MOSI is used for bidirectional data. False when SPI
            is full-duplex or simplex."""
        _validate.pin(clock, "clock")
        _validate.optional_pin(MOSI, "MOSI")
        _validate.optional_pin(MISO, "MISO")
        if MOSI is None and MISO is None:
            raise ValueError("Must provide MISO or MOSI pin")
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
            bool(half_duplex),
        )
        with _errors.translate():
            self._frequency = self._checked().configure(250_000, 0, 0, 8)

    def deinit(self) -> None:
        """Turn off the SPI bus."""
        super().deinit()

    def __enter__(self) -> SPI:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    def try_lock(self) -> bool:
        """Attempts to grab the SPI lock. Returns True on success.

        :return: True when lock has been grabbed
        :rtype: bool"""
        # CircuitPython's SPI.try_lock does not check for deinit, unlike I2C's.
        return self._bus_lock.acquire(False)

    def unlock(self) -> None:
        """Releases the SPI lock."""
        self._checked()
        if self._bus_lock.locked():
            self._bus_lock.release()

    def configure(
        self, *, baudrate: int = 100000, polarity: int = 0, phase: int = 0, bits: int = 8
    ) -> None:
        """Configures the SPI bus. The SPI object must be locked.

        :param int baudrate: the desired clock rate in Hertz. The actual clock rate may be
          higher or lower due to the granularity of available clock settings.
          Check the `frequency` attribute for the actual clock rate.
        :param int polarity: the base state of the clock line (0 or 1)
        :param int phase: the edge of the clock that data is captured. First (0)
          or second (1). Rising or falling depends on clock polarity.
        :param int bits: the number of bits per word

        .. note:: On the SAMD21, it is possible to set the baudrate to 24 MHz, but that
           speed is not guaranteed to work. 12 MHz is the next available lower speed, and is
           within spec for the SAMD21."""
        impl = self._locked_impl()
        baudrate = _validate.int_at_least(baudrate, 1, "baudrate")
        polarity = _validate.int_range(polarity, 0, 1, "polarity")
        phase = _validate.int_range(phase, 0, 1, "phase")
        bits = _validate.int_range(bits, 8, 9, "bits")
        if bits == 9 and not impl.capabilities.nine_bit:
            raise _validate.invalid("bits")
        try:
            self._frequency = impl.configure(baudrate, polarity, phase, bits)
        except HalError as exc:
            raise _errors.convert(exc) from None

    def write(self, buffer: Any, *, start: int = 0, end: int = MAXSIZE) -> None:
        """Write the data contained in ``buffer``. The SPI object must be locked.
        If the buffer is empty, nothing happens.

        If ``start`` or ``end`` is provided, then the buffer will be sliced
        as if ``buffer[start:end]`` were passed, but without copying the data.
        The number of bytes written will be the length of ``buffer[start:end]``.

        :param ReadableBuffer buffer: write out bytes from this buffer
        :param int start: beginning of buffer slice
        :param int end: end of buffer slice; if not specified, use ``len(buffer)``"""
        impl = self._locked_impl()
        data = _validate.buffer_slice(buffer, start, end)
        if not len(data):
            return
        try:
            impl.write(data.tobytes())
        except HalError as exc:
            raise _errors.convert(exc) from None

    def readinto(
        self, buffer: Any, *, start: int = 0, end: int = MAXSIZE, write_value: int = 0
    ) -> None:
        """Read into ``buffer`` while writing ``write_value`` for each byte read.
        The SPI object must be locked.
        If the number of bytes to read is 0, nothing happens.

        If ``start`` or ``end`` is provided, then the buffer will be sliced
        as if ``buffer[start:end]`` were passed.
        The number of bytes read will be the length of ``buffer[start:end]``.

        :param WriteableBuffer buffer: read bytes into this buffer
        :param int start: beginning of buffer slice
        :param int end: end of buffer slice; if not specified, it will be the equivalent value
            of ``len(buffer)`` and for any value provided it will take the value of
            ``min(end, len(buffer))``
        :param int write_value: value to write while reading"""
        impl = self._locked_impl()
        target = _validate.buffer_slice(buffer, start, end, writable=True)
        if not len(target):
            return
        try:
            impl.read_into(target, _validate.to_int(write_value, "write_value") & 0xFF)
        except HalError as exc:
            raise _errors.convert(exc) from None

    def write_readinto(
        self,
        out_buffer: Any,
        in_buffer: Any,
        *,
        out_start: int = 0,
        out_end: int = MAXSIZE,
        in_start: int = 0,
        in_end: int = MAXSIZE,
    ) -> None:
        """Write out the data in ``out_buffer`` while simultaneously reading data into
        ``in_buffer``. The SPI object must be locked.

        If ``out_start`` or ``out_end`` is provided, then the buffer will be sliced
        as if ``out_buffer[out_start:out_end]`` were passed, but without copying the data.
        The number of bytes written will be the length of ``out_buffer[out_start:out_end]``.

        If ``in_start`` or ``in_end`` is provided, then the input buffer will be sliced
        as if ``in_buffer[in_start:in_end]`` were passed,
        The number of bytes read will be the length of ``out_buffer[in_start:in_end]``.

        The lengths of the slices defined by ``out_buffer[out_start:out_end]``
        and ``in_buffer[in_start:in_end]`` must be equal.
        If buffer slice lengths are both 0, nothing happens.

        :param ReadableBuffer out_buffer: write out bytes from this buffer
        :param WriteableBuffer in_buffer: read bytes into this buffer
        :param int out_start: beginning of ``out_buffer`` slice
        :param int out_end: end of ``out_buffer`` slice; if not specified, use
            ``len(out_buffer)``
        :param int in_start: beginning of ``in_buffer`` slice
        :param int in_end: end of ``in_buffer slice``; if not specified, use
            ``len(in_buffer)``"""
        impl = self._locked_impl()
        data = _validate.buffer_slice(out_buffer, out_start, out_end, "out_buffer")
        target = _validate.buffer_slice(in_buffer, in_start, in_end, "in_buffer", writable=True)
        if len(data) != len(target):
            raise ValueError("buffer slices must be of equal length")
        if not len(data):
            return
        try:
            impl.transfer(data.tobytes(), target)
        except HalError as exc:
            raise _errors.convert(exc) from None

    @property
    def frequency(self) -> int:
        """The actual SPI bus frequency. This may not match the frequency requested
        due to internal limitations."""
        self._checked()
        return self._frequency
