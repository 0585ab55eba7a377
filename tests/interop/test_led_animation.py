"""adafruit_led_animation (unmodified) on the simulated NeoPixels: it imports rainbowio."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.basic import NeoPixelStrip

pytestmark = pytest.mark.network


def test_rainbow_on_a_strip_uses_the_built_in_colorwheel(sim, drivers) -> None:
    strip = sim.attach(NeoPixelStrip(name="STRIP", count=10), pin="D5")
    import board
    import neopixel
    import rainbowio
    from adafruit_led_animation.animation.rainbow import Rainbow

    pixels = neopixel.NeoPixel(board.D5, 10, brightness=1.0, auto_write=False)
    rainbow = Rainbow(pixels, speed=0.01, period=2, step=1)
    frames = 0
    while frames < 3:
        frames += bool(rainbow.animate())
    assert strip.frames >= 3
    wheel = {rainbowio.colorwheel(n) for n in range(256)}
    colours = [(r << 16) | (g << 8) | b for r, g, b in strip.pixels]
    assert all(colour in wheel for colour in colours), colours
    assert len(set(colours)) > 1  # a rainbow, not one colour
    pixels.deinit()


def test_rainbow_program_runs_on_the_onboard_neopixel(sim, run_code, adafruit_libs, capsys):
    code = (
        "import board, neopixel\n"
        "from adafruit_led_animation.animation.rainbowcomet import RainbowComet\n"
        "from adafruit_led_animation.animation.rainbow import Rainbow\n"
        "pixels = neopixel.NeoPixel(board.NEOPIXEL, 1, brightness=1.0, auto_write=False)\n"
        "rainbow = Rainbow(pixels, speed=0.001, period=1)\n"
        "shown = 0\n"
        "while shown < 5:\n"
        "    shown += bool(rainbow.animate())\n"
        "print('frames', shown)\n"
    )
    result = run_code(code, lib_paths=[adafruit_libs])
    assert result.ok, result.traceback
    assert "frames 5" in capsys.readouterr().out
    assert sim.part("NEOPIXEL").frames >= 5
