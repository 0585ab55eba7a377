# A dimmer knob: turn the potentiometer and the LED follows, from off to full brightness.
import time

import analogio
import board
import pwmio

knob = analogio.AnalogIn(board.A1)
led = pwmio.PWMOut(board.D5, frequency=1000, duty_cycle=0)

while True:
    # Both run from 0 to 65535: the knob's reading is the LED's duty cycle.
    led.duty_cycle = knob.value
    time.sleep(0.05)
