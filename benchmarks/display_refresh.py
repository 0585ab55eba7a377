"""Display refresh speed: full-screen 320x240 frames per second and a label-sized update on a
240x240 display, Protoboard's displayio path next to the bus's physical limit and to Adafruit's
pure-Python ``adafruit-blinka-displayio``.

Full screen: a 320 x 240 ``Bitmap`` in a ``TileGrid`` on a ``BusDisplay`` (ILI9341 start-up,
16-bit pixels, ``auto_refresh=False``); every frame ``bitmap.fill()`` flips all pixels to the
other colour and ``display.refresh()`` sends them. Ours goes through ``fourwire.FourWire``,
``busio.SPI`` and the simulated bus into the ``ILI9341`` part, which decodes every byte into its
RAM (the frame is checked afterwards). Blinka's ``busdisplay.BusDisplay`` renders the same
scene and sends to a stand-in ``FourWire`` that only counts the bytes (Blinka needs real SPI
hardware otherwise), so the anchor does less work than ours. The physical limit is what a
24 MHz SPI bus can carry: 24e6 / (320 * 240 * 16) = 19.5 frames/s.

Label update: a 240 x 240 ST7789 (our part) with a 16 x 24 pixel "digit" (a small bitmap, as a
glyph of a label) redrawn (every pixel of the cell) and refreshed; milliseconds from the change
to the refreshed frame (ours: the part's RAM holds the new pixels when refresh() returns).

    python benchmarks/display_refresh.py [--frames 30] [--rounds 3] [--json]

Blinka's displayio is installed once into ``benchmarks/.venv-blinka-displayio``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import _harness

SCRIPT = Path(__file__).resolve()
VENV = _harness.HERE / ".venv-blinka-displayio"
BLINKA_DISPLAYIO = "adafruit-blinka-displayio==2.7.1"
SPI_HZ = 24_000_000
WIDTH, HEIGHT = 320, 240
SPI_LIMIT = SPI_HZ / (WIDTH * HEIGHT * 16)
#: ILI9341 start-up (the PyPortal's, trimmed to what changes the picture)
INIT = bytes.fromhex("0100 3601a8 3a0155 b60308a227 1100 2900")


def ensure_venv() -> Path:
    python = _harness.venv_python(VENV)
    # a fresh checkout has no venv yet: probe only one that exists
    if not python.exists() or (
        subprocess.run([str(python), "-c", "import busdisplay"], capture_output=True).returncode
    ):
        print(f"creating {VENV} with {BLINKA_DISPLAYIO} (once)...", file=sys.stderr)
        base = getattr(sys, "_base_executable", None) or sys.executable
        subprocess.run([base, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", BLINKA_DISPLAYIO], check=True)
    return python


def scene(displayio, width: int, height: int):
    bitmap = displayio.Bitmap(width, height, 2)
    palette = displayio.Palette(2)
    palette[0], palette[1] = 0x102030, 0xF0E0D0
    group = displayio.Group()
    group.append(displayio.TileGrid(bitmap, pixel_shader=palette))
    return group, bitmap


def full_screen_rate(display, bitmap, frames: int) -> float:
    start = time.perf_counter()
    for frame in range(frames):
        bitmap.fill(frame % 2)
        display.refresh()
    return frames / (time.perf_counter() - start)


# -- ours ---------------------------------------------------------------------------------------


def ours(frames: int) -> dict[str, float]:
    from protoboard.ports.sim.parts.mipi_dcs import ILI9341, ST7789
    from protoboard.testing import simulated_board

    with simulated_board() as sim:
        import board
        import busdisplay
        import displayio
        import fourwire

        part = sim.attach(ILI9341(rotation=90), clock="SCK", mosi="MOSI", cs="D5", dc="D6")
        bus = fourwire.FourWire(
            board.SPI(), command=board.D6, chip_select=board.D5, baudrate=SPI_HZ
        )
        display = busdisplay.BusDisplay(bus, INIT, width=WIDTH, height=HEIGHT, auto_refresh=False)
        group, bitmap = scene(displayio, WIDTH, HEIGHT)
        display.root_group = group
        display.refresh()
        fps = full_screen_rate(display, bitmap, frames)
        expected = (0xF0, 0xE0, 0xD0) if frames % 2 == 0 else (0x10, 0x20, 0x30)
        shown = part.pixel(5, 5)
        assert all(abs(a - b) < 8 for a, b in zip(shown, expected, strict=True)), shown
        displayio.release_displays()
        sim.detach(part.name)  # its chip select now floats low: take it off the bus
        label_ms = ours_label(sim, ST7789)
    return {"full_fps": fps, "label_ms": label_ms}


def ours_label(sim, part_class) -> float:
    import board
    import busdisplay
    import displayio
    import fourwire

    part = sim.attach(part_class(name="LABEL"), clock="SCK", mosi="MOSI", cs="D7", dc="D8")
    bus = fourwire.FourWire(board.SPI(), command=board.D8, chip_select=board.D7)
    display = busdisplay.BusDisplay(
        bus,
        bytes.fromhex("1100 3a0155 3601c0 2100 2900"),
        width=240,
        height=240,
        rowstart=80,
        auto_refresh=False,
    )
    group, _ = scene(displayio, 240, 240)
    digit = displayio.Bitmap(16, 24, 2)
    palette = displayio.Palette(2)
    palette[0], palette[1] = 0x000000, 0xFFFFFF
    group.append(displayio.TileGrid(digit, pixel_shader=palette, x=100, y=100))
    display.root_group = group
    display.refresh()
    times = []
    for value in range(20):
        start = time.perf_counter()
        digit.fill(value % 2)  # a new glyph: every pixel of the 16 x 24 cell
        display.refresh()
        times.append((time.perf_counter() - start) * 1000)
    assert part.pixel(100, 100 + 0) in ((0, 0, 0), (255, 255, 255))
    return statistics.median(times)


# -- the anchor (runs in the Blinka venv) ----------------------------------------------------------


def blinka(frames: int) -> dict[str, float]:
    import busdisplay
    import displayio
    import fourwire

    class CountingBus(fourwire.FourWire):
        """Blinka's displays accept only their own bus classes: this one takes the bytes and
        counts them instead of writing to SPI hardware."""

        def __init__(self) -> None:  # no SPI or pins
            self.sent = 0
            self.locked = False

        def reset(self) -> None:
            pass

        def _free(self) -> bool:
            return not self.locked

        def _begin_transaction(self) -> bool:
            # as an SPI lock: Blinka's init loop calls this until it fails (lock held)
            if self.locked:
                return False
            self.locked = True
            return True

        def _send(self, data_type: int, chip_select: int, data) -> None:
            self.sent += len(data)

        def _end_transaction(self) -> None:
            self.locked = False

    bus = CountingBus()
    display = busdisplay.BusDisplay(bus, INIT, width=WIDTH, height=HEIGHT, auto_refresh=False)
    group, bitmap = scene(displayio, WIDTH, HEIGHT)
    display.root_group = group
    display.refresh()
    before = bus.sent
    fps = full_screen_rate(display, bitmap, frames)
    per_frame = (bus.sent - before) / frames
    assert per_frame >= WIDTH * HEIGHT * 2, per_frame
    displayio.release_displays()  # Blinka allows one display at a time
    label_bus = CountingBus()
    label = busdisplay.BusDisplay(label_bus, INIT, width=240, height=240, auto_refresh=False)
    group, _ = scene(displayio, 240, 240)
    digit = displayio.Bitmap(16, 24, 2)
    palette = displayio.Palette(2)
    palette[0], palette[1] = 0x000000, 0xFFFFFF
    group.append(displayio.TileGrid(digit, pixel_shader=palette, x=100, y=100))
    label.root_group = group
    label.refresh()
    times = []
    for value in range(20):
        start = time.perf_counter()
        digit.fill(value % 2)  # a new glyph: every pixel of the 16 x 24 cell
        label.refresh()
        times.append((time.perf_counter() - start) * 1000)
    return {"full_fps": fps, "label_ms": statistics.median(times)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--worker", choices=("ours", "blinka"))
    args = parser.parse_args()
    if args.worker:
        work = ours if args.worker == "ours" else blinka
        _harness.emit(work(args.frames))
        return
    blinka_python = ensure_venv()
    samples: dict[str, list[float]] = {}
    for _ in range(args.rounds):  # interleaved, so both see the same machine load
        for name, python in (("ours", sys.executable), ("blinka", blinka_python)):
            result = _harness.run_worker(
                python, SCRIPT, ["--worker", name, "--frames", str(args.frames)]
            )
            samples.setdefault(f"{name}_full_fps", []).append(result["full_fps"])
            samples.setdefault(f"{name}_label_ms", []).append(result["label_ms"])
    stats = _harness.medians(samples)
    ours_fps = stats["ours_full_fps"]["median"]
    blinka_fps = stats["blinka_full_fps"]["median"]
    report = {
        "stats": stats,
        "spi_limit_fps": SPI_LIMIT,
        "ours_vs_spi_limit": ours_fps / SPI_LIMIT,
        "ours_vs_blinka": ours_fps / blinka_fps,
        "python": _harness.platform.python_version(),
        "blinka_displayio": _harness.package_version(blinka_python, "adafruit-blinka-displayio"),
    }
    if args.json:
        print(json.dumps(report, indent=2))
        return
    print(f"full-screen 320x240 refresh, {args.frames} frames x {args.rounds} rounds (median):")
    print(f"  24 MHz SPI limit       {SPI_LIMIT:6.1f} frames/s")
    limit_ratio = ours_fps / SPI_LIMIT
    print(f"  Protoboard (to part)   {ours_fps:6.1f} frames/s  ({limit_ratio:.2f}x the limit)")
    blinka_ratio = ours_fps / blinka_fps
    print(f"  blinka-displayio       {blinka_fps:6.1f} frames/s  (ours/blinka {blinka_ratio:.2f})")
    print("label update on 240x240 (median ms to the refreshed frame):")
    print(f"  Protoboard             {stats['ours_label_ms']['median']:6.2f} ms")
    print(f"  blinka-displayio       {stats['blinka_label_ms']['median']:6.2f} ms")


if __name__ == "__main__":
    main()
