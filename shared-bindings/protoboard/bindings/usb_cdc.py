"""USB CDC Serial streams

The `usb_cdc` module allows access to USB CDC (serial) communications.

On Windows, each `Serial` is visible as a separate COM port. The ports will often
be assigned consecutively, `console` first, but this is not always true.

On Linux, the ports are typically ``/dev/ttyACM0`` and ``/dev/ttyACM1``.
The `console` port will usually be first.

On MacOS, the ports are typically ``/dev/cu.usbmodem<something>``. The something
varies based on the USB bus and port used. The `console` port will usually be first.

On the simulated board, ``usb_cdc.enable(console=True, data=True)`` in ``boot.py`` gives code.py a
`data` channel: in ``protoboard run`` it is a second serial port (``protoboard run --data pty``
or ``--data tcp:PORT`` says where; open it with screen, tio or pyserial); in ``protoboard exec``
and tests it is the ``USB`` part's buffers (``serial_send(...)``, ``serial_received``).
"""

from __future__ import annotations

import sys
from typing import Any

from protoboard.bindings import _enum, _errors, _validate
from protoboard.hal import usb_cdc as hal
from protoboard.runtime import state


class Serial:
    """Receives cdc commands over USB"""

    __slots__ = ("_impl", "_timeout", "_write_timeout")

    _impl: hal.DataChannel

    def __init__(self) -> None:
        """You cannot create an instance of `usb_cdc.Serial`.
        The available instances are in the ``usb_cdc.serials`` tuple."""
        raise _validate.cannot_create("usb_cdc.Serial")

    @classmethod
    def _create(cls, impl: hal.DataChannel) -> Serial:
        serial = object.__new__(cls)
        serial._impl = impl
        serial._timeout = None
        serial._write_timeout = None
        return serial

    def read(self, size: int = -1) -> bytes:
        """Read at most ``size`` bytes. If ``size`` exceeds the internal buffer size,
        only the bytes in the buffer will be read. If ``size`` is not specified or is ``-1``,
        read as many bytes as possible, until the timeout expires.
        If `timeout` is > 0 or ``None``, and fewer than ``size`` bytes are available,
        keep waiting until the timeout expires or ``size`` bytes are available.

        If no bytes are read, return ``b''``. This is unlike, say, `busio.UART.read()`, which
        would return ``None``.

        :return: Data read
        :rtype: bytes"""
        count = _validate.to_int(size, "size")
        with _errors.translate():
            if count < 0:
                return self._read_all()
            return self._impl.read(count, self._timeout)

    def _read_all(self) -> bytes:
        data = bytearray()
        while True:  # as MicroPython's read(): chunks until one comes back empty
            chunk = self._impl.read(256, self._timeout)
            if not chunk:
                return bytes(data)
            data += chunk

    def readinto(self, buf: Any) -> int:
        """Read bytes into the ``buf``. If ``nbytes`` is specified then read at most
        that many bytes, subject to `timeout`. Otherwise, read at most ``len(buf)`` bytes.

        :return: number of bytes read and stored into ``buf``
        :rtype: bytes"""
        view = memoryview(buf).cast("B")
        with _errors.translate():
            data = self._impl.read(len(view), self._timeout)
        view[: len(data)] = data
        return len(data)

    def readline(self, size: int = -1) -> bytes | None:
        r"""Read a line ending in a newline character ("\\n"), including the newline.
        Return everything readable if no newline is found and ``timeout`` is 0.
        Return ``None`` in case of error.

        This is a binary stream: the newline character "\\n" cannot be changed.
        If the host computer transmits "\\r" it will also be included as part of the line.

        :param int size: maximum number of characters to read. ``-1`` means as many as possible.
        :return: the line read
        :rtype: bytes or None"""
        count = _validate.to_int(size, "size")
        with _errors.translate():
            return self._impl.readline(count, self._timeout)

    def readlines(self) -> list[bytes | None]:
        """Read multiple lines as a list, using `readline()`.

        .. warning:: If ``timeout`` is ``None``,
          `readlines()` will never return, because there is no way to indicate end of stream.

        :return: a list of the line read
        :rtype: list"""
        lines: list[bytes | None] = []
        while True:
            line = self.readline()
            if not line:
                return lines
            lines.append(line)

    def write(self, buf: Any, *limits: int) -> int:
        """Write as many bytes as possible from the buffer of bytes.

        :return: the number of bytes written
        :rtype: int"""
        from protoboard.bindings.usb_midi import _stream_slice

        data = buf.encode() if isinstance(buf, str) else _stream_slice(buf, limits)
        with _errors.translate():
            return self._impl.write(data, self._write_timeout)

    def flush(self) -> None:
        """Force out any unwritten bytes, waiting until they are written."""

    @property
    def connected(self) -> bool:
        """True if this Serial is connected to a host. (read-only)

        .. note:: The host is considered to be connected if it is asserting DTR (Data Terminal
          Ready). Most terminal programs and ``pyserial`` assert DTR when opening a serial
          connection. However, the C# ``SerialPort`` API does not. You must set
          ``SerialPort.DtrEnable``."""
        return self._impl.connected()

    @property
    def in_waiting(self) -> int:
        """Returns the number of bytes waiting to be read on the USB serial input. (read-only)"""
        return self._impl.in_waiting()

    @property
    def out_waiting(self) -> int:
        """Returns the number of bytes waiting to be written on the USB serial output.
        (read-only)"""
        return self._impl.out_waiting()

    def reset_input_buffer(self) -> None:
        """Clears any unread bytes."""
        self._impl.reset_input_buffer()

    def reset_output_buffer(self) -> None:
        """Clears any unwritten bytes."""
        self._impl.reset_output_buffer()

    @property
    def timeout(self) -> float | None:
        """The initial value of `timeout` is ``None``. If ``None``, wait indefinitely to satisfy
        the conditions of a read operation. If 0, do not wait. If > 0, wait only ``timeout``
        seconds."""
        return self._timeout

    @timeout.setter
    def timeout(self, value: float | None) -> None:
        self._timeout = _timeout_value(value)

    @property
    def write_timeout(self) -> float | None:
        """The initial value of `write_timeout` is ``None``. If ``None``, wait indefinitely to
        finish writing all the bytes passed to ``write()``.If 0, do not wait.
        If > 0, wait only ``write_timeout`` seconds."""
        return self._write_timeout

    @write_timeout.setter
    def write_timeout(self, value: float | None) -> None:
        self._write_timeout = _timeout_value(value)


