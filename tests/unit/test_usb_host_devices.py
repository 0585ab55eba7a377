"""The board as a USB host: usb.core, usb_host and max3421e on the simulated board, the keyboard,
mouse and gamepad parts answering as USB devices, and CircuitPython's errors for bad input."""

from __future__ import annotations

import array

import pytest

from protoboard.ports.sim.parts.usbdevices import (
    KEYBOARD_REPORT_DESCRIPTOR,
    REPORT_QUEUE,
    USBKeyboard,
)

HOST_BOARD = "adafruit_feather_rp2040_usb_host"


def _only(usb_core):
    devices = list(usb_core.find(find_all=True))
    assert len(devices) == 1
    return devices[0]


def test_no_host_port_until_a_program_starts_one(sim) -> None:
    sim.add("USBKeyboard")
    import board
    import usb.core
    import usb_host

    with pytest.raises(RuntimeError, match="^No usb host port initialized$"):
        usb.core.find()
    with pytest.raises(ValueError, match="^Invalid pins$"):
        usb_host.Port(board.D5, board.D9)  # D+ and D- must be neighbours (PIO USB)
    port = usb_host.Port(board.D5, board.D6)
    assert usb_host.Port(board.D5, board.D6) is port  # the same port, not a second one
    with pytest.raises(RuntimeError, match="^usb_host in use$"):
        usb_host.Port(board.D9, board.D10)
    import digitalio

    with pytest.raises(ValueError, match="^D5 in use$"):
        digitalio.DigitalInOut(board.D5)
    assert usb.core.find().idProduct == 0x0006


@pytest.mark.board(HOST_BOARD)
def test_the_feather_usb_host_starts_its_port_at_power_on(sim) -> None:
    sim.add("USBGamepad")
    import board
    import usb.core
    import usb.util
    import usb_host

    pad = usb.core.find(idVendor=0x081F, idProduct=0xE401)
    assert (pad.idVendor, pad.idProduct, pad.speed) == (0x081F, 0xE401, usb.util.SPEED_LOW)
    assert (pad.manufacturer, pad.serial_number, pad.bus, pad.port_numbers) == (None, None, 0, None)
    assert usb.core.find(idVendor=0x1234) is None
    usb_host.Port(board.USB_HOST_DATA_PLUS, board.USB_HOST_DATA_MINUS)  # the running port
    with pytest.raises(RuntimeError, match="^usb_host in use$"):
        usb_host.Port(board.D5, board.D6)


@pytest.mark.board(HOST_BOARD)
def test_control_requests_answer_with_the_parts_descriptors(sim) -> None:
    keyboard = sim.add("USBKeyboard")
    import usb.core

    device = _only(usb.core)
    buf = array.array("B", bytes(18))
    assert device.ctrl_transfer(0x80, 6, 0x0100, 0, buf) == 18
    assert bytes(buf) == keyboard.device_descriptor
    report = bytearray(100)
    count = device.ctrl_transfer(0x81, 6, 0x2200, 0, report)  # the HID report descriptor
    assert bytes(report[:count]) == KEYBOARD_REPORT_DESCRIPTOR
    assert device.ctrl_transfer(0x21, 0x09, 0x0200, 0, b"\x02") == 1  # SET_REPORT: Caps Lock
    assert keyboard.leds == ("caps_lock",)
    protocol = bytearray(1)
    device.ctrl_transfer(0xA1, 0x03, 0, 0, protocol)
    assert protocol == b"\x00"  # the host's driver put it in boot protocol
    with pytest.raises(usb.core.USBError, match="^Pipe error$"):
        device.ctrl_transfer(0xC0, 0x42, 0, 0, bytearray(4))  # vendor request: STALL
    with pytest.raises(TypeError):
        device.ctrl_transfer(0x80, 6, 0x0100, 0, b"read-only")


