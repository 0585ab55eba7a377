"""synthio: does a Synthesizer make its sound faster than real time?

Reads a ``synthio.Synthesizer``'s stream in 1024-frame buffers (what an ``AudioOut`` on the
simulated board pulls) with N voices pressed, at 22,050 Hz, and compares the frames made per
second of CPU with real time (22,050 frames per second, the anchor: a board must keep up with
its DAC). Three kinds of voice:

* ``midi``: integer MIDI notes, the default square wave, no envelope;
* ``notes``: ``Note`` objects with a 512-sample sine waveform, an ADSR envelope and an LFO on
  ``bend`` (vibrato);
* ``filtered``: as ``notes`` plus a low-pass ``Biquad`` on each note (a per-sample loop);
* ``notes via AudioOut + Speaker``: the whole simulated pipeline, the synthesizer played by an
  ``AudioOut`` on the board's clock into a ``Speaker`` part while the program polls
  ``playing``: seconds of audio per CPU second.

Usage: ``python benchmarks/synthio_voices.py [--seconds S] [--voices N ...] [--json]``
"""

from __future__ import annotations

import argparse
import json
import math
import time
from array import array

RATE = 22050


def _voices(synthio: object, kind: str, count: int) -> list[object]:
    s: object = synthio
    if kind == "midi":
        return [60 + 4 * i for i in range(count)]
    sine = array("h", [int(30000 * math.sin(2 * math.pi * i / 512)) for i in range(512)])
    envelope = s.Envelope(attack_time=0.05, release_time=0.2)  # type: ignore[attr-defined]
    notes = []
    for i in range(count):
        lfo = s.LFO(rate=5, scale=0.01)  # type: ignore[attr-defined]
        note = s.Note(  # type: ignore[attr-defined]
            s.midi_to_hz(57 + 4 * i),  # type: ignore[attr-defined]
            waveform=sine,
            envelope=envelope,
            bend=lfo,
        )
        if kind == "filtered":
            note.filter = s.Biquad(s.FilterMode.LOW_PASS, 1500, Q=1.2)  # type: ignore[attr-defined]
        notes.append(note)
    return notes


def measure(kind: str, count: int, seconds: float) -> float:
    """Frames per second of CPU time made by a Synthesizer with ``count`` voices."""
    from protoboard import machine
    from protoboard.testing import activated

    with activated(machine.create("sim", None)):
        import synthio

        synth = synthio.Synthesizer(sample_rate=RATE)
        stream = synth._audio_stream()  # the sample protocol an AudioOut reads
        synth.press(_voices(synthio, kind, count))
        stream.read(1024)  # warm up
        frames = 0
        start = time.process_time()
        while time.process_time() - start < seconds:
            frames += len(stream.read(1024))
        return frames / (time.process_time() - start)


def through_speaker(count: int, seconds: float) -> float:
    """Times real time with the whole simulated pipeline: ``AudioOut`` playing the synthesizer
    into a ``Speaker`` part on the board's clock, the program polling ``playing``; audio
    seconds made per CPU second."""
    from protoboard import machine
    from protoboard.testing import activated

    with activated(machine.create("sim", None)) as target:
        import audioio
        import board
        import synthio

        speaker = target.backend.simulated_world().add("Speaker", pin="A0")
        synth = synthio.Synthesizer(sample_rate=RATE)
        dac = audioio.AudioOut(board.A0)
        dac.play(synth)
        synth.press(_voices(synthio, "notes", count))
        start_wall, start_cpu = time.monotonic(), time.process_time()
        while time.monotonic() - start_wall < seconds:
            time.sleep(0.02)  # the program's own work; the audio plays meanwhile
            assert dac.playing
        audio = time.monotonic() - start_wall
        cpu = time.process_time() - start_cpu
        assert speaker.level > 0
        dac.deinit()
        return audio / cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--voices", type=int, nargs="*", default=[1, 4, 12])
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    args = parser.parse_args()
    rows = []
    for kind in ("midi", "notes", "filtered"):
        for count in args.voices:
            rows.append((count, kind, measure(kind, count, args.seconds) / RATE))
    for count in args.voices:
        rows.append((count, "notes via AudioOut + Speaker", through_speaker(count, args.seconds)))
    if args.json:
        print(json.dumps([{"voices": v, "kind": k, "x_real_time": x} for v, k, x in rows]))
        return
    print(f"Synthesizer at {RATE} Hz; anchor: real time = {RATE} frames/s")
    print("| voices | kind | frames/s | x real time |")
    print("|---|---|---|---|")
    for count, kind, ratio in rows:
        print(f"| {count} | {kind} | {ratio * RATE:,.0f} | {ratio:.1f} |")


if __name__ == "__main__":
    main()
