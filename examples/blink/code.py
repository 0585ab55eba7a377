# Blink the board's LED once a second, and say so.
# Run it on the simulated board:  protoboard exec examples/blink/code.py --trace
import time

import board
import digitalio

led = digitalio.DigitalInOut(board.LED)
led.direction = digitalio.Direction.OUTPUT

while True:
    led.value = True
    print("LED on")
    time.sleep(0.5)
    led.value = False
    print("LED off")
    time.sleep(0.5)