@pytest.mark.board(HOST_BOARD)
def test_reads_need_a_configuration_and_the_keyboard_driver_detached(sim) -> None:
    keyboard = sim.add("USBKeyboard")
    import usb.core

    device = _only(usb.core)
    buf = array.array("B", bytes(8))
    with pytest.raises(usb.core.USBError, match="^No configuration set$"):
        device.read(0x81, buf)
    device.set_configuration()
    assert device.is_kernel_driver_active(0)
    with pytest.raises(usb.core.USBError, match="detach_kernel_driver"):
        device.read(0x81, buf, timeout=10)
    device.detach_kernel_driver(0)
    assert not device.is_kernel_driver_active(0)
    with pytest.raises(usb.core.USBTimeoutError):
        device.read(0x81, buf, timeout=5)  # no key pressed: the keyboard NAKs
    assert device.read(0x81, buf, timeout=5, raise_on_timeout=False) == 0
    keyboard.press("LEFT_SHIFT", "A")
    assert device.read(0x81, buf, timeout=100) == 8
    assert bytes(buf) == b"\x02\x00\x04\x00\x00\x00\x00\x00"
    assert keyboard.keys == "LEFT_SHIFT A"
    with pytest.raises(usb.core.USBError, match="not in the device's configuration"):
        device.read(0x82, buf, timeout=5)
    device.attach_kernel_driver(0)
    assert device.is_kernel_driver_active(0)


@pytest.mark.board(HOST_BOARD)
def test_a_halted_endpoint_stalls_until_cleared(sim) -> None:
    mouse = sim.add("USBMouse")
    import usb.core

    device = _only(usb.core)
    device.set_configuration()
    mouse.halt(0x81)
    mouse.move(1, 1)
    buf = array.array("b", bytes(4))
    with pytest.raises(usb.core.USBError, match="^Pipe error$"):
        device.read(0x81, buf, timeout=50)
    device.ctrl_transfer(0x02, 0x01, 0, 0x81)  # CLEAR_FEATURE(ENDPOINT_HALT)
    assert device.read(0x81, buf, timeout=50) == 3
    assert list(buf[:3]) == [0, 1, 1]


@pytest.mark.board(HOST_BOARD)
def test_unplugging_a_device(sim) -> None:
    keyboard = sim.add("USBKeyboard")
    import usb.core

    device = _only(usb.core)
    device.set_configuration()
    device.detach_kernel_driver(0)
    keyboard.plugged = False
    assert usb.core.find() is None
    assert keyboard.status == "unplugged"
    with pytest.raises(usb.core.USBError, match="no longer connected"):
        device.read(0x81, array.array("B", bytes(8)), timeout=10)
    with pytest.raises(usb.core.USBError):
        device.idVendor  # noqa: B018
    keyboard.plugged = True  # plugged back in: a new device to the program
    again = usb.core.find()
    assert again.idProduct == 0x0006
    with pytest.raises(usb.core.USBError, match="no longer connected"):
        device.set_configuration()
    assert again.is_kernel_driver_active(0)  # the keyboard driver takes the new connection


@pytest.mark.board(HOST_BOARD)
def test_malformed_descriptors_are_not_mounted_and_say_why(sim) -> None:
    short = USBKeyboard(name="SHORT")
    short.device_descriptor = short.device_descriptor[:12]
    sim.attach(short)
    looping = USBKeyboard(name="LOOPING")
    # an interface descriptor whose bLength is 0 (a parser that trusts it loops for ever)
    looping.configuration_descriptor = looping.configuration_descriptor[:9] + bytes(25)
    sim.attach(looping)
    import usb.core

    assert usb.core.find() is None
    assert short.status.startswith("enumeration failed: its device descriptor is 12 bytes")
    assert looping.status == (
        "enumeration failed: its configuration descriptor is malformed: "
        "the descriptor at byte 9 says it is 0 bytes long"
    )