def _timeout_value(value: Any) -> float | None:
    """None waits for ever; a negative number means the same on a board (it stores -1)."""
    if value is None:
        return None
    seconds = _validate.to_float(value, "timeout")
    return None if seconds < 0 else seconds


def _serial(which: str) -> Serial | None:
    from protoboard.machine import current

    context = state.current
    if not (context.usb_cdc_console if which == "console" else context.usb_cdc_data):
        return None
    machine = current()
    key = f"usb_cdc.{which}"
    found = machine.singletons.get(key)
    if not isinstance(found, _Holder):
        with _errors.translate():
            impl = machine.create(hal.DataChannel, which == "console")
        found = _Holder(Serial._create(impl))
        machine.singletons[key] = found
    return found.serial


class _Holder:
    """A machine singleton: the Serial, released with the machine."""

    def __init__(self, serial: Serial) -> None:
        self.serial = serial

    def deinit(self) -> None:
        self.serial._impl.deinit()


def _may_change() -> None:
    context = state.current
    if not context.in_boot and context.usb_connected:
        raise RuntimeError("Cannot change USB devices now")


def disable() -> None:
    """Do not present any USB CDC device to the host.
    Can be called in ``boot.py``, before USB is connected.
    Equivalent to ``usb_cdc.enable(console=False, data=False)``."""
    _may_change()
    state.current.remember(usb_cdc_console=False, usb_cdc_data=False)


def enable(*, console: bool = True, data: bool = False) -> None:
    """Enable or disable each CDC device. Can be called in ``boot.py``, before USB is connected.

    :param console bool: Enable or disable the `console` USB serial device.
      True to enable; False to disable. Enabled by default.
    :param data bool: Enable or disable the `data` USB serial device.
      True to enable; False to disable. *Disabled* by default.

    If you enable too many devices at once, you will run out of USB endpoints.
    The number of available endpoints varies by microcontroller.
    CircuitPython will go into safe mode after running ``boot.py`` to inform you if
    not enough endpoints are available.
    """
    _may_change()
    state.current.remember(usb_cdc_console=bool(console), usb_cdc_data=bool(data))


def __getattr__(name: str) -> Any:
    if name in ("console", "data"):
        return _serial(name)
    raise AttributeError(f"module 'usb_cdc' has no attribute '{name}'")


def __dir__() -> list[str]:
    from protoboard.importer import public_names

    return public_names(sys.modules[__name__], ("console", "data"))


console: Serial | None
"""The `console` `Serial` object is used for the REPL, and for `sys.stdin` and `sys.stdout`.
`console` is ``None`` if disabled.

However, note that `sys.print` and `sys.stdin` may also be connected to a non-USB
REPL, such as a serial UART, depending on the board and if the ``board.CONSOLE_UART``,
is used."""

data: Serial | None
"""A `Serial` object that can be used to send and receive binary data to and from
the host.
Note that `data` is *disabled* by default. `data` is ``None`` if disabled."""

_enum.publish("usb_cdc", Serial, disable, enable)
