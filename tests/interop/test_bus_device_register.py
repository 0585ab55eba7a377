"""adafruit_bus_device and adafruit_register (unmodified) on the simulated I2C bus."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.base import RegisterI2CPart

pytestmark = pytest.mark.network


class Gadget(RegisterI2CPart):
    """A made-up register chip: id 0xA5 at 0x00, a 16-bit big-endian counter at 0x02 and a
    control byte at 0x10."""

    kind = "Gadget"

    def __init__(self, *, name: str | None = None, address: int = 0x40) -> None:
        super().__init__(address, size=32, name=name)
        self.registers[0x00] = 0xA5
        self.counter = 0x1234

    def read_register(self, register: int) -> int:
        if register == 0x02:
            return self.counter >> 8
        if register == 0x03:
            return self.counter & 0xFF
        return super().read_register(register)

    def write_register(self, register: int, value: int) -> None:
        if register == 0x00:
            return  # the id is read-only
        super().write_register(register, value)


def test_probe_missing_device(sim, drivers) -> None:
    import board
    from adafruit_bus_device.i2c_device import I2CDevice

    with pytest.raises(ValueError, match=r"^No I2C device at address: 0x42$"):
        I2CDevice(board.I2C(), 0x42)
    i2c = board.I2C()
    assert i2c.try_lock()  # the failed probe released the bus lock
    i2c.unlock()


def test_i2c_device_transfers(sim, drivers) -> None:
    part = sim.attach(Gadget())
    import board
    from adafruit_bus_device.i2c_device import I2CDevice

    device = I2CDevice(board.I2C(), 0x40)
    buffer = bytearray(4)
    with device:
        device.write_then_readinto(bytes([0x00]), buffer, in_end=1)
        assert buffer[0] == 0xA5
        device.write(bytes([0x10, 0x01, 0x02, 0x03]))
        device.write(bytes([0x02]))
        device.readinto(buffer, start=1, end=3)
    assert bytes(buffer[1:3]) == b"\x12\x34"
    assert part.registers[0x10:0x13] == b"\x01\x02\x03"


def test_register_descriptors(sim, drivers) -> None:
    part = sim.attach(Gadget())
    import board
    from adafruit_bus_device.i2c_device import I2CDevice
    from adafruit_register.i2c_bit import ROBit, RWBit
    from adafruit_register.i2c_bits import RWBits
    from adafruit_register.i2c_struct import ROUnaryStruct, Struct, UnaryStruct

    class GadgetDriver:
        chip_id = ROUnaryStruct(0x00, "<B")
        counter = ROUnaryStruct(0x02, ">H")
        control = UnaryStruct(0x10, "<B")
        limits = Struct(0x11, "<hh")
        enable = RWBit(0x10, 7)
        ready = ROBit(0x18, 0)
        gain = RWBits(3, 0x10, 2)

        def __init__(self, i2c) -> None:
            self.i2c_device = I2CDevice(i2c, 0x40)

    gadget = GadgetDriver(board.I2C())
    assert gadget.chip_id == 0xA5
    assert gadget.counter == 0x1234
    part.counter = 0xBEEF
    assert gadget.counter == 0xBEEF
    gadget.control = 0x01
    assert part.registers[0x10] == 0x01
    gadget.enable = True
    assert part.registers[0x10] == 0x81
    gadget.gain = 0b101
    assert part.registers[0x10] == 0x81 | (0b101 << 2)
    assert gadget.gain == 0b101 and gadget.enable
    gadget.enable = False
    assert part.registers[0x10] == 0x01 | (0b101 << 2)
    gadget.limits = (-2, 300)
    assert part.registers[0x11:0x15] == (-2).to_bytes(2, "little", signed=True) + bytes([44, 1])
    assert gadget.limits == (-2, 300)
    assert gadget.ready is False
    part.registers[0x18] = 0x01
    assert gadget.ready is True
    with pytest.raises(AttributeError):
        gadget.chip_id = 0
