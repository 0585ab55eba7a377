"""tutorials/button_led: the LED on D6 is lit exactly while the button on D5 is held."""

from __future__ import annotations


def test_led_follows_the_button(sim, tutorial) -> None:
    # The button is pressed at the start; each time the LED answers, the finger does the
    # opposite: press -> LED on -> release -> LED off -> press... three times round.
    changes: list[tuple[bool, bool]] = []  # (button held, LED level) at each LED change

    def on_led(pin, level, when) -> None:
        button = sim.part("button")
        changes.append((button.pressed, level))
        if len(changes) < 6:
            button.release() if level else button.press()

    tutorial.wire("button_led")
    sim.pin("D6").on_change(on_led)
    sim.part("button").press()
    result = tutorial("button_led", timeout=0.5, libraries=False)
    assert result.ok, result.traceback
    assert changes == [(True, True), (False, False)] * 3
    assert not sim.part("led").on
    assert not sim.pin("LED").levels[1:]  # the board's own LED was never used
