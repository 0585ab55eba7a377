# SPDX-FileCopyrightText: 2026 The Protoboard team
# SPDX-License-Identifier: MIT
"""Blink the board's LED while the program keeps running (no time.sleep)."""

import board
from protoboard_blink import Blinker

led = Blinker(board.LED)
led.blink(0.5)

count = 0
while True:
    led.update()
    count += 1  # the loop keeps going: read buttons, sensors... here
