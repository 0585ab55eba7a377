"""Real WAV files for the audio tests, written with the standard library's ``wave``."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path


def tone_frames(frequency: float, rate: int, seconds: float, amplitude: float = 0.5) -> list[int]:
    count = int(rate * seconds)
    return [
        int(amplitude * 32767 * math.sin(2 * math.pi * frequency * i / rate)) for i in range(count)
    ]


def write_tone_wav(
    path: Path,
    frequency: float = 440.0,
    *,
    rate: int = 16000,
    seconds: float = 0.25,
    channels: int = 1,
    bits: int = 16,
    amplitude: float = 0.5,
) -> Path:
    samples = tone_frames(frequency, rate, seconds, amplitude)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(bits // 8)
        out.setframerate(rate)
        if bits == 16:
            frames = b"".join(struct.pack("<h", v) * channels for v in samples)
        else:
            frames = b"".join(bytes([(v >> 8) + 128]) * channels for v in samples)
        out.writeframes(frames)
    return path
