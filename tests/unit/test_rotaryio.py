"""rotaryio.IncrementalEncoder on the simulated board, driven by the RotaryEncoder part."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from protoboard.bindings.rotaryio import _advance, _step
from protoboard.ports.sim.parts.encoder import RotaryEncoder
from protoboard.ports.sim.rotaryio import TRANSITIONS

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


class SoftEncoder:
    """CircuitPython's shared-module/rotaryio software decoder, transcribed step by step."""

    def __init__(self, state: int, divisor: int = 4) -> None:
        self.state = state
        self.sub_count = 0
        self.position = 0
        self.divisor = divisor

    def update(self, new_state: int) -> None:
        self.sub_count += TRANSITIONS[(self.state << 2) | new_state]
        self.state = new_state
        if self.sub_count >= self.divisor:
            self.position += 1
            self.sub_count = 0
        elif self.sub_count <= -self.divisor:
            self.position -= 1
            self.sub_count = 0


def attach_encoder(sim, **options):
    return sim.attach(RotaryEncoder(**options), pin_a="D5", pin_b="D6")


def state_of(sim) -> int:
    return (int(sim.pin("D5").level) << 1) | int(sim.pin("D6").level)


def test_detents_count_up_clockwise_and_down_counterclockwise(sim):
    import board
    import rotaryio

    knob = attach_encoder(sim)
    enc = rotaryio.IncrementalEncoder(board.D5, board.D6)
    assert enc.position == 0
    assert enc.divisor == 4
    knob.clockwise(3)
    assert enc.position == 3
    knob.counterclockwise(5)
    assert enc.position == -2
    knob.turn(2)
    assert enc.position == 0
    assert knob.quarter_steps == 0


def test_the_encoder_enables_pull_ups_and_sees_real_gray_code(sim):
    import board
    import rotaryio

    knob = attach_encoder(sim)
    enc = rotaryio.IncrementalEncoder(board.D5, board.D6)
    assert sim.pin("D5").pull == "up" and sim.pin("D6").pull == "up"
    # At a detent both contacts are open, so the pull-ups read high.
    assert state_of(sim) == 0b11
    before = len(sim.pin("D5").history), len(sim.pin("D6").history)
    states = []
    for _ in range(4):
        knob.step(1)
        states.append(state_of(sim))
    assert states == [0b01, 0b00, 0b10, 0b11]  # A leads B clockwise
    # Each quarter step changed exactly one pin: two changes per pin per detent.
    after = len(sim.pin("D5").history), len(sim.pin("D6").history)
    assert (after[0] - before[0], after[1] - before[1]) == (2, 2)
    assert enc.position == 1


def test_encoder_part_from_the_catalog(sim):
    import board
    import rotaryio

    knob = sim.add("RotaryEncoder", name="knob", pin_a="D5", pin_b="D6", pulses_per_detent=2)
    enc = rotaryio.IncrementalEncoder(board.D5, board.D6, divisor=2)
    knob.clockwise(3)
    assert (knob.quarter_steps, knob.detents, enc.position) == (6, 3.0, 3)
    assert knob.phase == (True, True)  # a 2-pulse detent can rest with both contacts closed
    sim.detach("knob")
    assert state_of(sim) == 0b11
    with pytest.raises(ValueError, match="pulses_per_detent"):
        RotaryEncoder(pulses_per_detent=0)
    with pytest.raises(RuntimeError, match="not attached"):
        RotaryEncoder().clockwise()


def test_part_with_contacts_to_vcc_needs_pull_downs(sim):
    import board
    import digitalio

    knob = attach_encoder(sim, active_low=False)
    a = digitalio.DigitalInOut(board.D5)
    b = digitalio.DigitalInOut(board.D6)
    a.pull = b.pull = digitalio.Pull.DOWN
    assert (a.value, b.value) == (False, False)
    knob.step(1)
    assert (a.value, b.value) == (True, False)
    knob.step(1)
    assert (a.value, b.value) == (True, True)


def test_half_turns_do_not_count_and_hysteresis_holds_the_position(sim):
    import board
    import rotaryio

    knob = attach_encoder(sim)
    enc = rotaryio.IncrementalEncoder(board.D5, board.D6)
    knob.step(2)
    assert enc.position == 0
    knob.step(-2)
    assert enc.position == 0
    knob.step(3)
    assert enc.position == 0
    knob.step(1)
    assert enc.position == 1
    # One quarter step back from a detent does not count down yet (sub-count -1)...
    knob.step(-1)
    assert enc.position == 1
    # ...the detent is only left behind after a whole detent's worth of steps.
    knob.step(-3)
    assert enc.position == 0


@pytest.mark.parametrize(("divisor", "expected"), [(1, 8), (2, 4), (4, 2)])
def test_divisor(sim, divisor, expected):
    import board
    import rotaryio

    knob = attach_encoder(sim)
    enc = rotaryio.IncrementalEncoder(board.D5, board.D6, divisor=divisor)
    assert enc.divisor == divisor
    knob.clockwise(2)
    assert enc.position == expected


def test_changing_the_divisor_keeps_the_sub_count(sim):
    import board
    import rotaryio

    knob = attach_encoder(sim)
    enc = rotaryio.IncrementalEncoder(board.D5, board.D6)
    knob.step(2)
    assert enc.position == 0
    enc.divisor = 1
    assert enc.divisor == 1
    # CircuitPython keeps sub_count == 2: the next step reaches the divisor and counts once.
    knob.step(1)
    assert enc.position == 1
    knob.step(1)
    assert enc.position == 2


