"""Unmodified adafruit_usb_host_descriptors and adafruit_usb_host_mouse on the built-in ``usb``,
against the simulated keyboard, mouse and gamepad in the board's USB host port."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.network, pytest.mark.board("adafruit_feather_rp2040_usb_host")]


def test_descriptors_read_what_the_parts_declare(sim, drivers) -> None:
    keyboard = sim.add("USBKeyboard")
    sim.add("USBGamepad")
    import adafruit_usb_host_descriptors as descriptors
    import usb.core

    found = {d.idProduct: d for d in usb.core.find(find_all=True)}
    board_keyboard, pad = found[0x0006], found[0xE401]
    device = descriptors.get_device_descriptor(board_keyboard)
    assert device == keyboard.device_descriptor  # the 1-byte read, then all 18
    config = descriptors.get_configuration_descriptor(board_keyboard, 0)
    assert config == keyboard.configuration_descriptor
    assert descriptors.find_boot_keyboard_endpoint(board_keyboard) == (0, 0x81)
    assert descriptors.find_boot_mouse_endpoint(board_keyboard) == (None, None)
    # The pad is no boot device: the library reads its HID report descriptor to tell.
    assert descriptors.find_boot_keyboard_endpoint(pad) == (None, None)
    assert descriptors.find_joystick_endpoint(pad) == (0, 0x81)
    assert descriptors.find_gamepad_endpoint(pad) == (None, None)  # it says Joystick


def test_boot_mouse_moves_the_cursor_and_reports_buttons(sim, drivers) -> None:
    mouse = sim.add("USBMouse")
    import adafruit_usb_host_mouse

    board_mouse = adafruit_usb_host_mouse.find_and_init_boot_mouse(cursor_image=None)
    assert board_mouse is not None
    assert mouse.protocol == "boot"  # the host's HID driver chose it while enumerating
    assert board_mouse.update() is None  # nothing moved: the read timed out
    mouse.move(200, -30)
    mouse.buttons = "left"
    assert board_mouse.update() == ("left",)
    assert (board_mouse.x, board_mouse.y) == (127, -30)  # at most 127 counts a report
    assert board_mouse.update() == ("left",)
    assert (board_mouse.x, board_mouse.y) == (200, -30)
    mouse.click("right")
    assert board_mouse.update() == ("left", "right")
    assert board_mouse.update() == ("left",)


def test_mouse_library_finds_nothing_without_a_mouse(sim, drivers, capsys) -> None:
    sim.add("USBKeyboard")
    import adafruit_usb_host_mouse

    assert adafruit_usb_host_mouse.find_and_init_boot_mouse(cursor_image=None) is None
    assert "was not a boot mouse" in capsys.readouterr().out


def test_unplugged_mouse_reads_return_none(sim, drivers) -> None:
    mouse = sim.add("USBMouse")
    import adafruit_usb_host_mouse

    board_mouse = adafruit_usb_host_mouse.find_and_init_boot_mouse(cursor_image=None)
    mouse.move(5, 5)
    mouse.plugged = False
    assert board_mouse.update() is None  # the library catches usb.core.USBError
    import usb.core

    assert usb.core.find() is None


def test_midi_controller_notes_through_adafruit_midi(sim, drivers) -> None:
    controller = sim.add("USBMIDIController")
    import adafruit_midi
    import adafruit_usb_host_midi
    import usb.core
    from adafruit_midi.control_change import ControlChange
    from adafruit_midi.note_on import NoteOn

    device = usb.core.find()
    assert device.product == "Simulated MIDI Controller"
    port = adafruit_usb_host_midi.MIDI(device)
    assert (port.interface_number, port.in_ep, port.out_ep) == (1, 0x81, 0x02)
    midi = adafruit_midi.MIDI(midi_in=port, in_channel=0)
    assert midi.receive() is None  # nothing played: the read timed out
    controller.note_on(60, 90)
    controller.control_change(7, 100)
    received = [midi.receive(), midi.receive()]
    assert isinstance(received[0], NoteOn)
    assert (received[0].note, received[0].velocity) == (60, 90)
    assert isinstance(received[1], ControlChange)
    assert (received[1].control, received[1].value) == (7, 100)
    # The library only reads; a program can write USB-MIDI packets to the OUT endpoint.
    device.write(port.out_ep, bytes([0x09, 0x90, 0x40, 0x7F]))
    assert controller.received == b"\x90\x40\x7f"
