# A weather station with displayio: the same BME280 and OLED as the weather station, but the
# screen is built from objects (a Group of text Labels) and only the text changes each time.
import time

import adafruit_displayio_ssd1306
import board
import displayio
import i2cdisplaybus
import terminalio
from adafruit_bme280 import basic as adafruit_bme280
from adafruit_display_text import label

displayio.release_displays()  # free the display pins if an earlier run left a display

i2c = board.I2C()
sensor = adafruit_bme280.Adafruit_BME280_I2C(i2c)  # address 0x77
bus = i2cdisplaybus.I2CDisplayBus(i2c, device_address=0x3C)
display = adafruit_displayio_ssd1306.SSD1306(bus, width=128, height=32)

# Three lines of text; y is the middle of each line (terminalio.FONT is 6 x 12 pixels).
temperature_text = label.Label(terminalio.FONT, text="Temp:", color=0xFFFFFF, x=0, y=5)
humidity_text = label.Label(terminalio.FONT, text="Humidity:", color=0xFFFFFF, x=0, y=16)
pressure_text = label.Label(terminalio.FONT, text="Air:", color=0xFFFFFF, x=0, y=27)

screen = displayio.Group()
screen.append(temperature_text)
screen.append(humidity_text)
screen.append(pressure_text)
display.root_group = screen  # from now on the display shows this group, and follows it

while True:
    temperature = sensor.temperature
    humidity = sensor.relative_humidity
    pressure = sensor.pressure
    print(f"{temperature:.1f} C  {humidity:.0f} %  {pressure:.0f} hPa")
    temperature_text.text = f"Temp: {temperature:.1f} C"
    humidity_text.text = f"Humidity: {humidity:.0f} %"
    pressure_text.text = f"Air: {pressure:.0f} hPa"
    time.sleep(2)
