# SPDX-FileCopyrightText: 2026 The Protoboard team
# SPDX-License-Identifier: MIT
"""Flash SOS in Morse code on the LED; hold the button to make it stay lit instead."""

import board
import digitalio
from protoboard_blink import Blinker, morse

led = Blinker(board.LED)
button = digitalio.DigitalInOut(board.BUTTON)
button.switch_to_input(pull=digitalio.Pull.UP)

sos = morse("SOS", unit=0.1)
led.play(sos)
held = False

while True:
    pressed = not button.value
    if pressed and not held:
        led.on()
    elif held and not pressed:
        led.play(sos)
    held = pressed
    led.update()
