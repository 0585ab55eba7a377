"""Measuring recorded sound: loudness (RMS), the dominant frequency, WAV files.

Pure Python (no numpy): an iterative radix-2 FFT over at most :data:`FFT_SIZE` samples with a
Hann window, and the peak refined by parabolic interpolation, which puts a steady tone within a
fraction of a hertz."""

from __future__ import annotations

import cmath
import math
import sys
import wave
from array import array
from pathlib import Path

FFT_SIZE = 8192
FULL_SCALE = 32768.0


def rms(samples: array[int]) -> float:
    """Root mean square of signed 16-bit samples, 0.0 (silence) to 1.0 (full scale)."""
    if not samples:
        return 0.0
    return math.sqrt(math.fsum(v * v for v in samples) / len(samples)) / FULL_SCALE


def _fft(values: list[complex]) -> list[complex]:
    n = len(values)
    out = values[:]
    j = 0
    for i in range(1, n):  # bit-reversal permutation
        bit = n >> 1
        while j & bit:
            j ^= bit
            bit >>= 1
        j |= bit
        if i < j:
            out[i], out[j] = out[j], out[i]
    size = 2
    while size <= n:
        step = cmath.exp(-2j * math.pi / size)
        half = size // 2
        twiddles = [step**k for k in range(half)]
        for start in range(0, n, size):
            for k in range(half):
                a = out[start + k]
                b = out[start + k + half] * twiddles[k]
                out[start + k] = a + b
                out[start + k + half] = a - b
        size *= 2
    return out


def dominant_frequency(samples: array[int], rate: int) -> float | None:
    """The strongest frequency in ``samples`` (the middle :data:`FFT_SIZE` of them), in Hz;
    None for silence or too little sound to tell."""
    if len(samples) < 64 or rms(samples) < 1e-4:
        return None
    size = 1 << min(FFT_SIZE.bit_length() - 1, len(samples).bit_length() - 1)
    first = (len(samples) - size) // 2
    window = samples[first : first + size]
    mean = sum(window) / size
    values = [
        complex((v - mean) * (0.5 - 0.5 * math.cos(2 * math.pi * i / (size - 1))))
        for i, v in enumerate(window)
    ]
    magnitudes = [abs(c) for c in _fft(values)[: size // 2]]
    peak = max(range(1, len(magnitudes) - 1), key=magnitudes.__getitem__)
    left, mid, right = (math.log(magnitudes[i] + 1e-12) for i in (peak - 1, peak, peak + 1))
    denominator = left - 2 * mid + right
    shift = 0.5 * (left - right) / denominator if denominator else 0.0
    return (peak + shift) * rate / size


def write_wav(path: str | Path, samples: array[int], rate: int) -> Path:
    """Save mono signed 16-bit ``samples`` as a WAV file any audio player opens."""
    target = Path(path)
    with wave.open(str(target), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        data = array("h", samples)
        if sys.byteorder == "big":
            data.byteswap()
        out.writeframes(data.tobytes())
    return target


def resample(samples: array[int], source_rate: int, target_rate: int) -> array[int]:
    """Nearest-sample rate conversion (enough to listen and to measure a tone)."""
    if source_rate == target_rate or not samples:
        return samples
    count = len(samples) * target_rate // source_rate
    return array("h", [samples[i * source_rate // target_rate] for i in range(count)])
