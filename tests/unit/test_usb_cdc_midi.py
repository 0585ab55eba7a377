"""usb_cdc and usb_midi on the simulated board: the USB host part's side of the data channel
and the MIDI port, boot.py rules and CircuitPython's errors."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from protoboard.runtime import state

CANNOT = "Cannot change USB devices now"


@pytest.fixture
def context() -> Iterator[state.RunContext]:
    saved = state.current
    fresh = state.install(state.RunContext())
    try:
        yield fresh
    finally:
        state.install(saved)


def test_data_is_none_until_boot_enables_it(sim, context) -> None:
    import usb_cdc

    assert usb_cdc.data is None
    assert usb_cdc.console is not None
    context.in_boot = True
    usb_cdc.enable(console=True, data=True)
    context.in_boot = False
    assert usb_cdc.data is usb_cdc.data  # one object per channel
    with pytest.raises(TypeError, match="cannot create 'usb_cdc.Serial' instances"):
        usb_cdc.Serial()


def test_data_channel_timeouts_and_lines(sim, context) -> None:
    import usb_cdc

    context.usb_cdc_data = True
    data = usb_cdc.data
    host = sim.part("USB")
    assert data.timeout is None and data.write_timeout is None
    data.timeout = 0
    assert data.read(5) == b"" and data.readline() == b""
    host.serial_send(b"one\ntwo\nthr")
    assert data.in_waiting == 11
    assert data.readline() == b"one\n"
    assert data.readlines() == [b"two\n", b"thr"]  # the last without newline, at timeout 0
    host.serial_send(b"xyz")
    data.reset_input_buffer()
    assert data.in_waiting == 0
    data.timeout = 5
    threading.Timer(0.05, lambda: host.serial_send(b"late\n")).start()
    assert data.readline() == b"late\n"  # waited for it
    data.timeout = 0.05
    assert data.read(10) == b""  # nothing came within the timeout
    assert data.write(b"pong") == 4
    assert data.write(memoryview(b"abcdef"), 2) == 2  # MicroPython's write(buf, max_len)
    assert host.serial_received == b"pongab"
    buf = bytearray(4)
    host.serial_send(b"12")
    assert data.readinto(buf) == 2 and buf[:2] == b"12"
    assert data.connected
    host.serial_open = False
    assert not data.connected
    data.timeout = -1  # a negative timeout is stored as "wait for ever"
    assert data.timeout is None


@pytest.mark.hostile
def test_data_channel_bad_input(sim, context) -> None:
    import usb_cdc

    from protoboard.ports.sim.parts import usbhost

    context.usb_cdc_data = True
    data = usb_cdc.data
    with pytest.raises(TypeError, match="can't convert str to float"):
        data.timeout = "1"
    with pytest.raises(ValueError, match="at most .* unread bytes"):
        sim.part("USB").serial_send(bytes(usbhost.SERIAL_LIMIT + 1))
    assert data.in_waiting == 0  # the refused bytes were not half taken


@pytest.mark.hostile
def test_boot_only_functions(sim, context) -> None:
    import usb_cdc
    import usb_midi

    for call in (
        usb_cdc.disable,
        lambda: usb_cdc.enable(console=True, data=True),
        usb_midi.disable,
        usb_midi.enable,
    ):
        with pytest.raises(RuntimeError, match=f"^{CANNOT}$"):
            call()
    assert usb_cdc.data is None and len(usb_midi.ports) == 2
    context.in_boot = True
    usb_midi.disable()
    usb_cdc.disable()
    assert usb_midi.ports == () and usb_cdc.console is None
    with pytest.raises(ValueError, match="^in_jack_name length must be 1-126$"):
        usb_midi.set_names(in_jack_name="")
    usb_midi.set_names(out_jack_name="Synth out")


def test_midi_ports(sim, context) -> None:
    import usb_midi

    port_in, port_out = usb_midi.ports
    assert isinstance(port_in, usb_midi.PortIn) and isinstance(port_out, usb_midi.PortOut)
    with pytest.raises(TypeError, match="cannot create 'usb_midi.PortIn' instances"):
        usb_midi.PortIn()
    assert port_in.read(3) == b""  # nothing from the host yet
    assert port_out.write(b"\x92\x40\x7f\x40\x00") == 5  # running status: a second NoteOn
    assert list(sim.part("USB").midi) == [
        "NoteOn channel=3 note=64 velocity=127",
        "NoteOn channel=3 note=64 velocity=0",
    ]
    port_out.write(b"\xf0\x7e\x7f\x06\x01\xf7\xf8\xe0\x00\x40")
    assert list(sim.part("USB").midi)[2:] == [
        "SystemExclusive 7e 7f 06 01",
        "TimingClock",
        "PitchBend channel=1 pitch_bend=8192",
    ]
    sim.part("USB").send_midi(b"\xb0\x07\x64")
    buf = bytearray(8)
    assert port_in.readinto(buf) == 3 and buf[:3] == b"\xb0\x07\x64"
