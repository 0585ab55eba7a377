"""Unmodified ulab programs from Adafruit's Learn guides on the simulated board.

The programs come from the ``learn_guide`` fixture (tests/conftest.py): Adafruit's, read at a
pinned commit from a clone named by ``PROTOBOARD_LEARN_GUIDES`` or downloaded, never copied into
this repository; without either the tests skip.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys

import pytest

pytestmark = pytest.mark.network


def test_benchmark_rms_agrees_with_plain_python(learn_guide):
    """ulab_Crunch_Numbers_Fast/benchmark: the RMS four ways, through `protoboard exec`."""
    program = learn_guide("ulab_Crunch_Numbers_Fast/benchmark/code.py")
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(program)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = [float(v) for v in re.findall(r"\[result=([-0-9.]+)\]", done.stdout)]
    assert len(results) == 4, done.stdout
    nums = [int(8000 + math.sin(i) * 5000) for i in range(100)]
    mean = sum(nums) / len(nums)
    population_std = math.sqrt(sum((v - mean) ** 2 for v in nums) / len(nums))
    # the ulab ways (mean subtracted in float32) and np.std agree with the exact value
    for value in results[1:]:
        assert value == pytest.approx(population_std, rel=1e-4)
    # the plain-Python way subtracts int(mean): nearly the same
    assert results[0] == pytest.approx(population_std, rel=1e-3)


def test_waterfall_shows_the_tone_the_microphone_hears(learn_guide):
    """ulab_Crunch_Numbers_Fast/waterfall on a CLUE: PDMIn, ulab.utils.spectrogram and a
    displayio bitmap; a 1 kHz tone lights the column of its FFT bin."""
    from protoboard.testing import simulated_board
    from protoboard.vm import run_file

    program = learn_guide("ulab_Crunch_Numbers_Fast/waterfall/code.py")
    with simulated_board("clue_nrf52840_express") as sim:
        mic = sim.add("Microphone", data="MICROPHONE_DATA", clock="MICROPHONE_CLOCK")
        mic.tone(1000, amplitude=0.5)
        result = run_file(program, timeout=6)
        frame = sim.display("DISPLAY").frame
    assert result.outcome.value == "timeout", result.traceback
    # 256 samples at 16 kHz: 62.5 Hz a bin, 1 kHz is bin 16, shown at x=15 (bin 0 is cut off),
    # scaled 3x by the group: screen columns 45-47 of the first rows
    peak = frame[1][46]
    far = frame[1][150]
    assert peak[0] > 200 and peak[2] < 50  # the top of the heat map: red
    assert far[2] > far[0]  # a quiet bin: the blue end


def test_ledwave_paints_the_colorwheel_gradient(learn_guide, adafruit_libs):
    """ulab_Crunch_Numbers_Fast/ledwave: a wave equation (np.convolve, linspace) on 96
    NeoPixels through the real neopixel library."""
    from protoboard.ports.sim.parts.basic import NeoPixelStrip
    from protoboard.testing import simulated_board
    from protoboard.vm import run_file

    program = learn_guide("ulab_Crunch_Numbers_Fast/ledwave/code.py")
    with simulated_board() as sim:
        strip = sim.attach(NeoPixelStrip(name="STRIP", count=96), pin="D5")
        result = run_file(program, timeout=4, lib_paths=[adafruit_libs])
        pixels = list(strip.pixels)
        frames = strip.frames
    assert result.outcome.value == "timeout", result.traceback
    assert frames > 2
    lit = [p for p in pixels if p != (0, 0, 0)]
    assert len(lit) >= 90  # the colour wheel's gradient along the strip, at 0.1 brightness
    assert max(max(p) for p in pixels) <= 26
    assert len(set(pixels)) > 30  # a gradient, not one colour


def test_synthio_waveshapes_plays_a_sine_made_with_ulab(learn_guide):
    """Synthio_Fundamentals/example_10_waveshapes: wave tables made with ulab (np.sin over
    np.linspace, as int16) are synthio waveforms; the I2S amplifier hears a sine at F4."""
    from protoboard.ports.sim.parts import sound
    from protoboard.testing import simulated_board
    from protoboard.vm import run_file

    program = learn_guide("Synthio_Fundamentals/example_10_waveshapes.py")
    with simulated_board("adafruit_feather_rp2040_prop_maker") as sim:
        amp = sim.add("I2SAmplifier", data="I2S_DATA")
        result = run_file(program, timeout=2.0)
        played = amp.last_played
    assert result.outcome.value == "timeout", result.traceback
    rate = played.sample_rate
    # the amplifier plays from audio.play(); the note starts once the program has made its
    # tables (when depends on the machine): measure from the first sound
    onset = next(i for i, v in enumerate(played.samples) if abs(v) > 100)
    tone = played.samples[onset + int(0.2 * rate) : onset + int(0.6 * rate)]  # sustained
    assert sound.dominant_frequency(tone, rate) == pytest.approx(440 * 2 ** (-4 / 12), abs=1)
    rms = math.sqrt(sum(v * v for v in tone) / len(tone))
    crest = max(abs(v) for v in tone) / rms
    assert crest == pytest.approx(math.sqrt(2), rel=0.05)  # a sine's peak, not a square's
