"""TinyThermometer: a made-up I2C temperature sensor for the simulated board."""

from protoboard.ports.sim.parts import RegisterI2CPart


class TinyThermometer(RegisterI2CPart):
    """A thermometer chip at I2C address 0x48.

    Its registers:

    * 0x00 and 0x01: the temperature in hundredths of a degree Celsius, as a signed
      16-bit number, high byte first (read-only);
    * 0x0F: the chip id, always 0x54 (read-only).

    Set ``temperature`` (in °C) to change what the chip measures.
    """

    kind = "TinyThermometer"

    def __init__(self, *, address=0x48, temperature=21.5, name=None):
        super().__init__(address, size=16, name=name)
        self.temperature = temperature
        self.registers[0x0F] = 0x54

    def i2c_start(self, read):
        if read:
            # Like a real chip, take one measurement as a read begins, so that the two
            # temperature bytes always belong to the same measurement.
            hundredths = round(self.temperature * 100)
            self.registers[0x00:0x02] = hundredths.to_bytes(2, "big", signed=True)
        return super().i2c_start(read)

    def write_register(self, register, value):
        if register in (0x00, 0x01, 0x0F):
            return  # read-only registers ignore what is written to them
        super().write_register(register, value)
