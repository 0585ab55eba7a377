"""``busio.UART``: a bidirectional serial protocol."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _errors, _peripheral, _validate
from protoboard.hal import busio as hal
from protoboard.hal.errors import HalError


class _Parity(_enum.Constant):
    """Enum-like class to define the parity used to verify correct data transfer."""

    __slots__ = ()
    ODD: _Parity
    """Total number of ones should be odd."""
    EVEN: _Parity
    """Total number of ones should be even."""


_enum.define(_Parity, ODD=hal.Parity.ODD, EVEN=hal.Parity.EVEN)
_Parity.__name__ = "Parity"
_Parity.__qualname__ = "UART.Parity"


class UART(_peripheral.Peripheral[hal.UART]):
    """A bidirectional serial protocol"""

    __slots__ = ("_baudrate", "_timeout")

    Parity = _Parity

    def __init__(
        self,
        tx: Any = None,
        rx: Any = None,
        *,
        rts: Any = None,
        cts: Any = None,
        rs485_dir: Any = None,
        rs485_invert: bool = False,
        baudrate: int = 9600,
        bits: int = 8,
        parity: Any = None,
        stop: int = 1,
        timeout: float = 1,
        receiver_buffer_size: int = 64,
    ) -> None:
        """A common bidirectional serial protocol that uses an an agreed upon speed rather than
        a shared clock line.

        :param ~microcontroller.Pin tx: the pin to transmit with, or ``None`` if this ``UART``
            is receive-only.
        :param ~microcontroller.Pin rx: the pin to receive on, or ``None`` if this ``UART`` is
            transmit-only.
        :param ~microcontroller.Pin rts: the pin for rts, or ``None`` if rts not in use.
        :param ~microcontroller.Pin cts: the pin for cts, or ``None`` if cts not in use.
        :param ~microcontroller.Pin rs485_dir: the output pin for rs485 direction setting, or
            ``None`` if rs485 not in use.
        :param bool rs485_invert: rs485_dir pin active high when set. Active low otherwise.
        :param int baudrate: the transmit and receive speed.
        :param int bits:  the number of bits per byte, 5 to 9.
        :param Parity parity:  the parity used for error checking.
        :param int stop:  the number of stop bits, 1 or 2.
        :param float timeout:  the timeout in seconds to wait for the first character and
            between subsequent characters when reading. Raises ``ValueError`` if timeout >100
            seconds.
        :param int receiver_buffer_size: the character length of the read buffer (0 to disable).
            (When a character is 9 bits the buffer will be 2 * receiver_buffer_size bytes.)

        On the simulated board the flow-control and RS485 pins are claimed but not driven: the
        simulated link never loses data."""
        for name, value in (
            ("tx", tx),
            ("rx", rx),
            ("rts", rts),
            ("cts", cts),
            ("rs485_dir", rs485_dir),
        ):
            _validate.optional_pin(value, name)
        if tx is None and rx is None:
            raise ValueError("tx and rx cannot both be None")
        baudrate = _validate.int_at_least(baudrate, 1, "baudrate")
        bits = _validate.int_range(bits, 5, 9, "bits")
        parity = _validate.of_type_or_none(parity, _Parity, "parity")
        stop = _validate.int_range(stop, 1, 2, "stop")
        timeout = _validate.float_range(timeout, 0, 100, "timeout")
        receiver_buffer_size = _validate.int_at_least(
            receiver_buffer_size, 1, "receiver_buffer_size"
        )
        pins = [p for p in (tx, rx, rts, cts, rs485_dir) if p is not None]
        if len(set(pins)) != len(pins):
            raise _validate.invalid("pins")
        self._baudrate = baudrate
        self._timeout = timeout
        self._claim(*pins)
        self._build(
            hal.UART,
            tx._id if tx is not None else None,
            rx._id if rx is not None else None,
            baudrate=baudrate,
            bits=bits,
            parity=parity._hal if parity is not None else None,
            stop=stop,
            receiver_buffer_size=receiver_buffer_size,
        )

    def deinit(self) -> None:
        """Deinitialises the UART and releases any hardware resources for reuse."""
        super().deinit()

    def __enter__(self) -> UART:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *exc: object) -> None:
        """Automatically deinitializes the hardware when exiting a context."""
        self.deinit()

    def read(self, nbytes: int | None = None) -> bytes | None:
        """Read bytes.  If ``nbytes`` is specified then read at most that many
        bytes. Otherwise, read everything that arrives until the connection
        times out. Providing the number of bytes expected is highly recommended
        because it will be faster. If no bytes are read, return ``None``.

        .. note:: When no bytes are read due to a timeout, this function returns ``None``.
          This matches the behavior of `io.RawIOBase.read` in Python 3, but
          differs from pyserial which returns ``b''`` in that situation.

        :return: Data read
        :rtype: bytes or None"""
        impl = self._checked()
        count = None if nbytes is None else _validate.int_at_least(nbytes, 0, "nbytes")
        if count == 0:
            return b""
        try:
            data = impl.read(count, self._timeout)
        except HalError as exc:
            raise _errors.convert(exc) from None
        return data or None

    def readinto(self, buf: Any) -> int | None:
        """Read bytes into the ``buf``. Read at most ``len(buf)`` bytes.

        :return: number of bytes read and stored into ``buf``
        :rtype: int or None (on a non-blocking error)

        *New in CircuitPython 4.0:* No length parameter is permitted."""
        impl = self._checked()
        target = _validate.buffer_slice(buf, 0, _validate.MAXSIZE, "buf", writable=True)
        if not len(target):
            return 0
        try:
            data = impl.read(len(target), self._timeout)
        except HalError as exc:
            raise _errors.convert(exc) from None
        if not data:
            return None
        target[: len(data)] = data
        return len(data)

    def readline(self) -> bytes | None:
        """Read a line, ending in a newline character, or
        return ``None`` if a timeout occurs sooner, or
        return everything readable if no newline is found and
        ``timeout=0``

        :return: the line read
        :rtype: bytes or None"""
        impl = self._checked()
        try:
            data = impl.readline(self._timeout)
        except HalError as exc:
            raise _errors.convert(exc) from None
        return data or None

    def write(self, buf: Any) -> int | None:
        """Write the buffer of bytes to the bus.

        *New in CircuitPython 4.0:* ``buf`` must be bytes, not a string.

        :return: the number of bytes written
        :rtype: int or None"""
        impl = self._checked()
        # buffer_slice refuses a str too: "object with buffer protocol required, not str".
        data = _validate.buffer_slice(buf, 0, _validate.MAXSIZE, "buf").tobytes()
        try:
            return impl.write(data)
        except HalError as exc:
            raise _errors.convert(exc) from None

    @property
    def baudrate(self) -> int:
        """The current baudrate."""
        self._checked()
        return self._baudrate

    @baudrate.setter
    def baudrate(self, value: int) -> None:
        impl = self._checked()
        value = _validate.int_at_least(value, 1, "baudrate")
        with _errors.translate():
            impl.set_baudrate(value)
        self._baudrate = value

    @property
    def in_waiting(self) -> int:
        """The number of bytes in the input buffer, available to be read"""
        return self._checked().in_waiting()

    @property
    def timeout(self) -> float:
        """The current timeout, in seconds (float)."""
        self._checked()
        return self._timeout

    @timeout.setter
    def timeout(self, value: float) -> None:
        self._checked()
        self._timeout = _validate.float_range(value, 0, 100, "timeout")

    def reset_input_buffer(self) -> None:
        """Discard any unread characters in the input buffer."""
        self._checked().reset_input_buffer()
