# An internet clock on a PyPortal: the board joins your Wi-Fi through its ESP32 co-processor
# (the "AirLift"), asks a time service on the internet for the time, sets its own clock from
# the answer and shows the time and date on its screen. It asks again every hour.
import os
import time

import adafruit_connection_manager
import adafruit_requests
import board
import busio
import displayio
import rtc
import terminalio
from adafruit_display_text import label
from adafruit_esp32spi import adafruit_esp32spi
from digitalio import DigitalInOut

# The service answers with the time where you are (worldtimeapi.org finds your time zone from
# your internet address). Put TIME_URL in settings.toml to ask another one.
TIME_URL = os.getenv("TIME_URL") or "http://worldtimeapi.org/api/ip"
ASK_EVERY = 3600  # seconds between asking the service again
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

# The ESP32 sits on the SPI bus with three pins of its own: chip select, busy and reset.
spi = busio.SPI(board.SCK, board.MOSI, board.MISO)
esp = adafruit_esp32spi.ESP_SPIcontrol(
    spi, DigitalInOut(board.ESP_CS), DigitalInOut(board.ESP_BUSY), DigitalInOut(board.ESP_RESET)
)

# The screen: the time in big letters, the date below, a status line at the bottom.
time_text = label.Label(terminalio.FONT, text="--:--", color=0xFFFFFF, scale=7)
time_text.anchor_point = (0.5, 0.5)
time_text.anchored_position = (160, 95)
date_text = label.Label(terminalio.FONT, text="", color=0x60C0FF, scale=2)
date_text.anchor_point = (0.5, 0.5)
date_text.anchored_position = (160, 175)
status_text = label.Label(terminalio.FONT, text="Connecting...", color=0x808080)
status_text.anchor_point = (0.5, 1.0)
status_text.anchored_position = (160, 235)
screen = displayio.Group()
screen.append(time_text)
screen.append(date_text)
screen.append(status_text)
board.DISPLAY.root_group = screen

# Join the network named in settings.toml; try again until it works.
ssid = os.getenv("CIRCUITPY_WIFI_SSID")
print("Connecting to", ssid)
while not esp.is_connected:
    try:
        esp.connect(ssid, os.getenv("CIRCUITPY_WIFI_PASSWORD"))
    except OSError as error:  # a wrong password or no such network (ConnectionError)
        print("Could not connect:", error)
print("Connected, my address is", esp.ipv4_address)

pool = adafruit_connection_manager.get_radio_socketpool(esp)
ssl_context = adafruit_connection_manager.get_radio_ssl_context(esp)
requests = adafruit_requests.Session(pool, ssl_context)
clock = rtc.RTC()


def set_clock_from_the_internet():
    """Ask the time service and set the board's clock to its answer."""
    with requests.get(TIME_URL) as response:
        answer = response.json()
    # "datetime" is the local time as text: "2026-12-24T18:30:05.123456+01:00"
    date, clock_time = answer["datetime"].split("T")
    year, month, day = (int(part) for part in date.split("-"))
    hour, minute, second = int(clock_time[0:2]), int(clock_time[3:5]), int(clock_time[6:8])
    weekday = (answer["day_of_week"] + 6) % 7  # the service starts at Sunday, Python at Monday
    clock.datetime = time.struct_time((year, month, day, hour, minute, second, weekday, -1, -1))
    print("The time is", answer["datetime"][:19], answer["timezone"])


last_asked = None
shown = None
while True:
    if last_asked is None or time.monotonic() - last_asked > ASK_EVERY:
        try:
            set_clock_from_the_internet()
            last_asked = time.monotonic()
            status_text.text = "Set from " + TIME_URL.split("/")[2]
        except (OSError, RuntimeError, ValueError, KeyError) as error:
            print("Could not get the time:", error)
            status_text.text = "No answer from the time service, trying again"
            time.sleep(10)
            continue
    now = time.localtime()
    hh_mm = f"{now.tm_hour:02d}:{now.tm_min:02d}"
    if hh_mm != shown:  # redraw only when the minute changes
        time_text.text = hh_mm
        date_text.text = f"{DAYS[now.tm_wday]} {now.tm_mday:02d}.{now.tm_mon:02d}.{now.tm_year}"
        shown = hh_mm
        print("Showing", hh_mm, date_text.text)
    time.sleep(1)
