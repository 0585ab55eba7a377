"""onewireio and the DS18B20 part: slots, ROM commands, several devices on a bus."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.ds18b20 import DS18B20
from protoboard.ports.sim.parts.onewire import crc8


def write_byte(ow, value: int) -> None:
    for i in range(8):
        ow.write_bit(bool(value >> i & 1))


def read_bytes(ow, count: int) -> bytes:
    out = bytearray()
    for _ in range(count):
        out.append(sum(int(ow.read_bit()) << i for i in range(8)))
    return bytes(out)


def test_reset_reports_presence_as_circuitpython(sim):
    import board
    import onewireio

    ow = onewireio.OneWire(board.D4)
    assert ow.reset() is True  # nobody there
    sim.attach(DS18B20(), pin="D4")
    assert ow.reset() is False  # False when at least one device is present
    assert ow.read_bit() is True  # a listening device leaves the line high


def test_read_rom_and_scratchpad_crc(sim):
    import board
    import onewireio

    part = sim.attach(DS18B20(serial=0xABCDEF, temperature=25.0625), pin="D4")
    ow = onewireio.OneWire(board.D4)
    ow.reset()
    write_byte(ow, 0x33)
    rom = read_bytes(ow, 8)
    assert rom == part.rom and rom[0] == 0x28 and crc8(rom) == 0
    ow.reset()
    write_byte(ow, 0xCC)
    write_byte(ow, 0xBE)
    pad = read_bytes(ow, 9)
    assert crc8(pad) == 0
    assert int.from_bytes(pad[:2], "little") == 85 * 16  # power-on value before a conversion
    ow.reset()
    write_byte(ow, 0xCC)
    write_byte(ow, 0x44)
    assert ow.read_bit() is False  # converting
    assert part.conversions == 1


def test_two_sensors_answer_match_rom_only_when_addressed(sim):
    import board
    import onewireio

    a = sim.attach(DS18B20(serial=1, name="A"), pin="D4")
    b = sim.attach(DS18B20(serial=2, name="B"), pin="D4")
    ow = onewireio.OneWire(board.D4)
    ow.reset()
    write_byte(ow, 0x55)
    for byte in b.rom:
        write_byte(ow, byte)
    write_byte(ow, 0x4E)  # write scratchpad: TH, TL, config (9-bit)
    for byte in (1, 2, 0x1F):
        write_byte(ow, byte)
    assert (b.th, b.tl, b.resolution) == (1, 2, 9)
    assert (a.th, a.resolution) == (0x4B, 12)


@pytest.mark.hostile
def test_bad_serial_and_temperature_are_refused():
    with pytest.raises(ValueError, match="48 bits"):
        DS18B20(serial=1 << 48)
    with pytest.raises(ValueError, match="-55 to 125"):
        DS18B20(temperature=200)


@pytest.mark.hostile
def test_onewire_errors(sim):
    import board
    import onewireio

    ow = onewireio.OneWire(board.D4)
    with pytest.raises(ValueError, match="D4 in use"):
        onewireio.OneWire(board.D4)
    with ow:
        pass
    with pytest.raises(ValueError, match="deinitialized"):
        ow.reset()


def test_scratchpad_keeps_the_previous_result_during_a_conversion(sim):
    import board
    import onewireio

    part = sim.attach(DS18B20(temperature=30.0), pin="D4")
    ow = onewireio.OneWire(board.D4)
    ow.reset()
    write_byte(ow, 0xCC)
    write_byte(ow, 0x44)  # convert: takes 750 ms at 12 bits
    ow.reset()
    write_byte(ow, 0xCC)
    write_byte(ow, 0xBE)
    pad = read_bytes(ow, 9)
    assert int.from_bytes(pad[:2], "little") == 85 * 16  # still the power-on value
    assert part.conversions == 1
