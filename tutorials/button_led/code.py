# A button and an LED: the LED is lit while the button is held down.
import time

import board
import digitalio

led = digitalio.DigitalInOut(board.D6)
led.direction = digitalio.Direction.OUTPUT

button = digitalio.DigitalInOut(board.D5)
button.direction = digitalio.Direction.INPUT
button.pull = digitalio.Pull.UP  # reads True when released, False when pressed

while True:
    led.value = not button.value
    time.sleep(0.01)
