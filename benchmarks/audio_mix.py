"""audiomixer: how fast the simulator mixes N voices of 16-bit 22.05 kHz mono audio.

Compares, in one run, three numbers per voice count:

* what a board needs: 22,050 output frames per second (real time);
* ours: ``audiomixer.Mixer``'s stream (what an ``AudioOut`` pulls as time passes) reading
  1024-frame buffers from N looping ``RawSample`` voices at level 0.7 (so every sample is
  scaled, and the sum is clipped);
* the baseline: the same mix as a plain Python loop per sample (no numpy): scale, add, clip.

Prints frames/s, the real-time factor (ours / 22,050) and the ratio ours / baseline.
Usage: ``python benchmarks/audio_mix.py [--seconds 2]``.
"""

from __future__ import annotations

import argparse
import array
import math
import sys
import time

RATE = 22050
BUFFER = 1024
LEVEL = 0.7


def _voice_tables(count: int) -> list[array.array]:
    # One second each, different pitches, loud enough that sums clip now and then.
    return [
        array.array(
            "h",
            [int(20000 * math.sin(2 * math.pi * (220 + 110 * v) * i / RATE)) for i in range(RATE)],
        )
        for v in range(count)
    ]


def ours(voices: int, seconds: float) -> float:
    from protoboard import machine
    from protoboard.testing import activated

    with activated(machine.create("sim", None)):
        import audiocore
        import audiomixer

        mixer = audiomixer.Mixer(voice_count=voices, sample_rate=RATE, channel_count=1)
        for index, table in enumerate(_voice_tables(voices)):
            mixer.voice[index].level = LEVEL
            mixer.voice[index].play(audiocore.RawSample(table, sample_rate=RATE), loop=True)
        stream = mixer._audio_stream()
        frames = 0
        start = time.perf_counter()
        while (elapsed := time.perf_counter() - start) < seconds:
            frames += len(stream.read(BUFFER))
        return frames / elapsed


def baseline(voices: int, seconds: float) -> float:
    tables = _voice_tables(voices)
    level = int(LEVEL * 32768)
    positions = [0] * voices
    frames = 0
    start = time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        out = array.array("h", bytes(2 * BUFFER))
        for i in range(BUFFER):
            total = 0
            for v in range(voices):
                table = tables[v]
                total += (table[positions[v]] * level) >> 15
                positions[v] = (positions[v] + 1) % len(table)
            out[i] = 32767 if total > 32767 else -32768 if total < -32768 else total
        frames += BUFFER
    return frames / elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=2.0, help="time per measurement")
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}; board needs {RATE:,} frames/s (real time)")
    header = ("voices", "ours frames/s", "x real time", "baseline", "ours/base")
    print("{:>6} {:>14} {:>12} {:>12} {:>10}".format(*header))
    for voices in (1, 2, 4, 8):
        fast = ours(voices, args.seconds)
        slow = baseline(voices, args.seconds)
        print(
            f"{voices:>6} {fast:>14,.0f} {fast / RATE:>12.1f} {slow:>12,.0f} {fast / slow:>10.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
