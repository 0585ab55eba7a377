"""protoboard_blink on Protoboard's simulated board (the ``sim`` and ``run_code`` fixtures of
the pytest plugin that ships with Protoboard). Run: pytest libraries/protoboard_blink/tests"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

LIBRARY = Path(__file__).resolve().parents[1]
EXAMPLES = LIBRARY / "examples"


class Clock:
    """A clock the test moves by hand, so timings are exact."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def blink(sim):
    sys.path.insert(0, str(LIBRARY))
    try:
        import protoboard_blink

        yield protoboard_blink
    finally:
        sys.path.remove(str(LIBRARY))
        sys.modules.pop("protoboard_blink", None)


def test_blink_switches_the_board_led_on_schedule(sim, blink):
    import board

    clock = Clock()
    led = blink.Blinker(board.LED, clock=clock)
    assert not sim.part("LED").on
    led.blink(0.5, 0.25)
    assert sim.part("LED").on and led.playing
    for now, lit in (
        (100.49, True),
        (100.5, False),
        (100.74, False),
        (100.75, True),
        (101.25, False),
    ):
        clock.now = now
        assert led.update() is lit
        assert sim.part("LED").on is lit


def test_a_slow_loop_catches_up_without_drift(sim, blink):
    import board

    clock = Clock()
    led = blink.Blinker(board.LED, clock=clock)
    led.play((1.0, 1.0))
    clock.now = 103.2  # 3.2 s late: on [100,101) off [101,102) on [102,103) off
    assert led.update() is False
    clock.now = 104.0  # the next change is still at 104.0, not 104.2
    assert led.update() is True


def test_play_once_ends_off_and_inverted_wiring(sim, blink):
    import board

    clock = Clock()
    led = blink.Blinker(board.LED, clock=clock, invert=True)
    assert sim.pin("LED").level is True  # off = high for an inverted LED
    led.play((0.1, 0.1, 0.1), repeat=False)
    assert sim.pin("LED").level is False and led.lit
    clock.now = 101
    assert led.update() is False and not led.playing
    assert sim.pin("LED").level is True


def test_on_off_and_deinit_release_the_pin(sim, blink):
    import board
    import digitalio

    with blink.Blinker(board.LED) as led:
        led.blink()
        led.on()
        assert not led.playing and sim.part("LED").on
        led.off()
        assert not sim.part("LED").on
    digitalio.DigitalInOut(board.LED).deinit()  # free again after deinit


def test_any_object_with_value_works(blink):
    class Fake:
        value = None

    fake = Fake()
    led = blink.Blinker(fake, clock=Clock())
    led.on()
    assert fake.value is True


def test_morse_and_bad_patterns(blink):
    assert blink.morse("E T", unit=1) == (1, 7, 3, 7)
    assert blink.morse("SOS", unit=1)[:6] == (1, 1, 1, 1, 1, 3)
    for bad in ("", "é"):
        with pytest.raises(ValueError):
            blink.morse(bad)
    led = blink.Blinker(type("F", (), {"value": None})(), clock=Clock())
    for pattern in ((), (0.1, 0)):
        with pytest.raises(ValueError):
            led.play(pattern)


def test_the_example_blinks_while_the_loop_runs(sim, run_code):
    result = run_code(EXAMPLES / "blink_simpletest.py", timeout=1.3, lib_paths=[LIBRARY])
    assert result.ok, result.traceback
    assert sim.pin("LED").levels[:4] == [False, True, False, True]
    sys.modules.pop("protoboard_blink", None)


def test_the_morse_example_stays_lit_while_the_button_is_held(sim, run_code):
    sim.part("BUTTON").press()
    result = run_code(EXAMPLES / "blink_morse.py", timeout=0.6, lib_paths=[LIBRARY])
    assert result.ok, result.traceback
    assert sim.part("LED").on
    assert sim.pin("LED").levels[-1] is True
    sys.modules.pop("protoboard_blink", None)
