"""``busio.I2C``: the two-wire serial protocol."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _errors, _validate
from protoboard.bindings.busio._lock import LockableBus
from protoboard.hal import busio as hal
from protoboard.hal.errors import HalError

MAXSIZE = _validate.MAXSIZE


def _swapped(scl: Any, sda: Any) -> bool:
    """The board's own SDA given as scl and its SCL as sda: the SDA/SCL pairs of a real board's
    I2C units are fixed, so CircuitPython refuses them (``Invalid pins``)."""
    from protoboard.machine import current

    pins = current().board_pins
    return pins.get("SDA") is scl and pins.get("SCL") is sda


class I2C(LockableBus[hal.I2C]):
    """Two wire serial protocol"""

    __slots__ = ()

    def __init__(self, scl: Any, sda: Any, *, frequency: int = 100000, timeout: int = 255) -> None:
        """I2C is a two-wire protocol for communicating between devices.  At the physical level
        it consists of 2 wires: SCL and SDA, the clock and data lines respectively.

        .. seealso:: Using this class directly requires careful lock management.
            Instead, use :class:`~adafruit_bus_device.i2c_device.I2CDevice` to
            manage locks.

        :param ~microcontroller.Pin scl: The clock pin
        :param ~microcontroller.Pin sda: The data pin
        :param int frequency: The clock frequency in Hertz
        :param int timeout: The maximum clock stretching timeut - (used only for
            :class:`bitbangio.I2C`; ignored for :class:`busio.I2C`)
        """
        _validate.pin(scl, "scl")
        _validate.pin(sda, "sda")
        frequency = _validate.int_at_least(frequency, 1, "frequency")
        timeout = _validate.to_int(timeout, "timeout")
        if scl is sda or _swapped(scl, sda):
            raise _validate.invalid("pins")
        self._claim(scl, sda)
        self._build(hal.I2C, scl._id, sda._id, frequency, timeout)

    def deinit(self) -> None:
        """Releases control of the underlying hardware so other classes can use it."""
        super().deinit()

    def __enter__(self) -> I2C:
        """No-op used in Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware on context exit."""
        self.deinit()

    def probe(self, address: int) -> bool:
        """Check if a device at the specified address responds.

        :param int address: 7-bit device address
        :return: ``True`` if a device at ``address`` responds; ``False`` otherwise
        :rtype: bool"""
        impl = self._locked_impl()
        try:
            return impl.probe(_validate.to_int(address, "address"))
        except HalError as exc:
            raise _errors.convert(exc) from None

    def scan(self) -> list[int]:
        """Scan all I2C addresses between 0x08 and 0x77 inclusive and return a
        list of those that respond.

        :return: List of device ids on the I2C bus
        :rtype: list"""
        impl = self._locked_impl()
        try:
            return impl.scan()
        except HalError as exc:
            raise _errors.convert(exc) from None

    def readfrom_into(
        self, address: int, buffer: Any, *, start: int = 0, end: int = MAXSIZE
    ) -> None:
        """Read from a device at specified address into a buffer selected by the slice
        ``buffer[start:end]``. If ``start`` or ``end`` is provided, then the buffer will be
        sliced as if ``buffer[start:end]`` were passed, but without copying the data. The number
        of bytes read will be the length of ``buffer[start:end]``.

        :param int address: 7-bit device address
        :param ~circuitpython_typing.WriteableBuffer buffer: buffer to write into
        :param int start: beginning of buffer slice
        :param int end: end of buffer slice; if not specified, use ``len(buffer)``"""
        impl = self._locked_impl()
        target = _validate.buffer_slice(buffer, start, end, "buffer", writable=True)
        if len(target) < 1:
            raise ValueError("buffer length must be >= 1")
        try:
            impl.read_into(_validate.to_int(address, "address"), target)
        except HalError as exc:
            raise _errors.convert(exc) from None

    def writeto(self, address: int, buffer: Any, *, start: int = 0, end: int = MAXSIZE) -> None:
        """Write the bytes from ``buffer`` to the device selected by ``address`` and then
        transmit a stop bit.

        If ``start`` or ``end`` is provided, then the buffer will be sliced as if
        ``buffer[start:end]`` were passed, but without copying the data. The number of bytes
        written will be the length of ``buffer[start:end]``.

        Writing a buffer or slice of length zero is permitted, as it can be used to poll for
        the existence of a device.

        :param int address: 7-bit device address
        :param ~circuitpython_typing.ReadableBuffer buffer: buffer containing the bytes to write
        :param int start: beginning of buffer slice
        :param int end: end of buffer slice; if not specified, use ``len(buffer)``"""
        impl = self._locked_impl()
        data = _validate.buffer_slice(buffer, start, end)
        try:
            impl.write(_validate.to_int(address, "address"), data.tobytes())
        except HalError as exc:
            raise _errors.convert(exc) from None

    def writeto_then_readfrom(
        self,
        address: int,
        out_buffer: Any,
        in_buffer: Any,
        *,
        out_start: int = 0,
        out_end: int = MAXSIZE,
        in_start: int = 0,
        in_end: int = MAXSIZE,
    ) -> None:
        """Write the bytes from ``out_buffer`` to the device selected by ``address``, generate
        no stop bit, generate a repeated start and read into ``in_buffer``. ``out_buffer`` and
        ``in_buffer`` can be the same buffer because they are used sequentially.

        If ``out_start`` or ``out_end`` is provided, then the buffer will be sliced as if
        ``out_buffer[out_start:out_end]`` were passed, but without copying the data. The number
        of bytes written will be the length of ``out_buffer[start:end]``.

        If ``in_start`` or ``in_end`` is provided, then the input buffer will be sliced as if
        ``in_buffer[in_start:in_end]`` were passed, The number of bytes read will be the length
        of ``out_buffer[in_start:in_end]``.

        :param int address: 7-bit device address
        :param ~circuitpython_typing.ReadableBuffer out_buffer: buffer containing the bytes to
            write
        :param ~circuitpython_typing.WriteableBuffer in_buffer: buffer to write into
        :param int out_start: beginning of ``out_buffer`` slice
        :param int out_end: end of ``out_buffer`` slice; if not specified, use
            ``len(out_buffer)``
        :param int in_start: beginning of ``in_buffer`` slice
        :param int in_end: end of ``in_buffer slice``; if not specified, use
            ``len(in_buffer)``"""
        impl = self._impl  # the checks of _locked_impl, inlined on this hot path
        if impl is None:
            _validate.raise_deinited()
        if not self._bus_lock.locked():
            _validate.raise_requires_lock()
        data = _validate.buffer_slice(out_buffer, out_start, out_end, "out_buffer")
        target = _validate.buffer_slice(in_buffer, in_start, in_end, "in_buffer", writable=True)
        if len(target) < 1:
            # CircuitPython checks in_buffer but names out_buffer; kept for identical messages.
            raise ValueError("out_buffer length must be >= 1")
        if type(address) is not int:
            address = _validate.to_int(address, "address")
        try:
            impl.write_then_read_into(address, data.tobytes(), target)
        except HalError as exc:
            raise _errors.convert(exc) from None
