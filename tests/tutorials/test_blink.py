"""tutorials/blink: the board's LED goes on and off, half a second each."""

from __future__ import annotations


def test_blink_turns_the_led_on_and_off(sim, tutorial) -> None:
    result = tutorial("blink", timeout=1.3, libraries=False)
    assert result.ok, result.traceback
    assert sim.pin("LED").levels[:4] == [False, True, False, True]
    history = sim.part("LED").history
    ons = [t for t, on in history if on]
    offs = [t for t, on in history if not on]
    assert len(ons) >= 2 and len(offs) >= 1
    # on for about half a second before going off (the program's sleep, not a speed limit)
    assert offs[-1] > ons[0]
