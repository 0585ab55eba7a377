# A tilt alarm: an LIS3DH accelerometer feels which way is down; when the board is tipped
# more than about 30 degrees the red LED flashes and the console says so.
import math
import time

import adafruit_lis3dh
import board
import digitalio

i2c = board.I2C()  # SCL and SDA
sensor = adafruit_lis3dh.LIS3DH_I2C(i2c, address=0x18)
sensor.range = adafruit_lis3dh.RANGE_2_G

alarm_led = digitalio.DigitalInOut(board.D5)
alarm_led.direction = digitalio.Direction.OUTPUT

LIMIT = 30  # degrees away from level
alarm = False

while True:
    x, y, z = sensor.acceleration
    # The angle between "down" and the board's own z axis.
    tilt = math.degrees(math.atan2(math.sqrt(x * x + y * y), z))
    if tilt > LIMIT and not alarm:
        print(f"ALARM: tilted {tilt:.0f} degrees!")
    elif tilt <= LIMIT and alarm:
        print("Level again.")
    alarm = tilt > LIMIT
    # Flash while tilted: on, off, on... every pass of the loop.
    alarm_led.value = alarm and not alarm_led.value
    time.sleep(0.1)
