"""A tone WAV file for the exec test."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path


def write_tone(path: Path, frequency: float, *, rate: int, seconds: float) -> Path:
    count = int(rate * seconds)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(16000 * math.sin(2 * math.pi * frequency * i / rate)))
                for i in range(count)
            )
        )
    return path
