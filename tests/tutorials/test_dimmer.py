"""tutorials/dimmer: the LED's PWM duty cycle follows the knob."""

from __future__ import annotations

from tutorial_helpers import on_nth


def test_duty_cycle_follows_the_knob(sim, tutorial) -> None:
    tutorial.wire("dimmer")
    knob = sim.part("knob")
    on_nth(sim, "analog_in", 3, lambda: setattr(knob, "position", 0.1))
    on_nth(sim, "analog_in", 6, lambda: setattr(knob, "position", 1.0))
    on_nth(sim, "analog_in", 9, lambda: setattr(knob, "position", 0.0))
    result = tutorial("dimmer", timeout=0.8, libraries=False)
    assert result.ok, result.traceback

    duties = [duty for _, duty, _ in sim.pin("D5").pwm_history]
    assert all(freq == 1000 for _, _, freq in sim.pin("D5").pwm_history)
    # distinct duty cycles in the order they appeared: off at start, then the knob's four places
    steps = [d for i, d in enumerate(duties) if i == 0 or d != duties[i - 1]]
    assert steps[0] == 0
    expected = [0.5, 0.1, 1.0, 0.0]
    assert len(steps) == 1 + len(expected), steps
    for duty, position in zip(steps[1:], expected, strict=True):
        assert abs(duty - position * 65535) <= 65535 * 0.01, (duty, position)
    assert sim.part("led").brightness == 0.0
