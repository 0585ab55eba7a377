"""USB Core

This is a subset of the PyUSB core module.

A program finds the devices plugged into the board's USB host port with `find`, then talks to
one through its `Device`: control transfers on endpoint 0 with `Device.ctrl_transfer`, reports
from an interrupt endpoint with `Device.read` after `Device.set_configuration`. A read that
gets nothing within its timeout raises `USBTimeoutError` (a normal outcome when polling a
keyboard or mouse); a stalled request or endpoint raises `USBError` ``Pipe error``; reading
before `Device.set_configuration` raises `USBError` ``No configuration set``.
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator
from typing import Any, NoReturn

from protoboard.bindings import _enum, _errors, _validate
from protoboard.hal import usb_host as hal

#: the singleton key of the board's host controller
_KEY = "usb_host"


class USBError(OSError):
    """Catchall exception for USB related errors."""


class USBTimeoutError(USBError):
    """Raised when a USB transfer times out."""


class _Host:
    """The board's running host controller (one per board), with the pins it holds and the
    state of CircuitPython's USB keyboard driver (the "kernel driver" of a boot keyboard)."""

    def __init__(self, kind: str, pins: tuple[Any, ...]) -> None:
        from protoboard.machine import current

        self.machine = current()
        self.kind = kind
        self.pins = pins
        self.machine.claim(pins)
        try:
            self.impl: hal.HostPort | None = self.machine.create(hal.HostPort, kind)
        except BaseException:
            self.machine.release(pins)
            raise
        #: (generation, interface) the keyboard driver holds, and the ones detached from it
        self.keyboard: tuple[int, int] | None = None
        self.detached: set[tuple[int, int]] = set()

    def checked(self) -> hal.HostPort:
        if self.impl is None:
            raise RuntimeError("No usb host port initialized")
        return self.impl

    def devices(self) -> tuple[hal.Mounted, ...]:
        found = self.checked().devices()
        generations = {m.generation for m in found}
        if self.keyboard is not None and self.keyboard[0] not in generations:
            self.keyboard = None  # unplugged: the driver lets go (tuh_hid_umount_cb)
        if self.keyboard is None:
            for mounted in found:
                for interface in mounted.boot_keyboard_interfaces():
                    if (mounted.generation, interface) not in self.detached:
                        self.keyboard = (mounted.generation, interface)
                        return found
        return found

    def deinit(self) -> None:
        impl, self.impl = self.impl, None
        if impl is not None:
            impl.deinit()
            self.machine.release(self.pins)


def _running() -> _Host | None:
    from protoboard.machine import current

    host = current().singletons.get(_KEY)
    return host if isinstance(host, _Host) and host.impl is not None else None


def _start(kind: str, pins: tuple[Any, ...]) -> _Host:
    """Start the board's host controller on ``pins`` (``usb_host.Port``, ``max3421e``)."""
    from protoboard.machine import current

    with _errors.translate():
        host = _Host(kind, pins)
    current().singletons[_KEY] = host
    return host


def _board_port() -> _Host | None:
    """A board whose firmware starts its host port at power-on (its pins are named
    USB_HOST_DATA_PLUS and USB_HOST_DATA_MINUS, as in the board's board_init) has one running."""
    from protoboard.machine import current

    pins = current().board_pins
    dp, dm = pins.get("USB_HOST_DATA_PLUS"), pins.get("USB_HOST_DATA_MINUS")
    if dp is None or dm is None or "usb_host" not in current().modules:
        return None
    return _start("usb_host", (dp, dm))


def _host() -> _Host:
    host = _running() or _board_port()
    if host is None:
        raise RuntimeError("No usb host port initialized")
    return host


def _usb_error(exc: hal.TransferError) -> USBError:
    if isinstance(exc, hal.TimedOut):
        return USBTimeoutError()
    if isinstance(exc, hal.Stalled):
        return USBError("Pipe error")
    return USBError(str(exc))


def _int_or_none(value: Any) -> int | None:
    """``mp_obj_get_int_maybe``: an int filters, anything else does not."""
    return int(value) if isinstance(value, int) else None


def _timeout(value: Any) -> int:
    return 0 if value is None else max(0, _validate.to_int(value, "timeout"))


def _writable(buffer: Any) -> memoryview:
    try:
        view = memoryview(buffer)
    except TypeError:
        raise TypeError("object with buffer protocol required") from None
    if view.readonly:
        raise TypeError("object with buffer protocol required")
    return view.cast("B") if view.format != "B" or view.ndim != 1 else view


