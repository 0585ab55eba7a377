"""USB Human Interface Device

The `usb_hid` module allows you to output data as a HID device.

On the simulated board the USB host is a PC model, the ``USB`` part: it decodes what the board
sends as a PC would (the keyboard's text, the mouse pointer, media keys), ``protoboard exec
--trace`` prints each report decoded, and a test reads ``sim.part("USB").text``. Setting its
``caps_lock`` sends the keyboard LED report a PC sends.

As on a board, `enable` and `disable` work only in ``boot.py``; the devices chosen there are
the ones code.py gets in `devices` until the next hard reset.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

from protoboard.bindings import _enum, _errors, _validate
from protoboard.hal import usb_hid as hal
from protoboard.runtime import state

#: report ids one device may use (CircuitPython's CIRCUITPY_USB_HID__MAX_REPORT_IDS_PER_DESCRIPTOR)
_MAX_REPORT_IDS = 6
#: devices one board may enable (MAX_HID_DEVICES)
_MAX_DEVICES = 8
_CANNOT_CHANGE = "Cannot change USB devices now"

# Adafruit's report descriptors, as CircuitPython builds them in (report ids 1, 2 and 3).
_KEYBOARD_DESCRIPTOR = bytes.fromhex(
    "05010906a1018501050719e029e71500250175019508810295017508810195057501050819012905910295017503"
    "910195067508150026ff00050719002aff008100c0"
)
_MOUSE_DESCRIPTOR = bytes.fromhex(
    "05010902a1010901a1008502050919012905150025019505750181029501750381010501093009311581257f7508"
    "9502810609381581257f750895018106c0c0"
)
_CONSUMER_DESCRIPTOR = bytes.fromhex("050c0901a1018503751095011501268c0219012a8c028100c0")


class Device:
    """HID Device specification"""

    __slots__ = ("_spec",)

    _spec: hal.HidDevice

    KEYBOARD: Device
    """Standard keyboard device supporting keycodes 0x00-0xDD, modifiers 0xE-0xE7, and five LED
    indicators. Uses Report ID 1 for its IN and OUT reports."""
    MOUSE: Device
    """Standard mouse device supporting five mouse buttons, X and Y relative movements from
    -127 to 127 in each report, and a relative mouse wheel change from -127 to 127 in each
    report. Uses Report ID 2 for its IN report."""
    CONSUMER_CONTROL: Device
    """Consumer Control device supporting sent values from 1-652, with no rollover. Uses Report
    ID 3 for its IN report."""

    def __init__(
        self,
        *,
        report_descriptor: Any,
        usage_page: int,
        usage: int,
        report_ids: Sequence[int],
        in_report_lengths: Sequence[int],
        out_report_lengths: Sequence[int],
    ) -> None:
        """Create a description of a USB HID device. The actual device is created when you
        pass a `Device` to `usb_hid.enable()`.

        :param ReadableBuffer report_descriptor: The USB HID Report descriptor bytes.
        :param int usage_page: The Usage Page value from the report descriptor. Must match.
        :param int usage: The Usage value from the report descriptor. Must match.
        :param Sequence[int] report_ids: Sequence of report ids used by the descriptor.
           If the ``report_descriptor`` does not specify any report IDs, use ``(0,)``.
        :param Sequence[int] in_report_lengths: Sequence of sizes in bytes of the HID reports
           sent to the host. The sizes are in order of the ``report_ids``.
        :param Sequence[int] out_report_lengths: Sequence of sizes in bytes of the HID reports
           received from the host. The sizes are in order of the ``report_ids``.
        """
        descriptor = _readable(report_descriptor)
        page = _validate.int_range(usage_page, 1, 0xFFFF, "usage_page")
        use = _validate.int_range(usage, 0, 0xFFFF, "usage")
        ids = _int_list(report_ids)
        if len(ids) < 1:
            raise ValueError("report_ids length must be >= 1")
        ins, outs = _int_list(in_report_lengths), _int_list(out_report_lengths)
        if len(ins) != len(ids) or len(outs) != len(ids):
            raise ValueError(
                "report_ids, in_report_lengths, and out_report_lengths must all be the same length"
            )
        for i in range(len(ids)):
            _validate.int_range(ids[i], 0, 255, "report_ids")
            _validate.int_range(ins[i], 0, 255, "in_report_lengths")
            _validate.int_range(outs[i], 0, 255, "out_report_lengths")
        if ids[0] == 0 and len(ids) > 1:
            raise ValueError("report_id_space_0 length must be 1")
        if len(ids) > _MAX_REPORT_IDS:
            raise ValueError(f"report_ids length must be <= {_MAX_REPORT_IDS}")
        self._spec = hal.HidDevice(descriptor, page, use, tuple(ids), tuple(ins), tuple(outs))

    @classmethod
    def _of(cls, spec: hal.HidDevice) -> Device:
        device = object.__new__(cls)
        device._spec = spec
        return device

    def send_report(self, report: Any, report_id: int | None = None) -> None:
        """Send an HID report. If the device descriptor specifies zero or one report id's,
        you can supply `None` (the default) as the value of ``report_id``.
        Otherwise you must specify which report id to use when sending the report.
        """
        data = _readable(report)
        spec = self._spec
        rid = _report_id(spec, report_id)
        expected = spec.in_report_lengths[spec.index_of(rid)]
        if len(data) != expected:
            raise ValueError(f"report length must be {expected}")
        with _errors.translate():
            _host().send_report(spec, rid, data)

    def get_last_received_report(self, report_id: int | None = None) -> bytes | None:
        """Get the last received HID OUT or feature report for the given report ID.
        The report ID may be omitted if there is no report ID, or only one report ID.
        Return `None` if nothing received. After returning a report, subsequent calls
        will return `None` until a new report is received.
        """
        spec = self._spec
        rid = _report_id(spec, report_id)
        with _errors.translate():
            data = _host().take_out_report(spec, rid)
        if data is None:
            return None
        length = spec.out_report_lengths[spec.index_of(rid)]
        return bytes(data[:length].ljust(length, b"\0"))

    @property
    def usage_page(self) -> int:
        """The device usage page identifier, which designates a category of device. (read-only)"""
        return self._spec.usage_page

    @property
    def usage(self) -> int:
        """The device usage identifier, which designates a specific kind of device. (read-only)

        For example, Keyboard is 0x06 within the generic desktop usage page 0x01.
        Mouse is 0x02 within the same usage page."""
        return self._spec.usage

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Device) and other._spec == self._spec

    def __hash__(self) -> int:
        return hash(self._spec)

    def __repr__(self) -> str:
        return f"<Device usage_page=0x{self._spec.usage_page:02x} usage=0x{self._spec.usage:02x}>"


Device.KEYBOARD = Device._of(hal.HidDevice(_KEYBOARD_DESCRIPTOR, 0x01, 0x06, (1,), (8,), (1,)))
Device.MOUSE = Device._of(hal.HidDevice(_MOUSE_DESCRIPTOR, 0x01, 0x02, (2,), (4,), (0,)))
Device.CONSUMER_CONTROL = Device._of(
    hal.HidDevice(_CONSUMER_DESCRIPTOR, 0x0C, 0x01, (3,), (2,), (0,))
)
_DEFAULT = (Device.KEYBOARD._spec, Device.MOUSE._spec, Device.CONSUMER_CONTROL._spec)


def _readable(value: Any) -> bytes:
    try:
        return bytes(memoryview(value).cast("B"))
    except TypeError:
        raise TypeError("object with buffer protocol required") from None


def _int_list(values: Any) -> list[Any]:
    try:
        return list(values)
    except TypeError:
        raise TypeError(f"object of type '{_validate.type_name(values)}' has no len()") from None


def _report_id(spec: hal.HidDevice, report_id: Any) -> int:
    """CircuitPython's validate_report_id: None means the device's only id."""
    if report_id is None:
        if len(spec.report_ids) == 1:
            return spec.report_ids[0]
        raise _validate.invalid("report_id")
    rid = _validate.to_int(report_id, "report_id")
    if rid < 0 or rid not in spec.report_ids:
        raise _validate.invalid("report_id")
    return rid


def _enabled() -> tuple[hal.HidDevice, ...]:
    chosen = state.current.usb_hid_devices
    return _DEFAULT if chosen is None else tuple(chosen)


def _host() -> hal.HidHost:
    from protoboard.machine import current

    machine = current()
    host = machine.singletons.get("usb_hid")
    if not isinstance(host, hal.HidHost):
        host = machine.create(hal.HidHost, _enabled())
        machine.singletons["usb_hid"] = host
    return host


def _may_change() -> None:
    context = state.current
    if not context.in_boot and context.usb_connected:
        raise RuntimeError(_CANNOT_CHANGE)


def disable() -> None:
    """Do not present any USB HID devices to the host computer.
    Can be called in ``boot.py``, before USB is connected.
    The HID composite device is normally enabled by default,
    but on some boards with limited endpoints, including STM32F4,
    it is disabled by default. You must turn off another USB device such
    as `usb_cdc` or `storage` to free up endpoints for use by `usb_hid`.
    """
    _may_change()
    state.current.remember(usb_hid_devices=(), usb_hid_boot_device=0)


def enable(devices: Sequence[Device] | None, boot_device: int = 0) -> None:
    """Specify which USB HID devices that will be available.
    Can be called in ``boot.py``, before USB is connected.

    :param Sequence devices: `Device` objects.
      If `devices` is empty, HID is disabled. The order of the ``Devices``
      may matter to the host. For instance, for MacOS, put the mouse device
      before any Gamepad or Digitizer HID device or else it will not work.
    :param int boot_device: If non-zero, inform the host that support for a
      a boot HID device is available.
      If ``boot_device=1``, a boot keyboard is available.
      If ``boot_device=2``, a boot mouse is available. No other values are allowed.
      See below.

    If you enable too many devices at once, you will run out of USB endpoints.
    The number of available endpoints varies by microcontroller.
    CircuitPython will go into safe mode after running ``boot.py`` to inform you if
    not enough endpoints are available.

    **Boot Devices**

    Boot devices implement a fixed, predefined report descriptor, defined in
    https://www.usb.org/sites/default/files/hid1_12.pdf, Appendix B. A USB host
    can request to use the boot device if the USB device says it is available.
    Usually only a BIOS or other kind of limited-functionality
    host needs boot keyboard support.

    For example, to make a boot keyboard available, you can use this code::

      usb_hid.enable((Device.KEYBOARD), boot_device=1)  # 1 for a keyboard

    If the host requests the boot keyboard, the report descriptor provided by `Device.KEYBOARD`
    will be ignored, and the predefined report descriptor will be used.
    But if the host does not request the boot keyboard,
    the descriptor provided by `Device.KEYBOARD` will be used.

    The HID boot device must usually be the first or only device presented by CircuitPython.
    The HID device will be USB interface number 0.
    To make sure it is the first device, disable other USB devices, including CDC and MSC
    (CIRCUITPY).
    If you specify a non-zero ``boot_device``, and it is not the first device, CircuitPython
    will enter safe mode to report this error.
    """
    if devices is None:
        raise TypeError("object of type 'NoneType' has no len()")
    items = _int_list(devices)
    for item in items:
        if not isinstance(item, Device):
            raise TypeError(f"__class__ must be of type Device, not {_validate.type_name(item)}")
    boot = _validate.int_range(boot_device, 0, 2, "boot_device")
    _may_change()
    if len(items) > _MAX_DEVICES:
        raise ValueError(f"devices length must be <= {_MAX_DEVICES}")
    chosen = tuple(item._spec for item in items)
    state.current.remember(usb_hid_devices=chosen, usb_hid_boot_device=boot)


def get_boot_device() -> int:
    """
    :return: the boot device requested by the host, if any.
      Returns 0 if the host did not request a boot device, or if `usb_hid.enable()`
      was called with ``boot_device=0``, the default, which disables boot device support.
      If the host did request a boot device,
      returns the value of ``boot_device`` set in `usb_hid.enable()`:
      ``1`` for a boot keyboard, or ``2`` for boot mouse.
      However, the standard devices provided by CircuitPython, `Device.KEYBOARD` and
      `Device.MOUSE`, describe reports that match the boot device reports, so you don't need to
      check this if you are using those devices.
    :rtype int:

    On the simulated board the host (a PC running an operating system) never asks for a boot
    device, so this is 0.
    """
    return 0


def set_interface_name(interface_name: str) -> None:
    """Override HID interface name in the USB Interface Descriptor.

    ``interface_name`` must be an ASCII string (or buffer) of at most 126.

    This method must be called in boot.py to have any effect.

    Not available on boards without native USB support.
    """
    name = _readable(interface_name.encode() if isinstance(interface_name, str) else interface_name)
    if not 1 <= len(name) <= 126:
        raise ValueError("interface_name length must be 1-126")


def __getattr__(name: str) -> Any:
    if name == "devices":
        return tuple(Device._of(spec) for spec in _enabled())
    raise AttributeError(f"module 'usb_hid' has no attribute '{name}'")


def __dir__() -> list[str]:
    from protoboard.importer import public_names

    return public_names(sys.modules[__name__], ("devices",))


devices: tuple[Device, ...]
"""Tuple of all active HID device interfaces.
The default set of devices is ``Device.KEYBOARD, Device.MOUSE, Device.CONSUMER_CONTROL``,
On boards where `usb_hid` is disabled by default, `devices` is an empty tuple.

If a boot device is enabled by `usb_hid.enable()`, *and* the host has requested a boot device,
the `devices` tuple is **replaced** when ``code.py`` starts with a single-element tuple
containing a `Device` that describes the boot device chosen (keyboard or mouse).
The request for a boot device overrides any other HID devices.
"""

_enum.publish("usb_hid", Device, disable, enable, get_boot_device, set_interface_name)
