# {name}: blink the board's LED.
# Save this file and the board runs it again at once. Ctrl-C stops it.
import time

import board
import digitalio

led = digitalio.DigitalInOut(board.LED)
led.direction = digitalio.Direction.OUTPUT

while True:
    led.value = not led.value
    print("LED on" if led.value else "LED off")
    time.sleep(0.5)
