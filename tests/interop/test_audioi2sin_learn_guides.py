"""Unmodified audioi2sin programs from Adafruit's Learn guides on the simulated board.

The programs come from the ``learn_guide`` fixture (tests/conftest.py): Adafruit's, read at a
pinned commit from a clone named by ``PROTOBOARD_LEARN_GUIDES`` or downloaded, never copied into
this repository; without either the tests skip.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.network

GUIDE = "CircuitPython_I2SIn/SparkleMotion_AudioReactive/code.py"


def _run_sparkle_motion(learn_guide, adafruit_libs, hear):
    from protoboard.ports.sim.parts.basic import NeoPixelStrip
    from protoboard.testing import simulated_board
    from protoboard.vm import run_file

    program = learn_guide(GUIDE)
    with simulated_board("adafruit_sparkle_motion") as sim:
        mic = sim.add("I2SMicrophone", data="D25", bit_clock="D26", word_select="D33")
        hear(mic)
        strip = sim.attach(NeoPixelStrip(name="STRIP", count=30), pin="D19")
        result = run_file(program, timeout=3, lib_paths=[adafruit_libs])
        pixels = list(strip.pixels)
        frames = strip.frames
    assert result.outcome.value == "timeout", result.traceback
    assert frames > 2  # it went round its loop, recording 512 samples each time
    return [p for p in pixels if p != (0, 0, 0)]


def test_sparkle_motion_bar_lights_up_for_a_loud_tone(learn_guide, adafruit_libs):
    """SparkleMotion_AudioReactive: the RMS of 32-bit I2S slots drives a NeoPixel bar."""
    lit = _run_sparkle_motion(learn_guide, adafruit_libs, lambda mic: mic.tone(1000, 0.5))
    assert len(lit) >= 20  # a steady loud tone: near the top of its auto-gain range
    assert len(set(lit)) > 5  # the colour wheel along the bar


def test_sparkle_motion_bar_stays_dark_in_silence(learn_guide, adafruit_libs):
    assert _run_sparkle_motion(learn_guide, adafruit_libs, lambda mic: mic.silence()) == []
