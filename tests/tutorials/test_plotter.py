"""tutorials/plotter: every line printed is a one-value tuple Mu's plotter can draw."""

from __future__ import annotations

import ast

from tutorial_helpers import on_nth


def test_prints_tuples_that_follow_the_sensor(sim, tutorial, capsys) -> None:
    tutorial.wire("plotter")
    sensor = sim.part("sensor")
    on_nth(sim, "analog_in", 3, lambda: setattr(sensor, "position", 1.0))
    result = tutorial("plotter", timeout=0.55, libraries=False)
    assert result.ok, result.traceback

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 4
    values = []
    for line in lines:
        value = ast.literal_eval(line)  # what Mu does with a line in parentheses
        assert isinstance(value, tuple) and len(value) == 1, line
        values.append(value[0])
    # a quarter of 3.3 V for three readings (the knob turns after the third), then 3.3 V
    assert values[:3] == [0.83] * 3, values
    assert set(values[3:]) == {3.3}, values
