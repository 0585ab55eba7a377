"""Full-screen refresh of a 320x240 16-bit display with every pixel changed, frames/s:
Protoboard's displayio vs Adafruit's pure-Python adafruit-blinka-displayio on the same scene,
next to the physical limit of a real board's bus (320 x 240 x 16 bit over 24 MHz SPI: at most
24e6 / (320 * 240 * 16) = 19.5 frames/s).

The scene: a 320x240 Bitmap of 256 values shown through a 256-colour Palette; each frame
changes all 256 colours, so every pixel of the frame changes. A frame is what a display's
refresh does: collect the dirty areas, fill each into a packed RGB565 buffer (one area, one
buffer: the whole screen), finish the refresh. Blinka runs in its own interpreter from a
``pip install --no-deps --target benchmarks/.cache/blinka-displayio`` folder (made on first
run). Not a test: nothing fails on a slow result.

    python benchmarks/displayio_render.py [--frames 30] [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
import types
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BLINKA_LIB = HERE / ".cache" / "blinka-displayio"
BLINKA = [
    "adafruit-blinka-displayio==2.7.1",
    "adafruit-circuitpython-typing==1.13.0",
    "adafruit-circuitpython-bitmap-font==2.5.1",
    "typing-extensions==4.16.0",
]
WIDTH, HEIGHT = 320, 240
SPI_LIMIT = 24e6 / (WIDTH * HEIGHT * 16)


def build(displayio: Any) -> tuple[Any, Any]:
    bitmap = displayio.Bitmap(WIDTH, HEIGHT, 256)
    for y in range(HEIGHT):
        for x in range(WIDTH):
            bitmap[x, y] = (x + 3 * y) & 0xFF
    palette = displayio.Palette(256)
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    return group, palette


def recolour(palette: Any, frame: int) -> None:
    for index in range(256):
        value = (index + frame * 7) & 0xFF
        palette[index] = (value << 16) | ((255 - value) << 8) | ((value * 3) & 0xFF)


def run_frames(refresh: Any, palette: Any, frames: int) -> float:
    """Frames per second over ``frames`` refreshes (after one warm-up frame)."""
    recolour(palette, 0)
    refresh()
    start = time.perf_counter()
    for frame in range(1, frames + 1):
        recolour(palette, frame)
        refresh()
    return frames / (time.perf_counter() - start)


def ours(frames: int) -> float:
    from protoboard.bindings import displayio
    from protoboard.displaycore import Colorspace, clip_area, fill, rotation_transform

    group, palette = build(displayio)
    cs = Colorspace(depth=16)
    transform, whole = rotation_transform(WIDTH, HEIGHT, 0)
    group._update_transform(transform)
    sink = []

    def refresh() -> None:
        areas: list[Any] = []
        group._get_refresh_areas(areas)
        for area in areas:
            clipped = clip_area(cs, whole, area)
            if clipped is not None:
                sink.append(len(fill(group, cs, clipped)))
        group._finish_refresh()
        sink.clear()

    return run_frames(refresh, palette, frames)


def blinka(frames: int, lib: str) -> float:
    sys.path.insert(0, lib)
    for name in ("microcontroller", "digitalio", "busio"):  # Blinka's bus modules' imports
        stand_in = types.ModuleType(name)
        stand_in.Pin = stand_in.DigitalInOut = stand_in.SPI = stand_in.I2C = type("X", (), {})
        sys.modules.setdefault(name, stand_in)
    import busdisplay  # noqa: F401  (first: breaks the display core's import cycle)
    import displayio
    from displayio._area import Area
    from displayio._displaycore import _DisplayCore

    group, palette = build(displayio)
    core = _DisplayCore(
        bus=None, width=WIDTH, height=HEIGHT, ram_width=0x100, ram_height=0x100, colstart=0,
        rowstart=0, rotation=0, color_depth=16, grayscale=False, pixels_in_byte_share_row=True,
        bytes_per_cell=1, reverse_pixels_in_byte=False, reverse_bytes_in_word=True,
        column_command=0x2A, row_command=0x2B, set_current_column_command=0x100,
        set_current_row_command=0x100, data_as_commands=False, always_toggle_chip_select=False,
        sh1107_addressing=False, address_little_endian=False,
    )  # fmt: skip
    core.set_root_group(group)

    def refresh() -> None:
        areas: list[Any] = []
        group._get_refresh_areas(areas)
        for area in areas:
            clipped = Area()
            if core.clip_area(area, clipped):
                pixels = clipped.width() * clipped.height()
                buffer = memoryview(bytearray(pixels * 2)).cast("I")
                mask = memoryview(bytearray(((pixels + 31) // 32) * 4)).cast("I")
                core.fill_area(clipped, mask, buffer)
        core.finish_refresh()

    return run_frames(refresh, palette, frames)


def ensure_blinka() -> Path:
    if not BLINKA_LIB.is_dir():
        staging = BLINKA_LIB.with_name(BLINKA_LIB.name + ".installing")
        pip = [sys.executable, "-m", "pip", "install", "-q", "--no-deps"]
        subprocess.run([*pip, "--target", str(staging), *BLINKA], check=True)
        staging.rename(BLINKA_LIB)
    return BLINKA_LIB


def worker(side: str, frames: int) -> float:
    base = getattr(sys, "_base_executable", None) or sys.executable
    command = [sys.executable if side == "ours" else base, __file__, "--worker", side]
    command += ["--frames", str(frames)]
    if side == "blinka":
        command = [base, "-I", __file__, "--worker", side, "--frames", str(frames)]
        command += ["--lib", str(ensure_blinka())]
    done = subprocess.run(command, capture_output=True, text=True, check=True, timeout=3600)
    return float(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", choices=("ours", "blinka"))
    parser.add_argument("--lib", default="")
    args = parser.parse_args()
    if args.worker == "ours":
        print(ours(args.frames))
        return
    if args.worker == "blinka":
        print(blinka(args.frames, args.lib))
        return
    results: dict[str, list[float]] = {"ours": [], "blinka": []}
    for _ in range(args.rounds):
        results["ours"].append(worker("ours", args.frames))
        # Blinka is much slower: fewer frames give the same precision in reasonable time.
        results["blinka"].append(worker("blinka", max(2, args.frames // 10)))
    ours_fps = statistics.median(results["ours"])
    blinka_fps = statistics.median(results["blinka"])
    report = {
        "ours_fps": ours_fps,
        "blinka_fps": blinka_fps,
        "ratio_ours_over_blinka": ours_fps / blinka_fps,
        "spi_24mhz_limit_fps": SPI_LIMIT,
        "samples": results,
        "python": sys.version.split()[0],
    }
    if args.json:
        print(json.dumps(report))
        return
    ours_samples = [round(v, 1) for v in results["ours"]]
    blinka_samples = [round(v, 2) for v in results["blinka"]]
    print(f"320x240 RGB565, every pixel changed, median of {args.rounds} rounds")
    print(f"  ours    {ours_fps:8.1f} frames/s   samples {ours_samples}")
    print(f"  Blinka  {blinka_fps:8.2f} frames/s   samples {blinka_samples}")
    ratio = ours_fps / blinka_fps
    print(f"  ratio ours/Blinka {ratio:.1f}; 24 MHz SPI limit {SPI_LIMIT:.1f} frames/s")
    print(f"  Python {report['python']}")


if __name__ == "__main__":
    main()
