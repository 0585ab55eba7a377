"""busio behaves as CircuitPython's on every port."""

import errno

import pytest

from protoboard.ports.sim.parts import I2CPart, RegisterI2CPart, SPIPart
from protoboard.ports.sim.parts.serial import SerialLoopback


class Echo(SPIPart):
    kind = "Echo"

    def spi_transfer(self, data):
        return bytes(b ^ 0xFF for b in data)


def test_i2c_scan_probe_and_missing_device(port_machine, bench):
    import board

    chip = RegisterI2CPart(0x48, name="chip")
    chip.registers[0x10:0x12] = b"\xbe\xef"
    bench.attach(chip)
    i2c = board.I2C()
    while not i2c.try_lock():
        pass
    assert i2c.scan() == [0x48]
    assert i2c.probe(0x48) and not i2c.probe(0x49)
    buf = bytearray(2)
    i2c.writeto_then_readfrom(0x48, bytes([0x10]), buf)
    assert buf == b"\xbe\xef"
    with pytest.raises(OSError) as info:
        i2c.writeto(0x49, b"\x00")
    assert info.value.errno == errno.ENODEV
    i2c.unlock()


def test_i2c_nacked_data_byte_is_eio(port_machine, bench):
    import board
    import busio

    class Picky(I2CPart):
        kind = "Picky"

        def i2c_write(self, byte):
            return byte != 0xFF

    bench.attach(Picky(0x30))
    with busio.I2C(board.SCL, board.SDA) as i2c:
        i2c.try_lock()
        i2c.writeto(0x30, b"\x01\x02")
        with pytest.raises(OSError) as info:
            i2c.writeto(0x30, b"\x01\xff")
        assert info.value.errno == errno.EIO


def test_a_failing_user_part_is_named_not_fatal(port_machine, bench):
    import board

    class Broken(I2CPart):
        kind = "Broken"

        def i2c_read(self):
            raise ZeroDivisionError("oops")

    bench.attach(Broken(0x22, name="my sensor"))
    i2c = board.I2C()
    i2c.try_lock()
    with pytest.raises(RuntimeError, match="'my sensor' failed in i2c_read_block"):
        i2c.readfrom_into(0x22, bytearray(1))
    i2c.writeto(0x22, b"\x00")  # the bus still works


def test_parts_on_other_pins_are_not_seen(port_machine, bench):
    import board
    import busio

    bench.attach(RegisterI2CPart(0x50, name="elsewhere"), scl="D2", sda="D3")
    with busio.I2C(board.SCL, board.SDA) as main_bus:
        main_bus.try_lock()
        assert main_bus.scan() == []
    with busio.I2C(board.D2, board.D3) as other:
        other.try_lock()
        assert other.scan() == [0x50]


def test_spi_routes_by_chip_select(port_machine, bench):
    import board
    import digitalio

    bench.attach(Echo(name="a"), cs="D5")
    cs = digitalio.DigitalInOut(board.D5)
    cs.switch_to_output(value=True)
    spi = board.SPI()
    spi.try_lock()
    spi.configure(baudrate=1_000_000)
    assert spi.frequency <= 1_000_000
    got = bytearray(2)
    spi.write_readinto(b"\x0f\xf0", got)
    assert got == b"\xff\xff"  # not selected: MISO floats high
    cs.value = False
    spi.write_readinto(b"\x0f\xf0", got)
    assert got == b"\xf0\x0f"
    spi.readinto(got, write_value=0x55)
    assert got == b"\xaa\xaa"


def test_uart_round_trip(port_machine, bench):
    import board

    loop = bench.attach(SerialLoopback())
    uart = board.UART()
    uart.timeout = 0.5
    assert uart.write(b"hello\nrest") == 10
    assert loop.received == b"hello\nrest"
    assert uart.in_waiting == 10
    assert uart.readline() == b"hello\n"
    assert uart.read(4) == b"rest"
    assert uart.read(1) is None
    loop.send(b"abc")
    buf = bytearray(8)
    assert uart.readinto(buf) == 3 and buf[:3] == b"abc"
    uart.reset_input_buffer()
    assert uart.in_waiting == 0
