# {name}: the LED follows a button wired from D5 to ground.
# On the simulated board, parts.toml wires the button: press it while this runs with
#   protoboard sim set B2.pressed true
import time

import board
import digitalio

led = digitalio.DigitalInOut(board.LED)
led.direction = digitalio.Direction.OUTPUT

button = digitalio.DigitalInOut(board.D5)
button.switch_to_input(pull=digitalio.Pull.UP)  # pressed pulls the pin to ground

was_pressed = None
while True:
    pressed = not button.value
    led.value = pressed
    if pressed != was_pressed:
        print("pressed" if pressed else "released")
        was_pressed = pressed
    time.sleep(0.01)