def _readable(buffer: Any) -> bytes:
    try:
        return memoryview(buffer).tobytes()
    except TypeError:
        raise TypeError("object with buffer protocol required") from None


def find(
    find_all: bool = False,
    *,
    idVendor: int | None = None,
    idProduct: int | None = None,
) -> Any:
    """Find the first device that matches the given requirements or, if
    find_all is True, return a generator of all matching devices.

    Returns None if no device matches.
    """
    host = _host()
    vid, pid = _int_or_none(idVendor), _int_or_none(idProduct)
    devices = _matching(host, vid, pid)
    if find_all:
        return devices
    return next(devices, None)


def _matching(host: _Host, vid: int | None, pid: int | None) -> Iterator[Device]:
    for mounted in host.devices():
        if vid is not None and mounted.vid != vid:
            continue
        if pid is not None and mounted.pid != pid:
            continue
        yield Device._create(host, mounted)


class Device:
    """A USB device plugged into the board's host port, as `find` returns it."""

    __slots__ = ("_config", "_host", "_langid", "_mounted", "_open")

    _host: _Host | None
    _mounted: hal.Mounted
    _config: bytes | None
    _open: dict[int, bytes]
    _langid: int

    def __init__(self) -> None:
        """User code cannot create Device objects. Instead, get them from
        `usb.core.find`.
        """
        raise _validate.cannot_create("Device")

    @classmethod
    def _create(cls, host: _Host, mounted: hal.Mounted) -> Device:
        device = object.__new__(cls)
        device._host = host
        device._mounted = mounted
        device._config = None
        device._open = {}
        device._langid = 0
        return device

    def __repr__(self) -> str:
        return f"<Device {self._mounted.vid:04x}:{self._mounted.pid:04x}>"

    def __del__(self) -> None:
        """Closes any resources used for this device."""
        self.deinit()

    def deinit(self) -> None:
        """Closes any resources used for this device."""
        self._host = None
        self._open = {}

    # -- plumbing -----------------------------------------------------------------------------

    def _live(self) -> hal.HostPort:
        host = self._host
        if host is None:
            _validate.raise_deinited()
        if host.impl is None:
            raise USBError("the USB host port was shut down (max3421e deinit)")
        return host.impl

    def _control(self, setup: bytes, data: bytes, timeout: int) -> bytes:
        impl = self._live()
        try:
            return impl.control(
                self._mounted.address, setup, data, timeout, self._mounted.generation
            )
        except hal.TransferError as exc:
            raise _usb_error(exc) from None

    def _present(self) -> None:
        """Raise USBError when the device is gone (TinyUSB no longer knows the address)."""
        impl = self._live()
        if all(m.generation != self._mounted.generation for m in impl.devices()):
            raise USBError(
                f"the USB device at address {self._mounted.address} is no longer connected; "
                "call usb.core.find() again"
            )

    def _get_descriptor(self, kind: int, index: int, language: int, length: int) -> bytes:
        setup = struct.pack("<BBHHH", 0x80, 0x06, kind << 8 | index, language, length)
        return self._control(setup, b"", 0)

    def _string(self, index: int) -> str | None:
        if index == 0:
            return None  # the device has no such string: ask nothing (as CircuitPython)
        if self._langid == 0:
            languages = self._get_descriptor(3, 0, 0, 4)
            if len(languages) >= 4:
                self._langid = int.from_bytes(languages[2:4], "little")
        data = self._get_descriptor(3, index, self._langid, 254)
        count = (max(data[0] if data else 0, 2) - 2) // 2
        if count == 0:
            return None
        return data[2 : 2 + 2 * count].decode("utf-16-le", errors="replace")

    # -- identity -----------------------------------------------------------------------------

    @property
    def idVendor(self) -> int:
        """The USB vendor ID of the device"""
        self._present()
        return self._mounted.vid

    @property
    def idProduct(self) -> int:
        """The USB product ID of the device"""
        self._present()
        return self._mounted.pid

    @property
    def serial_number(self) -> str | None:
        """The USB device's serial number string."""
        return self._string(self._mounted.device_descriptor[16])

    @property
    def product(self) -> str | None:
        """The USB device's product string."""
        return self._string(self._mounted.device_descriptor[15])

    @property
    def manufacturer(self) -> str | None:
        """The USB device's manufacturer string."""
        return self._string(self._mounted.device_descriptor[14])

    @property
    def bus(self) -> int:
        """The bus number of the root hub this device is connected to."""
        self._live()
        return 0

    @property
    def port_numbers(self) -> tuple[int] | None:
        """The port topology of the devices location. None when connected to the
        root port (aka bus)."""
        self._live()
        return None

    @property
    def speed(self) -> int:
        """The speed of the device. One of `usb.util.SPEED_LOW`, `usb.util.SPEED_FULL`, `usb.util.SPEED_HIGH` or 0 for unknown."""  # noqa: E501
        self._live()
        return self._mounted.speed

    # -- configuration ------------------------------------------------------------------------

    def set_configuration(self, configuration: int = 1) -> None:
        """Set the active configuration.

        The configuration parameter is the bConfigurationValue field of the
        configuration you want to set as active. If you call this method
        without parameter, it will use the first configuration found.  As a
        device hardly ever has more than one configuration, calling the method
        without arguments is enough to get the device ready.
        """
        value = _validate.to_int(configuration, "configuration")
        index = (value - 1) & 0xFF  # CircuitPython takes the index as the value less one
        header = self._get_descriptor(2, index, 0, 9)
        if len(header) < 4:
            raise USBError(f"the device sent a {len(header)}-byte configuration descriptor")
        total = int.from_bytes(header[2:4], "little")
        config = self._get_descriptor(2, index, 0, total)
        try:
            if len(config) < total:
                raise ValueError(f"it says {total} bytes (wTotalLength) but {len(config)} came")
            hal.walk_descriptors(config)
        except ValueError as exc:
            raise USBError(f"the device's configuration descriptor is malformed: {exc}") from None
        self._control(struct.pack("<BBHHH", 0x00, 0x09, value & 0xFFFF, 0, 0), b"", 0)
        self._config = config
        self._open = {}

    def _endpoint(self, endpoint: int) -> bytes:
        """The descriptor of ``endpoint``, opened as CircuitPython's ``_open_endpoint`` does."""
        found = self._open.get(endpoint)
        if found is not None:
            return found
        self._live()
        if self._config is None:
            raise USBError("No configuration set")
        interface = -1
        for kind, body in hal.walk_descriptors(self._config):
            if kind == 0x04 and len(body) >= 3:
                interface = body[2]
            elif kind == 0x05 and len(body) >= 7 and body[2] == endpoint:
                host = self._host
                assert host is not None
                held = host.keyboard
                if held == (self._mounted.generation, interface):
                    raise USBError(
                        f"interface {interface} is in use by CircuitPython's USB keyboard "
                        f"driver; call detach_kernel_driver({interface}) first"
                    )
                self._open[endpoint] = body
                return body
        raise USBError(f"endpoint {endpoint:#04x} is not in the device's configuration")

    # -- transfers ----------------------------------------------------------------------------

    def write(self, endpoint: int, data: Any, timeout: int | None = None) -> int:
        """Write data to a specific endpoint on the device.

        :param int endpoint: the bEndpointAddress you want to communicate with.
        :param ReadableBuffer data: the data to send
        :param int timeout: Time to wait specified in milliseconds. (Different from most CircuitPython!)
        :returns: the number of bytes written
        """  # noqa: E501
        address = _validate.to_int(endpoint, "endpoint")
        payload = _readable(data)
        wait = _timeout(timeout)
        descriptor = self._endpoint(address)
        impl = self._live()
        try:
            written = impl.transfer(
                self._mounted.address, descriptor, payload, 0, wait, self._mounted.generation
            )
        except hal.TransferError as exc:
            raise _usb_error(exc) from None
        return written if isinstance(written, int) else len(written)

    def read(
        self,
        endpoint: int,
        size_or_buffer: Any,
        timeout: int | None = None,
        *,
        raise_on_timeout: bool = True,
    ) -> int:
        """Read data from the endpoint.

        :param int endpoint: the bEndpointAddress you want to communicate with.
        :param array.array size_or_buffer: the array to read data into. PyUSB also allows size but CircuitPython only support array to force deliberate memory use.
        :param int timeout: Time to wait specified in milliseconds. (Different from most CircuitPython!)
        :param bool raise_on_timeout: when False, an elapsed timeout returns ``0``
            instead of raising `usb.core.USBTimeoutError`. Polling an interrupt
            endpoint every frame (e.g. a HID gamepad in a game loop) treats "no
            new report yet" as a normal outcome; the exception object each such
            poll would otherwise allocate is measurable garbage-collector
            pressure on small heaps.
        :returns: the number of bytes read
        """  # noqa: E501
        address = _validate.to_int(endpoint, "endpoint")
        view = _writable(size_or_buffer)
        wait = _timeout(timeout)
        descriptor = self._endpoint(address)
        impl = self._live()
        try:
            data = impl.transfer(
                self._mounted.address, descriptor, None, len(view), wait, self._mounted.generation
            )
        except hal.TimedOut:
            if not raise_on_timeout:
                return 0
            raise USBTimeoutError() from None
        except hal.TransferError as exc:
            raise _usb_error(exc) from None
        assert isinstance(data, bytes)
        view[: len(data)] = data
        return len(data)

    def ctrl_transfer(
        self,
        bmRequestType: int,
        bRequest: int,
        wValue: int = 0,
        wIndex: int = 0,
        data_or_wLength: Any = None,
        timeout: int | None = None,
    ) -> int:
        """Do a control transfer on the endpoint 0. The parameters bmRequestType,
        bRequest, wValue and wIndex are the same of the USB Standard Control
        Request format.

        Control requests may or may not have a data payload to write/read.
        In cases which it has, the direction bit of the bmRequestType
        field is used to infer the desired request direction.

        For host to device requests (OUT), data_or_wLength parameter is
        the data payload to send, and it must be a sequence type convertible
        to an array object. In this case, the return value is the number
        of bytes written in the data payload.

        For device to host requests (IN), data_or_wLength is an array
        object which the data will be read to, and the return value is the
        number of bytes read.
        """
        request_type = _validate.to_int(bmRequestType, "bmRequestType") & 0xFF
        request = _validate.to_int(bRequest, "bRequest") & 0xFF
        value = _validate.to_int(wValue, "wValue") & 0xFFFF
        index = _validate.to_int(wIndex, "wIndex") & 0xFFFF
        wait = _timeout(timeout)
        view: memoryview | None = None
        payload = b""
        if data_or_wLength is None:
            length = 0
        elif request_type & 0x80:
            view = _writable(data_or_wLength)
            length = len(view)
        else:
            payload = _readable(data_or_wLength)
            length = len(payload)
        setup = struct.pack("<BBHHH", request_type, request, value, index, length & 0xFFFF)
        answer = self._control(setup, payload, wait)
        if view is not None:
            view[: len(answer)] = answer
            return len(answer)
        return length

    # -- the kernel driver --------------------------------------------------------------------

    def _interface(self, interface: Any) -> int:
        number = _validate.to_int(interface, "interface")
        self._live()
        return number

    def is_kernel_driver_active(self, interface: int) -> bool:
        """Determine if CircuitPython is using the interface. If it is, the
        object will be unable to perform I/O.

        :param int interface: the device interface number to check
        """
        number = self._interface(interface)
        host = self._host
        assert host is not None
        host.devices()
        return host.keyboard == (self._mounted.generation, number)

    def detach_kernel_driver(self, interface: int) -> None:
        """Stop CircuitPython from using the interface. If successful, you
        will then be able to perform I/O. CircuitPython will automatically
        re-start using the interface on reload.

        :param int interface: the device interface number to stop CircuitPython on
        """
        number = self._interface(interface)
        host = self._host
        assert host is not None
        if host.keyboard == (self._mounted.generation, number):
            host.keyboard = None
            host.detached.add((self._mounted.generation, number))

    def attach_kernel_driver(self, interface: int) -> None:
        """Allow CircuitPython to use the interface if it wants to.

        :param int interface: the device interface number to allow CircuitPython to use
        """
        number = self._interface(interface)
        host = self._host
        assert host is not None
        key = (self._mounted.generation, number)
        host.detached.discard(key)
        if host.keyboard is None and number in self._mounted.boot_keyboard_interfaces():
            host.keyboard = key


def _pin_number(pin_id: str) -> int | None:
    match = re.fullmatch(r"[A-Za-z_]*?(\d+)", pin_id)
    return int(match.group(1)) if match else None


def _raise_in_use(name: str) -> NoReturn:
    raise RuntimeError(f"{name} in use")


_enum.publish("usb.core", USBError, USBTimeoutError, Device, find)
