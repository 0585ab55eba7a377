"""tutorials/servo_sweep: adafruit_motor's Servo turns the simulated horn 0 -> 180 -> 0."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.network


def test_the_horn_sweeps_both_ways(sim, tutorial) -> None:
    tutorial.wire("servo_sweep")
    servo = sim.part("servo")
    angles: list[float] = []
    sim.on_activity(lambda a: a.kind == "pwm" and angles.append(round(servo.angle)))
    result = tutorial("servo_sweep", timeout=1.5)
    assert result.ok, result.traceback

    assert all(freq == 50 for _, _, freq in sim.pin("D5").pwm_history)
    # skip the 50 % duty the PWMOut starts with; then 0, 5, 10 ... 180, 180 (the second loop
    # starts where the first ended), 175 ...
    sweep = angles[angles.index(0) :]
    top = sweep.index(180)
    assert sweep[: top + 1] == list(range(0, 181, 5))
    assert sweep[top + 1] == 180
    down = sweep[top + 1 : top + 11]
    assert len(down) >= 3 and down == list(range(180, 130, -5))[: len(down)]
