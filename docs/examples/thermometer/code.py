# Read a TinyThermometer on the board's I2C bus once a second.
import struct
import time

import board

ADDRESS = 0x48

i2c = board.I2C()


def read_registers(register, count):
    """Read ``count`` bytes starting at ``register``."""
    data = bytearray(count)
    while not i2c.try_lock():
        pass
    try:
        i2c.writeto_then_readfrom(ADDRESS, bytes([register]), data)
    finally:
        i2c.unlock()
    return data


if read_registers(0x0F, 1)[0] != 0x54:
    raise RuntimeError("the chip at 0x48 is not a TinyThermometer")

while True:
    (hundredths,) = struct.unpack(">h", read_registers(0x00, 2))
    print(f"Temperature: {hundredths / 100:.2f} C")
    time.sleep(1)
