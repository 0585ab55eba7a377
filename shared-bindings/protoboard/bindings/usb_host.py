"""USB Host

The `usb_host` module allows you to manage USB host ports. To communicate
with devices use the `usb` module that is a subset of PyUSB's API.

On the simulated board the port's devices are the ``USBKeyboard``, ``USBMouse`` and
``USBGamepad`` parts (or your own ``USBDevice``). Boards whose firmware starts the host port at
power-on (pins named ``USB_HOST_DATA_PLUS`` and ``USB_HOST_DATA_MINUS``) need no `Port` call;
`Port` with those pins returns the running port. `set_user_keymap` keeps the keymap, but the
keyboard driver's typing into the serial console is not simulated: a program reads a keyboard
itself after ``detach_kernel_driver``.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.bindings.usb import core as _core

#: the keymap set with set_user_keymap (used by the keyboard driver's console typing)
_keymap = bytearray(384)


def set_user_keymap(keymap: Any, /) -> None:
    """Set the keymap used by a USB HID keyboard in kernel mode

    The keymap consists of 256 or 384 1-byte entries that map from USB keycodes
    to ASCII codes. The first 128 entries are for unmodified keys,
    the next 128 entries are for shifted keys,and the next optional 128 entries are
    for altgr-modified keys.

    The values must all be ASCII (32 through 126 inclusive); other values are not valid.

    The values at index 0, 128, and 256 (if the keymap has 384 entries) must be
    0; other values are reserved for future expansion to indicate alternate
    keymap formats.

    At other indices, the value 0 is used to indicate that the normal
    definition is still used. For instance, the entry for HID_KEY_ARROW_UP
    (0x52) is usually 0 so that the default behavior of sending an escape code
    is preserved.

    This function is a CircuitPython extension not present in PyUSB
    """
    try:
        data = memoryview(keymap).tobytes()
    except TypeError:
        raise TypeError("object with buffer protocol required") from None
    # As CircuitPython's usb_keymap_set: the first 384 bytes are kept, the rest cleared.
    _keymap[:] = data[:384].ljust(384, b"\0")


class Port:
    """USB host port. Also known as a root hub port."""

    def __new__(cls, dp: Any, dm: Any) -> Port:
        """Create a USB host port on the given pins. Access attached devices
        through the `usb` module.

        The resulting object lives longer than the CircuitPython VM so that
        USB devices such as keyboards can continue to be used. Subsequent
        calls to this constructor will return the same object and *not*
        reinitialize the USB host port. It will raise an exception when
        given different arguments from the first successful call.

        :param ~microcontroller.Pin dp: The data plus pin
        :param ~microcontroller.Pin dm: The data minus pin
        """
        plus = _validate.pin(dp, "dp")
        minus = _validate.pin(dm, "dm")
        # (CircuitPython's order: the pins' pairing, then the running port, then pin claims)
        a, b = _core._pin_number(plus._id), _core._pin_number(minus._id)
        if a is None or b is None or abs(a - b) != 1:
            raise _validate.invalid("pins")
        host = _core._running() or _core._board_port()
        if host is not None:
            if host.kind != "usb_host" or host.pins != (plus, minus):
                raise RuntimeError("usb_host in use")
            return _port()
        _core._start("usb_host", (plus, minus))
        return _port()

    def __init__(self, dp: Any, dm: Any) -> None:
        """Create a USB host port on the given pins. Access attached devices
        through the `usb` module.

        The resulting object lives longer than the CircuitPython VM so that
        USB devices such as keyboards can continue to be used. Subsequent
        calls to this constructor will return the same object and *not*
        reinitialize the USB host port. It will raise an exception when
        given different arguments from the first successful call.

        :param ~microcontroller.Pin dp: The data plus pin
        :param ~microcontroller.Pin dm: The data minus pin
        """


_PORT: list[Port] = []


def _port() -> Port:
    if not _PORT:
        _PORT.append(object.__new__(Port))
    return _PORT[0]


_enum.publish("usb_host", Port, set_user_keymap)
