# A clock: the board's real-time clock keeps the time, the OLED shows it.
import time

import adafruit_ssd1306
import board
import rtc

# A board without a battery starts at midnight on 1 January 2000: set the time once by
# putting it here, e.g. (2026, 12, 24, 18, 30, 0), saving, then setting it back to None.
SET_TIME = None

clock = rtc.RTC()
if SET_TIME is not None:
    clock.datetime = time.struct_time((*SET_TIME, 0, -1, -1))

oled = adafruit_ssd1306.SSD1306_I2C(128, 32, board.I2C())
DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
last_shown = None

while True:
    now = clock.datetime
    if now != last_shown:  # draw only when the second changes
        last_shown = now
        hms = f"{now.tm_hour:02d}:{now.tm_min:02d}:{now.tm_sec:02d}"
        date = f"{DAYS[now.tm_wday]} {now.tm_year}-{now.tm_mon:02d}-{now.tm_mday:02d}"
        oled.fill(0)
        oled.text(hms, 0, 4, 1, size=2)  # twice the size: 10 x 16 pixels per letter
        oled.text(date, 0, 24, 1)
        oled.show()
        print(hms)
    time.sleep(0.1)
