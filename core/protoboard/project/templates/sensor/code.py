# {name}: print the temperature, humidity and pressure of a BME280 on the I2C bus.
# The library comes with the project: protoboard project get installs it into lib/.
import time

import board
from adafruit_bme280 import basic as adafruit_bme280

i2c = board.I2C()  # uses board.SCL and board.SDA
sensor = adafruit_bme280.Adafruit_BME280_I2C(i2c)

while True:
    print(f"Temperature: {sensor.temperature:.1f} C")
    print(f"Humidity: {sensor.relative_humidity:.1f} %")
    print(f"Pressure: {sensor.pressure:.1f} hPa")
    time.sleep(2)
