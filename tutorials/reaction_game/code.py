# A reaction game for two: wait for the light, then press your button first.
# Pressing before the light is a false start, and the other player wins.
import random
import time

import board
import digitalio
import keypad

keys = keypad.Keys((board.D5, board.D6), value_when_pressed=False, pull=True)
light = digitalio.DigitalInOut(board.D9)
light.direction = digitalio.Direction.OUTPUT

score = [0, 0]

while True:
    light.value = False
    keys.events.clear()  # forget presses from before the round
    print("Get ready...")
    wait_until = time.monotonic() + random.uniform(1.0, 2.5)
    winner = None
    while time.monotonic() < wait_until and winner is None:
        event = keys.events.get()
        if event and event.pressed:
            winner = 1 - event.key_number  # a false start: the other player wins
            print(f"Player {event.key_number + 1} pressed too early!")
    if winner is None:
        light.value = True
        start = time.monotonic()
        while winner is None:
            event = keys.events.get()
            if event and event.pressed:
                winner = event.key_number
                reaction = time.monotonic() - start
                print(f"Player {winner + 1} wins in {reaction * 1000:.0f} ms")
    score[winner] += 1
    print(f"Score: {score[0]} - {score[1]}")
    light.value = False
    time.sleep(1)
