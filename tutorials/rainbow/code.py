# A NeoPixel rainbow: ten pixels show the whole colour wheel, and it turns.
import time

import board
import neopixel
from rainbowio import colorwheel

PIXELS = 10
pixels = neopixel.NeoPixel(board.D6, PIXELS, brightness=0.3, auto_write=False)

offset = 0
while True:
    for i in range(PIXELS):
        # colorwheel(0..255) runs red -> green -> blue -> red; spread the wheel over the strip
        pixels[i] = colorwheel((i * 256 // PIXELS + offset) % 256)
    pixels.show()  # send all ten colours at once
    offset = (offset + 4) % 256
    time.sleep(0.02)
