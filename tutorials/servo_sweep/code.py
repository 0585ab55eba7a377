# A servo sweep: the horn turns from 0 to 180 degrees and back, in steps of 5.
import time

import board
import pwmio
from adafruit_motor import servo

pwm = pwmio.PWMOut(board.D5, duty_cycle=2**15, frequency=50)
horn = servo.Servo(pwm)

while True:
    for angle in range(0, 181, 5):
        horn.angle = angle
        time.sleep(0.02)
    for angle in range(180, -1, -5):
        horn.angle = angle
        time.sleep(0.02)
