"""MIDI over USB

The `usb_midi` module contains classes to transmit and receive MIDI messages over USB.

On the simulated board the USB host is a PC model, the ``USB`` part: it decodes the MIDI bytes
the board sends (``sim.part("USB").midi`` lists messages such as ``NoteOn channel=1 note=60
velocity=127``; ``protoboard exec --trace`` prints them) and ``send_midi(data)`` sends MIDI
bytes the board reads from ``usb_midi.ports[0]``.
"""

from __future__ import annotations

import sys
from typing import Any

from protoboard.bindings import _enum, _errors, _validate
from protoboard.hal import usb_midi as hal
from protoboard.runtime import state


class _Port:
    __slots__ = ()

    @staticmethod
    def _host() -> hal.MidiHost:
        from protoboard.machine import current

        machine = current()
        host = machine.singletons.get("usb_midi")
        if not isinstance(host, hal.MidiHost):
            with _errors.translate():
                host = machine.create(hal.MidiHost)
            machine.singletons["usb_midi"] = host
        return host


class PortIn(_Port):
    """Receives midi commands over USB"""

    def __init__(self) -> None:
        """You cannot create an instance of `usb_midi.PortIn`.

        PortIn objects are constructed for every corresponding entry in the USB
        descriptor and added to the ``usb_midi.ports`` tuple."""
        raise _validate.cannot_create("usb_midi.PortIn")

    def read(self, nbytes: int | None = None) -> bytes | None:
        """Read characters.  If ``nbytes`` is specified then read at most that many
        bytes. Otherwise, read everything that arrives until the connection
        times out. Providing the number of bytes expected is highly recommended
        because it will be faster.

        :return: Data read
        :rtype: bytes or None"""
        size = 1 << 16 if nbytes is None else _validate.to_int(nbytes, "nbytes")
        if size < 0:
            size = 1 << 16
        with _errors.translate():
            return self._host().read(size)  # b"" when nothing came, as on a board

    def readinto(self, buf: Any, nbytes: int | None = None) -> int | None:
        """Read bytes into the ``buf``.  If ``nbytes`` is specified then read at most
        that many bytes.  Otherwise, read at most ``len(buf)`` bytes.

        :return: number of bytes read and stored into ``buf``
        :rtype: bytes or None"""
        view = memoryview(buf).cast("B")
        size = len(view) if nbytes is None else min(len(view), _validate.to_int(nbytes, "nbytes"))
        with _errors.translate():
            data = self._host().read(size)
        view[: len(data)] = data
        return len(data)


class PortOut(_Port):
    """Sends midi messages to a computer over USB"""

    def __init__(self) -> None:
        """You cannot create an instance of `usb_midi.PortOut`.

        PortOut objects are constructed for every corresponding entry in the USB
        descriptor and added to the ``usb_midi.ports`` tuple."""
        raise _validate.cannot_create("usb_midi.PortOut")

    def write(self, buf: Any, *limits: int) -> int | None:
        """Write the buffer of bytes to the bus.

        :return: the number of bytes written
        :rtype: int or None"""
        data = _stream_slice(buf, limits)
        with _errors.translate():
            self._host().write(data)
        return len(data)


def _stream_slice(buf: Any, limits: tuple[int, ...]) -> bytes:
    """MicroPython's stream ``write(buf[, max_len])`` and ``write(buf, off, max_len)``
    (adafruit_midi calls ``write(packet, length)``)."""
    data = bytes(memoryview(buf).cast("B"))
    if len(limits) > 2:
        raise TypeError(f"function expected at most 4 arguments, got {len(limits) + 2}")
    numbers = [_validate.to_int(n, "length") for n in limits]
    if not numbers:
        return data
    offset, length = (0, numbers[0]) if len(numbers) == 1 else (numbers[0], numbers[1])
    offset = min(max(offset, 0), len(data))
    return data[offset : offset + max(length, 0)]


_PORTS = (object.__new__(PortIn), object.__new__(PortOut))


def _may_change() -> None:
    context = state.current
    if not context.in_boot and context.usb_connected:
        raise RuntimeError("Cannot change USB devices now")


def disable() -> None:
    """Disable presenting a USB MIDI device to the host.
    The device is normally enabled by default, but on some boards with limited endpoints
    including ESP32-S2 and certain STM boards, it is disabled by default.
    Can be called in ``boot.py``, before USB is connected."""
    _may_change()
    state.current.remember(usb_midi_enabled=False)


def enable() -> None:
    """Enable presenting a USB MIDI device to the host.
    The device is enabled by default, so you do not normally need to call this function.
    Can be called in ``boot.py``, before USB is connected.

    If you enable too many devices at once, you will run out of USB endpoints.
    The number of available endpoints varies by microcontroller.
    CircuitPython will go into safe mode after running boot.py to inform you if
    not enough endpoints are available.
    """
    _may_change()
    state.current.remember(usb_midi_enabled=True)


def _name(value: Any, name: str) -> None:
    if value is None:
        return
    data = value.encode() if isinstance(value, str) else bytes(memoryview(value).cast("B"))
    if not 1 <= len(data) <= 126:
        raise ValueError(f"{name} length must be 1-126")


def set_names(
    *,
    streaming_interface_name: str | None = None,
    audio_control_interface_name: str | None = None,
    in_jack_name: str | None = None,
    out_jack_name: str | None = None,
) -> None:
    """Override the MIDI interface names in the USB Interface Descriptor.

    The optional argument values must be `str` or `None`; `None` means use the
    default name. All names must be ASCII and 126 characters or fewer.

    This method must be called in boot.py to have any effect.

    Not available on boards without native USB support.
    """
    _name(streaming_interface_name, "streaming_interface_name")
    _name(audio_control_interface_name, "audio_control_interface_name")
    _name(in_jack_name, "in_jack_name")
    _name(out_jack_name, "out_jack_name")


def __getattr__(name: str) -> Any:
    if name == "ports":
        return _PORTS if state.current.usb_midi_enabled else ()
    raise AttributeError(f"module 'usb_midi' has no attribute '{name}'")


def __dir__() -> list[str]:
    from protoboard.importer import public_names

    return public_names(sys.modules[__name__], ("ports",))


ports: tuple[PortIn | PortOut, ...]
"""Tuple of all MIDI ports. Each item is ether `PortIn` or `PortOut`."""

_enum.publish("usb_midi", PortIn, PortOut, disable, enable, set_names)
