"""Unmodified picodvi programs from Adafruit's Learn guides on the simulated RP2350 boards.

The programs come from the ``learn_guide`` fixture (tests/conftest.py): Adafruit's, read at a
pinned commit from a clone named by ``PROTOBOARD_LEARN_GUIDES`` or downloaded, never copied into
this repository; without either the tests skip.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

pytestmark = pytest.mark.network


# Run in a child with the drive installed as "/" (permanent in a process), as a board's VM
# runs code.py: the program opens "/display-ruler-rgb-720p.bmp". It prints what the monitor shows.
_CHILD = """
import json, os, sys
from protoboard.runtime import paths
from protoboard.testing import simulated_board
from protoboard.vm import run_file

drive = sys.argv[1]
with simulated_board("adafruit_metro_rp2350") as sim:
    os.chdir(drive)
    paths.install(drive, None)
    result = run_file(os.path.join(drive, "code.py"), timeout=4)
    if result.outcome.value != "timeout":
        sys.exit(result.traceback)
    monitor = sim.display("DVI")
    print(json.dumps({
        "outcome": result.outcome.value, "traceback": result.traceback,
        "depth": monitor.color_depth, "frames": monitor.frames, "frame": monitor.frame,
    }))
"""


def test_hstx_display_shows_the_ruler_bitmap(learn_guide):
    """Metro_RP2350_Examples/CircuitPython_HSTX_Display: a 320x240 16-bit framebuffer showing
    an OnDiskBitmap; the monitor shows the BMP's pixels as RGB565 keeps them."""
    folder = "Metro_RP2350_Examples/CircuitPython_HSTX_Display"
    # the fixture writes code.py: fetch the bitmap first and give it its name
    bitmap = learn_guide(f"{folder}/display-ruler-rgb-720p.bmp")
    bitmap = bitmap.rename(bitmap.with_name("display-ruler-rgb-720p.bmp"))
    program = learn_guide(f"{folder}/code.py")
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, str(program.parent)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    shown = json.loads(done.stdout.strip().splitlines()[-1])
    assert shown["outcome"] == "timeout", shown["traceback"]
    frame = shown["frame"]
    assert (len(frame[0]), len(frame), shown["depth"]) == (320, 240, 16)
    assert shown["frames"] >= 1

    from PIL import Image

    with Image.open(bitmap) as image:
        source = image.convert("RGB")
    # RGB565 keeps each channel's top bits: the shown pixel is the BMP's within one step
    checked = 0
    for y in range(0, min(240, source.height), 7):
        for x in range(0, min(320, source.width), 5):
            want = source.getpixel((x, y))
            assert all(abs(a - b) <= 8 for a, b in zip(frame[y][x], want, strict=True)), (x, y)
            checked += 1
    assert checked > 1000
    assert len({tuple(p) for row in frame for p in row}) > 4  # the ruler's colours, not a fill


def test_fruit_jam_dvi_framebuffer_writes_white_text(learn_guide, adafruit_libs):
    """Fruit_Jam/CircuitPython_DVI_Video/DVI_Framebuffer: 640x480 at 4 bits, three labels of
    white terminalio text through the real adafruit_display_text."""
    from protoboard.testing import simulated_board
    from protoboard.vm import run_file

    program = learn_guide("Fruit_Jam/CircuitPython_DVI_Video/DVI_Framebuffer.py")
    with simulated_board("adafruit_fruit_jam") as sim:
        result = run_file(program, timeout=4, lib_paths=[adafruit_libs])
        monitor = sim.display("DVI")
        colors = monitor.colors()
        frame = monitor.frame
        depth = monitor.color_depth
    assert result.outcome.value == "timeout", result.traceback
    assert depth == 4
    assert set(colors) == {(0, 0, 0), (255, 255, 255)}
    lit_rows = {y for y, row in enumerate(frame) if (255, 255, 255) in row}
    # labels at y=5, 15 and 40, each about 12 pixels tall around its y
    assert lit_rows and min(lit_rows) < 10 and 30 < max(lit_rows) < 50
    # the 120-character ruler runs 720 pixels: past the 640-pixel screen, so the last column lit
    assert any(frame[y][639] == (255, 255, 255) for y in lit_rows)
