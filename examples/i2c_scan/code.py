# List the addresses of the I2C devices connected to the board's SCL/SDA pins.
import board

i2c = board.I2C()
while not i2c.try_lock():
    pass
try:
    found = i2c.scan()
    print("I2C devices found:", [hex(address) for address in found] or "none")
finally:
    i2c.unlock()
