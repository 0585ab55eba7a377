# A weather station: a BME280 measures temperature, humidity and air pressure, and a small
# OLED screen shows them. Both share the I2C pins (SCL and SDA).
import time

import adafruit_ssd1306
import board
from adafruit_bme280 import basic as adafruit_bme280

i2c = board.I2C()
sensor = adafruit_bme280.Adafruit_BME280_I2C(i2c)  # address 0x77
oled = adafruit_ssd1306.SSD1306_I2C(128, 32, i2c)  # address 0x3C

while True:
    temperature = sensor.temperature
    humidity = sensor.relative_humidity
    pressure = sensor.pressure
    print(f"{temperature:.1f} C  {humidity:.0f} %  {pressure:.0f} hPa")

    oled.fill(0)
    oled.text(f"Temp: {temperature:.1f} C", 0, 0, 1)  # text needs font5x8.bin on the drive
    oled.text(f"Humidity: {humidity:.0f} %", 0, 12, 1)
    oled.text(f"Air: {pressure:.0f} hPa", 0, 24, 1)
    oled.show()
    time.sleep(2)
