# code.py: colour bars and a moving block on the board's own screen (CLUE, FunHouse, PyGamer...)
import time

import board
import displayio

display = board.DISPLAY
bitmap = displayio.Bitmap(display.width, display.height, 8)
palette = displayio.Palette(8)
colours = (0x000000, 0xFFFFFF, 0xFFFF00, 0x00FFFF, 0x00FF00, 0xFF00FF, 0xFF0000, 0x0000FF)
for index, colour in enumerate(colours):
    palette[index] = colour
bar = display.width // 7
for x in range(display.width):
    for y in range(display.height * 2 // 3):
        bitmap[x, y] = 1 + min(x // bar, 6)  # index 0 (black) below the bars
screen = displayio.Group()
screen.append(displayio.TileGrid(bitmap, pixel_shader=palette))

block = displayio.Bitmap(40, 40, 1)
block_palette = displayio.Palette(1)
block_palette[0] = 0xFFFFFF
mover = displayio.TileGrid(block, pixel_shader=block_palette, y=display.height - 60)
screen.append(mover)
display.root_group = screen

while True:
    for x in range(0, display.width - 40, 4):
        mover.x = x
        time.sleep(0.02)
