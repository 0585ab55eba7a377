"""tutorials/rainbow: the neopixel library and rainbowio on ten simulated NeoPixels."""

from __future__ import annotations

import colorsys
import itertools

import pytest

pytestmark = pytest.mark.network


def hue(pixel: tuple[int, ...]) -> float:
    r, g, b = pixel[:3]
    return colorsys.rgb_to_hsv(r / 255, g / 255, b / 255)[0]


def test_pixels_show_a_moving_rainbow(sim, tutorial) -> None:
    tutorial.wire("rainbow")
    strip = sim.part("strip")
    frames: list[list[tuple[int, ...]]] = []
    sim.pin("D6").on_data(lambda pin, data, kind: frames.append(list(strip.pixels)))
    result = tutorial("rainbow", timeout=0.6)
    assert result.ok, result.traceback

    assert len(frames) >= 3
    first = frames[0]
    assert len(first) == 10 and all(any(p) for p in first)
    # brightness 0.3: nothing brighter than 30 % of full
    assert all(max(p[:3]) <= 0.3 * 255 + 1 for frame in frames for p in frame)
    # the ten pixels hold ten different hues that go round the wheel in order
    hues = [hue(p) for p in first]
    assert len({round(h, 2) for h in hues}) == 10
    steps = [(b - a) % 1.0 for a, b in itertools.pairwise(hues)]
    assert all(0.02 < s < 0.2 for s in steps), hues
    assert 0.8 < sum(steps) < 1.0, hues  # nearly once round the wheel
    # and the rainbow moves: a later frame is not the first one
    assert any(frame != first for frame in frames[1:])
