"""countio.Counter on the simulated board, driven by Button parts and external levels."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.basic import Button

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


def pulses(pin, count: int) -> None:
    """``count`` high-then-low pulses from outside the program."""
    for _ in range(count):
        pin.set_external(True)
        pin.set_external(False)


def test_default_counts_falling_edges_of_a_button(sim):
    import board
    import countio
    import digitalio

    button = sim.attach(Button(name="B"), pin="D7")
    counter = countio.Counter(board.D7, pull=digitalio.Pull.UP)
    assert sim.pin("D7").pull == "up"
    assert counter.count == 0
    for _ in range(5):
        button.press()  # high -> low: a falling edge
        button.release()
    assert counter.count == 5


@pytest.mark.parametrize(("edge", "expected"), [("RISE", 4), ("FALL", 4), ("RISE_AND_FALL", 8)])
def test_edges(sim, edge, expected):
    import board
    import countio

    counter = countio.Counter(board.D7, edge=getattr(countio.Edge, edge))
    pulses(sim.pin("D7"), 4)
    assert counter.count == expected


def test_pull_down_and_no_pull(sim):
    import board
    import countio
    import digitalio

    with countio.Counter(board.D7, pull=digitalio.Pull.DOWN):
        assert sim.pin("D7").pull == "down"
    with countio.Counter(board.D7):
        assert sim.pin("D7").pull is None


def test_count_is_writable_and_reset_zeroes_it(sim):
    import board
    import countio

    counter = countio.Counter(board.D7, edge=countio.Edge.RISE)
    pulses(sim.pin("D7"), 3)
    counter.count = 100
    assert counter.count == 100
    pulses(sim.pin("D7"), 2)
    assert counter.count == 102
    counter.reset()
    assert counter.count == 0
    pulses(sim.pin("D7"), 1)
    assert counter.count == 1
    counter.count = -7
    assert counter.count == -7
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        counter.count = 1.0


def test_counts_a_program_driven_line_looped_back(sim):
    """A DigitalInOut on one pin and the counter on another, joined by a wire (a listener)."""
    import board
    import countio
    import digitalio

    source = sim.pin("D6")
    target = sim.pin("D7")
    source.on_change(lambda pin, level, when: target.set_external(level))
    counter = countio.Counter(board.D7, edge=countio.Edge.RISE_AND_FALL)
    out = digitalio.DigitalInOut(board.D6)
    out.switch_to_output(False)
    for _ in range(10):
        out.value = True
        out.value = False
    assert counter.count == 20


def test_edge_is_an_enum(sim):
    import countio

    assert repr(countio.Edge.RISE) == "countio.Edge.RISE"
    assert isinstance(countio.Edge.RISE_AND_FALL, countio.Edge)
    assert countio.Edge.FALL is countio.Edge.FALL
    with pytest.raises(TypeError):
        countio.Edge()
    assert countio.Counter.__module__ == "countio"


def test_errors(sim):
    import board
    import countio
    import digitalio

    with pytest.raises(TypeError, match="^pin must be of type Pin, not int$"):
        countio.Counter(7)
    with pytest.raises(TypeError, match="^edge must be of type Edge, not int$"):
        countio.Counter(board.D7, edge=1)
    with pytest.raises(TypeError, match="^pull must be of type Pull or None, not bool$"):
        countio.Counter(board.D7, pull=True)
    with pytest.raises(TypeError):
        countio.Counter(board.D7, countio.Edge.RISE)  # edge is keyword-only
    held = digitalio.DigitalInOut(board.D7)
    with pytest.raises(ValueError, match="^D7 in use$"):
        countio.Counter(board.D7)
    held.deinit()
    countio.Counter(board.D7)
    with pytest.raises(ValueError, match="^D7 in use$"):
        digitalio.DigitalInOut(board.D7)


def test_deinit_stops_counting_and_releases_the_pin(sim):
    import board
    import countio
    import digitalio

    counter = countio.Counter(board.D7, edge=countio.Edge.RISE)
    pulses(sim.pin("D7"), 2)
    counter.deinit()
    counter.deinit()  # idempotent
    assert sim.pin("D7").mode == "unused"
    for action in (
        lambda: counter.count,
        lambda: setattr(counter, "count", 0),
        counter.reset,
    ):
        with pytest.raises(ValueError) as info:
            action()
        assert str(info.value) == DEINIT
    again = countio.Counter(board.D7, edge=countio.Edge.RISE)
    assert again.count == 0
    pulses(sim.pin("D7"), 1)
    assert again.count == 1
    again.deinit()
    with countio.Counter(board.D7) as inside:
        assert inside.count == 0
    with pytest.raises(ValueError, match="deinitialized"):
        inside.count  # noqa: B018
    digitalio.DigitalInOut(board.D7)


def test_program_counts_pulses_it_sends_through_a_wire(sim, run_code, capsys):
    # A wire from D6 to D7 on the simulated bench.
    sim.pin("D6").on_change(lambda pin, level, when: sim.pin("D7").set_external(level))
    result = run_code(
        """
        import board
        import countio
        import digitalio

        counter = countio.Counter(board.D7, edge=countio.Edge.RISE)
        with digitalio.DigitalInOut(board.D6) as out:
            out.switch_to_output(False)
            for _ in range(10):
                out.value = True
                out.value = False
        print("count", counter.count)
        counter.reset()
        print("after reset", counter.count)
        """
    )
    assert result.ok, result.traceback
    assert capsys.readouterr().out == "count 10\nafter reset 0\n"
