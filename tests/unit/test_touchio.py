"""touchio.TouchIn on the simulated board: TouchPad parts, touch pins, CircuitPython's errors."""

from __future__ import annotations

import dataclasses

import pytest

from protoboard import machine
from protoboard.ports.sim.parts.touch import TouchPad
from protoboard.testing import activated

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


def test_touching_the_pad_sets_value(sim):
    import board
    import touchio

    pad = sim.add("TouchPad", pin="A1")
    touch = touchio.TouchIn(board.A1)
    assert touch.raw_value == 500
    assert touch.threshold == 600  # the first reading + 100, as a touch peripheral sets it
    assert touch.value is False
    pad.touched = True
    assert touch.raw_value == 2000
    assert touch.value is True
    pad.raw_value = 600  # value is raw_value > threshold
    assert touch.value is False
    pad.raw_value = 601
    assert touch.value is True
    pad.release()
    assert touch.value is False
    assert sim.pin("A1").mode == "touchio"
    touch.deinit()
    assert sim.pin("A1").mode == "unused"


def test_threshold_is_adjustable(sim):
    import board
    import touchio

    pad = sim.attach(TouchPad(name="PAD", untouched_raw=7000, touched_raw=7200), pin="A2")
    with touchio.TouchIn(board.A2) as touch:
        touch.threshold = 7300
        pad.touch()
        assert touch.value is False
        touch.threshold = 7100
        assert touch.value is True


def test_a_touch_pin_with_no_pad_reads_a_bare_pin(sim):
    import board
    import touchio

    with touchio.TouchIn(board.A3) as touch:
        assert touch.value is False
        assert touch.raw_value == 500


def test_a_program_sees_the_touch(sim, run_code, capsys):
    # Touched while TouchIn starts: the threshold is set above the touched reading, as on a
    # board, so the program sets its own.
    sim.add("TouchPad", pin="A4", touched=True)
    code = (
        "import board, touchio\n"
        "touch = touchio.TouchIn(board.A4)\n"
        "print(touch.threshold, touch.value)\n"
        "touch.threshold = 1000\n"
        "print(touch.raw_value, touch.value)\n"
    )
    result = run_code(code)
    assert result.ok, result.traceback
    assert capsys.readouterr().out.split() == ["2100", "False", "2000", "True"]


def _portable_board():
    """The default board as if its chip had no touch hardware (an RP2040): every pin uses the
    portable method through a 1 MΩ resistor."""
    base = machine.create("sim").board
    every = frozenset(base.pins)
    capabilities = {**base.capabilities, "touch": frozenset(), "touch_resistor": every}
    board = dataclasses.replace(base, capabilities=capabilities)
    return machine.Machine(machine.create("sim").port, board)


def test_portable_method_needs_the_resistor_named_by_pull():
    with activated(_portable_board()) as target:
        import board
        import digitalio
        import touchio

        sim = target.backend.simulated_world()
        with pytest.raises(ValueError, match="^No pulldown on pin; 1Mohm recommended$"):
            touchio.TouchIn(board.D5)
        assert sim.pin("D5").mode == "unused"  # the pin is given back
        sim.add("TouchPad", pin="D5", resistor="up")
        with pytest.raises(ValueError, match="^No pulldown on pin; 1Mohm recommended$"):
            touchio.TouchIn(board.D5)
        touch = touchio.TouchIn(board.D5, pull=digitalio.Pull.UP)
        assert touch.threshold == int(500 * 1.05 + 100)  # shared-module/touchio's formula
        sim.part("TouchPad").touched = True
        assert touch.value is True
        touch.deinit()
        sim.add("TouchPad", name="P6", pin="D6", resistor=None)
        with pytest.raises(ValueError, match="^No pullup on pin; 1Mohm recommended$"):
            touchio.TouchIn(board.D6, pull=digitalio.Pull.UP)


@pytest.mark.hostile
def test_errors_as_on_a_board(sim):
    import board
    import touchio

    with pytest.raises(ValueError, match="^Invalid pin$"):
        touchio.TouchIn(board.D5)  # not a touch pin on this board
    assert sim.pin("D5").mode == "unused"
    with pytest.raises(TypeError, match="^pin must be of type Pin, not str$"):
        touchio.TouchIn("A1")
    with pytest.raises(TypeError, match="^pull must be of type Pull or None, not int$"):
        touchio.TouchIn(board.A1, pull=1)
    touch = touchio.TouchIn(board.A1)
    with pytest.raises(ValueError, match="^A1 in use$"):
        touchio.TouchIn(board.A1)
    for bad in (-1, 65536):
        with pytest.raises(ValueError, match="^threshold must be 0-65535$"):
            touch.threshold = bad
    with pytest.raises(TypeError, match="^can't convert float to int$"):
        touch.threshold = 1.5
    with pytest.raises(AttributeError):
        touch.value = True  # read-only
    touch.deinit()
    touch.deinit()
    for name in ("value", "raw_value", "threshold"):
        with pytest.raises(ValueError, match=DEINIT):
            getattr(touch, name)


@pytest.mark.hostile
def test_touch_pad_rejects_bad_settings(sim):
    pad = sim.add("TouchPad", pin="A5")
    with pytest.raises(ValueError, match="between 0 and 65535"):
        pad.raw_value = 70000
    with pytest.raises(TypeError, match="True or False"):
        pad.touched = "yes"
    with pytest.raises(ValueError, match="resistor must be"):
        TouchPad(resistor="sideways")


def test_a_real_board_pinout_allows_touch_on_any_pin():
    from protoboard.testing import simulated_board

    with simulated_board("feather_m0_express") as board_sim:
        import board
        import touchio

        board_sim.add("TouchPad", pin="A1", touched=True)
        with touchio.TouchIn(board.A1) as touch:
            assert touch.raw_value == 2000