def test_setting_position_keeps_progress_towards_the_next_detent(sim):
    import board
    import rotaryio

    knob = attach_encoder(sim)
    enc = rotaryio.IncrementalEncoder(board.D5, board.D6)
    knob.step(3)
    enc.position = 10
    assert enc.position == 10
    knob.step(1)
    assert enc.position == 11
    enc.position = -5
    knob.counterclockwise(1)
    assert enc.position == -6
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        enc.position = 1.5


def test_glitches_that_skip_a_state_are_ignored(sim):
    import board
    import rotaryio

    a, b = sim.pin("D5"), sim.pin("D6")
    # A short between the lines: whenever A falls, B falls with it before anyone else looks.
    a.on_change(lambda pin, level, when: b.set_external(False if not level else None))
    enc = rotaryio.IncrementalEncoder(board.D5, board.D6, divisor=1)
    a.set_external(False)  # 11 -> 00: not a Gray-code transition
    assert state_of(sim) == 0b00
    assert enc.position == 0
    a.set_external(None)  # 00 -> 11: neither
    assert enc.position == 0


def test_transition_table_counts_single_bit_changes_only():
    for old in range(4):
        for new in range(4):
            increment = TRANSITIONS[(old << 2) | new]
            flipped = bin(old ^ new).count("1")
            assert (increment != 0) == (flipped == 1), (old, new)
    # Clockwise (A leads): 11 -> 01 -> 00 -> 10 -> 11 counts up.
    cycle = [0b11, 0b01, 0b00, 0b10, 0b11]
    assert [TRANSITIONS[(x << 2) | y] for x, y in itertools.pairwise(cycle)] == [1] * 4


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.tuples(st.just("step"), st.integers(-9, 9)),
            st.tuples(st.just("divisor"), st.integers(-2, 5)),
            st.tuples(st.just("position"), st.integers(-50, 50)),
        ),
        max_size=25,
    )
)
def test_position_matches_circuitpythons_soft_encoder(ops):
    from protoboard import machine
    from protoboard.testing import activated

    with activated(machine.create("sim")) as target:
        import board
        import rotaryio

        sim = target.backend
        knob = attach_encoder(sim)
        enc = rotaryio.IncrementalEncoder(board.D5, board.D6)
        model = SoftEncoder(state_of(sim))
        for op, value in ops:
            if op == "step":
                # Monotonic runs between reads: the binding sees one net count per read.
                for _ in range(abs(value)):
                    knob.step(1 if value > 0 else -1)
                    model.update(state_of(sim))
            elif op == "divisor":
                enc.divisor = value
                model.divisor = value
            else:
                enc.position = value
                model.position = value
            assert enc.position == model.position


@given(st.integers(-20, 20), st.integers(-9, 9), st.integers(-3, 7), st.integers(-40, 40))
def test_advance_equals_single_steps(position, sub_count, divisor, steps):
    expected = (position, sub_count)
    for _ in range(abs(steps)):
        expected = _step(*expected, divisor, 1 if steps > 0 else -1)
    assert _advance(position, sub_count, divisor, steps) == expected


def test_errors(sim):
    import board
    import digitalio
    import rotaryio

    with pytest.raises(TypeError, match="^pin_a must be of type Pin, not int$"):
        rotaryio.IncrementalEncoder(5, board.D6)
    with pytest.raises(TypeError, match="^pin_b must be of type Pin, not NoneType$"):
        rotaryio.IncrementalEncoder(board.D5, None)
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        rotaryio.IncrementalEncoder(board.D5, board.D6, divisor=2.0)
    held = digitalio.DigitalInOut(board.D6)
    with pytest.raises(ValueError, match="^D6 in use$"):
        rotaryio.IncrementalEncoder(board.D5, board.D6)
    # The failed constructor did not keep D5.
    digitalio.DigitalInOut(board.D5).deinit()
    held.deinit()
    enc = rotaryio.IncrementalEncoder(board.D5, board.D6)
    with pytest.raises(TypeError, match="^can't convert str to int$"):
        enc.divisor = "2"
    assert enc.divisor == 4


def test_deinit_releases_pins_and_blocks_use(sim):
    import board
    import digitalio
    import rotaryio

    knob = attach_encoder(sim)
    enc = rotaryio.IncrementalEncoder(board.D5, board.D6)
    enc.deinit()
    enc.deinit()  # idempotent
    for action in (
        lambda: enc.position,
        lambda: enc.divisor,
        lambda: setattr(enc, "position", 1),
        lambda: setattr(enc, "divisor", 1),
    ):
        with pytest.raises(ValueError) as info:
            action()
        assert str(info.value) == DEINIT
    assert sim.pin("D5").mode == "unused"
    knob.clockwise()  # turning a released encoder is harmless
    with digitalio.DigitalInOut(board.D5), rotaryio.IncrementalEncoder(board.D6, board.D7):
        pass


def test_context_manager_and_module_name(sim):
    import board
    import rotaryio

    with rotaryio.IncrementalEncoder(board.D5, board.D6) as enc:
        assert enc.position == 0
    with pytest.raises(ValueError, match="deinitialized"):
        enc.position  # noqa: B018
    assert rotaryio.IncrementalEncoder.__module__ == "rotaryio"
    # Position is relative to construction: a new encoder starts at 0 whatever came before.
    knob = attach_encoder(sim)
    knob.clockwise(2)
    assert rotaryio.IncrementalEncoder(board.D5, board.D6).position == 0
