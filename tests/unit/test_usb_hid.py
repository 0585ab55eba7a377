"""usb_hid on the simulated board: CircuitPython's devices, errors and boot.py rules, and the
USB host part's decoding of what a PC would see."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from protoboard.runtime import state

CANNOT = "Cannot change USB devices now"


@pytest.fixture
def context() -> Iterator[state.RunContext]:
    """A fresh run context (boot.py's choices start from the defaults), restored afterwards."""
    saved = state.current
    fresh = state.install(state.RunContext())
    try:
        yield fresh
    finally:
        state.install(saved)


def keyboard_report(modifiers: int = 0, *keys: int) -> bytes:
    return bytes([modifiers, 0, *keys, *([0] * (6 - len(keys)))])


def test_default_devices_and_their_reports(sim, context) -> None:
    import usb_hid

    kbd, mouse, cc = usb_hid.devices
    assert (kbd.usage_page, kbd.usage) == (0x01, 0x06)
    assert (mouse.usage_page, mouse.usage) == (0x01, 0x02)
    assert (cc.usage_page, cc.usage) == (0x0C, 0x01)
    assert kbd == usb_hid.Device.KEYBOARD
    kbd.send_report(keyboard_report(0x02, 0x0B))  # Shift + h
    kbd.send_report(keyboard_report())
    kbd.send_report(keyboard_report(0, 0x0C))  # i
    kbd.send_report(keyboard_report())
    host = sim.part("USB")
    assert host.text == "Hi"
    assert host.reports[0] == (1, keyboard_report(0x02, 0x0B))
    mouse.send_report(bytes([1, 5, 0xFB, 0]))  # left button, +5, -5
    assert host.mouse_buttons == ("LEFT",)
    cc.send_report((0xE9).to_bytes(2, "little"))
    assert list(host.consumer) == ["VOLUME_INCREMENT"]
    assert usb_hid.get_boot_device() == 0


@pytest.mark.hostile
def test_wrong_report_length_and_id(sim, context) -> None:
    import usb_hid

    kbd = usb_hid.Device.KEYBOARD
    with pytest.raises(ValueError, match="^report length must be 8$"):
        kbd.send_report(bytes(9))  # oversized
    with pytest.raises(ValueError, match="^report length must be 8$"):
        kbd.send_report(b"")
    with pytest.raises(ValueError, match="^Invalid report_id$"):
        kbd.send_report(bytes(8), report_id=2)
    with pytest.raises(ValueError, match="^Invalid report_id$"):
        kbd.get_last_received_report(report_id=-1)
    with pytest.raises(TypeError, match="object with buffer protocol required"):
        kbd.send_report("text")
    assert list(sim.part("USB").reports) == []  # nothing bad reached the host


@pytest.mark.hostile
def test_device_construction_errors(sim) -> None:
    from usb_hid import Device

    def make(**changes: object) -> Device:
        args: dict[str, object] = dict(
            report_descriptor=b"\x05\x01",
            usage_page=1,
            usage=2,
            report_ids=(4,),
            in_report_lengths=(3,),
            out_report_lengths=(0,),
        )
        args.update(changes)
        return Device(**args)  # type: ignore[arg-type]

    assert make().usage == 2
    with pytest.raises(ValueError, match="^usage_page must be 1-65535$"):
        make(usage_page=0)
    with pytest.raises(ValueError, match="^usage must be 0-65535$"):
        make(usage=0x10000)
    with pytest.raises(ValueError, match="^report_ids length must be >= 1$"):
        make(report_ids=(), in_report_lengths=(), out_report_lengths=())
    with pytest.raises(ValueError, match="must all be the same length"):
        make(in_report_lengths=(1, 2))
    with pytest.raises(ValueError, match="^report_ids must be 0-255$"):
        make(report_ids=(256,))
    with pytest.raises(ValueError, match="^in_report_lengths must be 0-255$"):
        make(in_report_lengths=(300,))
    with pytest.raises(ValueError, match="^report_id_space_0 length must be 1$"):
        make(report_ids=(0, 1), in_report_lengths=(1, 1), out_report_lengths=(0, 0))
    with pytest.raises(ValueError, match="^report_ids length must be <= 6$"):
        make(report_ids=tuple(range(1, 8)), in_report_lengths=(1,) * 7, out_report_lengths=(0,) * 7)
    with pytest.raises(TypeError):
        Device(b"", 1, 2, (1,), (1,), (1,))  # type: ignore[misc]  # keyword-only


def test_custom_device_with_two_report_ids(sim, context) -> None:
    import usb_hid

    gamepad = usb_hid.Device(
        report_descriptor=b"\x05\x01\x09\x05",
        usage_page=0x01,
        usage=0x05,
        report_ids=(4, 5),
        in_report_lengths=(6, 2),
        out_report_lengths=(0, 1),
    )
    context.in_boot = True
    usb_hid.enable((gamepad,))
    context.in_boot = False
    (device,) = usb_hid.devices
    with pytest.raises(ValueError, match="^Invalid report_id$"):
        device.send_report(bytes(6))  # two ids: which one must be said
    device.send_report(bytes(6), report_id=4)
    device.send_report(b"\x01\x02", 5)
    assert list(sim.part("USB").reports) == [(4, bytes(6)), (5, b"\x01\x02")]
    assert "HID report 5: 01 02" in sim.part("USB").events
    assert device.get_last_received_report(5) is None
    sim.part("USB").send_report(5, b"\x07")
    assert device.get_last_received_report(5) == b"\x07"
    assert device.get_last_received_report(5) is None  # once


@pytest.mark.hostile
def test_enable_and_disable_only_in_boot(sim, context) -> None:
    import usb_hid

    for call in (usb_hid.disable, lambda: usb_hid.enable((usb_hid.Device.MOUSE,))):
        with pytest.raises(RuntimeError, match=f"^{CANNOT}$"):
            call()
    assert len(usb_hid.devices) == 3  # unchanged
    context.in_boot = True
    with pytest.raises(ValueError, match="^boot_device must be 0-2$"):
        usb_hid.enable((usb_hid.Device.KEYBOARD,), boot_device=3)
    with pytest.raises(TypeError, match="^__class__ must be of type Device, not int$"):
        usb_hid.enable((1,))
    with pytest.raises(ValueError, match="^devices length must be <= 8$"):
        usb_hid.enable((usb_hid.Device.MOUSE,) * 9)
    usb_hid.enable((usb_hid.Device.MOUSE,), boot_device=2)
    assert usb_hid.devices == (usb_hid.Device.MOUSE,)
    usb_hid.disable()
    assert usb_hid.devices == ()
    with pytest.raises(ValueError, match="^interface_name length must be 1-126$"):
        usb_hid.set_interface_name("x" * 127)
    usb_hid.set_interface_name("Macro pad")


def test_host_decodes_shift_caps_backspace_and_history_is_bounded(sim, context) -> None:
    import usb_hid

    from protoboard.ports.sim.parts import usbhost

    kbd = usb_hid.Device.KEYBOARD
    host = sim.part("USB")
    host.caps_lock = True
    for key in (0x04, 0x05):  # a, b with Caps Lock: AB
        kbd.send_report(keyboard_report(0, key))
        kbd.send_report(keyboard_report())
    kbd.send_report(keyboard_report(0x02, 0x04))  # Shift reverses Caps Lock on letters
    kbd.send_report(keyboard_report(0x02, 0x1E))  # Shift+1 is !, not changed by Caps Lock
    kbd.send_report(keyboard_report())
    kbd.send_report(keyboard_report(0, 0x2A))  # Backspace
    kbd.send_report(keyboard_report())
    assert host.text == "ABa"
    assert kbd.get_last_received_report() == b"\x02"  # the host's LED report: Caps Lock on
    for _ in range(usbhost.HISTORY + 10):
        kbd.send_report(keyboard_report())
    assert len(host.reports) == usbhost.HISTORY
