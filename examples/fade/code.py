# Fade the LED up and down with PWM (pulse-width modulation).
import time

import board
import pwmio

led = pwmio.PWMOut(board.LED, frequency=1000)

while True:
    for percent in list(range(0, 101, 10)) + list(range(90, 0, -10)):
        led.duty_cycle = int(percent / 100 * 65535)
        print(f"brightness {percent}%")
        time.sleep(0.1)