@pytest.mark.board(HOST_BOARD)
def test_a_descriptor_that_changes_after_enumeration(sim) -> None:
    keyboard = sim.add("USBKeyboard")
    import usb.core

    device = _only(usb.core)
    keyboard.configuration_descriptor = keyboard.configuration_descriptor[:20]  # cut short
    with pytest.raises(usb.core.USBError, match="configuration descriptor is malformed"):
        device.set_configuration()


def test_keyboard_controls_are_checked_and_bounded() -> None:
    keyboard = USBKeyboard()
    with pytest.raises(ValueError, match="no key named 'SHIFTY'"):
        keyboard.press("SHIFTY")
    with pytest.raises(ValueError, match="no key for 'é'"):
        keyboard.type("café")
    while keyboard.pending < REPORT_QUEUE:
        keyboard.tap("A")
    with pytest.raises(ValueError, match="has not read yet"):
        keyboard.press("C")
    assert keyboard.pending == REPORT_QUEUE  # nothing lost, nothing added
    assert keyboard.keys == ""  # the refused press held nothing down


def test_max3421e_claims_its_pins_and_starts_the_host(sim) -> None:
    sim.add("USBMouse")
    import board
    import digitalio
    import max3421e
    import usb.core

    chip = max3421e.Max3421E(board.SPI(), chip_select=board.D10, irq=board.D9)
    with pytest.raises(ValueError, match="^D10 in use$"):
        digitalio.DigitalInOut(board.D10)
    with pytest.raises(RuntimeError, match="^max3421e in use$"):
        max3421e.Max3421E(board.SPI(), chip_select=board.D11, irq=board.D12)
    assert usb.core.find().idProduct == 0x2510
    chip.deinit()
    with pytest.raises(RuntimeError, match="^No usb host port initialized$"):
        usb.core.find()
    digitalio.DigitalInOut(board.D10).deinit()  # released
    with pytest.raises(TypeError):
        max3421e.Max3421E(board.SPI(), chip_select=10, irq=board.D9)


def test_device_cannot_be_made_by_a_program(sim) -> None:
    import usb.core

    with pytest.raises(TypeError, match="cannot create 'Device' instances"):
        usb.core.Device()
    assert issubclass(usb.core.USBTimeoutError, usb.core.USBError)
    assert issubclass(usb.core.USBError, OSError)


@pytest.mark.board(HOST_BOARD)
def test_gamepad_answers_every_poll(sim) -> None:
    pad = sim.add("USBGamepad")
    import usb.core

    device = _only(usb.core)
    device.set_configuration()
    buf = array.array("B", bytes(64))
    assert device.read(0x81, buf) == 8  # no timeout: waits for the next poll
    assert bytes(buf[:8]) == bytes.fromhex("7f7f7f7f7f0f0000")
    pad.buttons = "RIGHT B START"
    device.read(0x81, buf)
    assert bytes(buf[:8]) == bytes.fromhex("ff7f7f7f7f4f2000")
    with pytest.raises(ValueError, match="no gamepad button 'Z'"):
        pad.press("Z")


def test_midi_controller_refuses_what_is_not_a_whole_message() -> None:
    from protoboard.ports.sim.parts.usbdevices import USBMIDIController, midi_packets

    assert midi_packets(b"\x90\x3c\x40\xc1\x05\xf8") == [
        b"\x09\x90\x3c\x40",
        b"\x0c\xc1\x05\x00",
        b"\x0f\xf8\x00\x00",
    ]
    controller = USBMIDIController()
    with pytest.raises(ValueError, match="byte 0 is 0x3c: give whole channel messages"):
        controller.send(b"\x3c\x40")
    with pytest.raises(ValueError, match="needs 2 data bytes below 0x80"):
        controller.send(b"\x90\x3c")
    with pytest.raises(ValueError, match="a MIDI channel is 1 to 16, not 17"):
        controller.note_on(60, channel=17)
    with pytest.raises(ValueError, match="give MIDI bytes in hex"):
        controller.sent = "note on"
    controller.sent = "90 3c 40"
    assert controller.sent == "90 3c 40"
