"""Render the shared golden scenes with Adafruit's pure-Python adafruit-blinka-displayio.

Run in a separate interpreter whose path holds adafruit-blinka-displayio (and no Protoboard):
``python -I blinka_render.py OUTDIR LIBDIR`` (LIBDIR: a ``pip install --target`` folder). Writes
``<scene>.bin`` (or ``<scene>.err``, the exception when Blinka cannot build it) (the frame's packed
bytes; for
e-paper the black plane then the accent plane) for each scene of ``scenes.SHARED``.

Blinka's bus modules import Blinka's ``microcontroller``/``digitalio``/``busio``; frames are
rendered through its display core without a bus, so empty stand-ins for those three modules
are enough (they are never called).
"""

from __future__ import annotations

import sys
import types
from pathlib import Path

if len(sys.argv) > 2:
    sys.path.insert(0, sys.argv[2])

for name in ("microcontroller", "digitalio", "busio"):
    stand_in = types.ModuleType(name)
    stand_in.Pin = type("Pin", (), {})  # type: ignore[attr-defined]
    stand_in.DigitalInOut = type("DigitalInOut", (), {})  # type: ignore[attr-defined]
    stand_in.SPI = stand_in.I2C = type("Bus", (), {})  # type: ignore[attr-defined]
    sys.modules.setdefault(name, stand_in)

import busdisplay  # noqa: E402, F401  (first: its import of the display core breaks the cycle)
import displayio  # noqa: E402
import terminalio  # noqa: E402
import vectorio  # noqa: E402
from displayio._area import Area  # noqa: E402
from displayio._colorconverter import ColorConverter  # noqa: E402
from displayio._displaycore import _DisplayCore  # noqa: E402

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import scenes  # noqa: E402

MODULES = types.SimpleNamespace(displayio=displayio, vectorio=vectorio, terminalio=terminalio)


def core_for(scene: scenes.Scene, depth: int) -> _DisplayCore:
    tricolor = scene.kind == "tricolor"
    core = _DisplayCore(
        bus=None,
        width=scene.width,
        height=scene.height,
        ram_width=0x100,
        ram_height=0x100,
        colstart=0,
        rowstart=0,
        rotation=scene.rotation,
        color_depth=depth,
        grayscale=tricolor,
        pixels_in_byte_share_row=True,
        bytes_per_cell=1,
        reverse_pixels_in_byte=tricolor,
        reverse_bytes_in_word=True,
        column_command=0x2A,
        row_command=0x2B,
        set_current_column_command=0x100,
        set_current_row_command=0x100,
        data_as_commands=False,
        always_toggle_chip_select=False,
        sh1107_addressing=False,
        address_little_endian=False,
    )
    if tricolor:
        core.colorspace.tricolor = True
        core.colorspace.tricolor_hue = ColorConverter._compute_hue(0xFF0000)
    core.set_root_group(scene.group)
    return core


def fill(core: _DisplayCore) -> bytes:
    area = Area(core.area.x1, core.area.y1, core.area.x2, core.area.y2)
    pixels = area.width() * area.height()
    size = (pixels * core.colorspace.depth + 31) // 32
    buffer = memoryview(bytearray(size * 4)).cast("I")
    mask = memoryview(bytearray(((pixels + 31) // 32) * 4)).cast("I")
    core.fill_area(area, mask, buffer)
    return buffer.tobytes()[: (pixels * core.colorspace.depth + 7) // 8]


def main(out: Path) -> None:
    for name, build in scenes.SHARED.items():
        try:
            scene = build(MODULES)
        except Exception as exc:  # a scene Blinka cannot build: recorded, compared as such
            (out / f"{name}.err").write_text(f"{type(exc).__name__}: {exc}", encoding="utf-8")
            continue
        if scene.kind == "tricolor":
            core = core_for(scene, 1)
            core.colorspace.grayscale, core.colorspace.grayscale_bit = True, 7
            black = fill(core)
            core.colorspace.grayscale = False
            data = black + fill(core)
        else:
            data = fill(core_for(scene, 16))
        (out / f"{name}.bin").write_bytes(data)


if __name__ == "__main__":
    main(Path(sys.argv[1]))
