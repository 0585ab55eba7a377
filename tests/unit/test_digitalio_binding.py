"""digitalio binding: validation, normalisation and delegation (recording port)."""

import pytest

from protoboard.hal import digitalio as hal

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


def test_constructed_as_input_with_no_pull(rec):
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D1)
    assert pin.direction is digitalio.Direction.INPUT
    assert pin.pull is None
    assert rec.calls("digitalio.DigitalInOut") == [("P1",)]


def test_switch_to_output_normalises_value_and_mode(rec):
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D1)
    pin.switch_to_output(value=7, drive_mode=digitalio.DriveMode.OPEN_DRAIN)
    assert rec.calls("digitalio.DigitalInOut", "switch_to_output") == [
        (True, hal.DriveMode.OPEN_DRAIN)
    ]
    assert pin.drive_mode is digitalio.DriveMode.OPEN_DRAIN
    pin.value = []  # falsy, as CircuitPython's truth test
    assert rec.calls("digitalio.DigitalInOut", "set_value")[-1] == (False,)


def test_direction_setter_uses_defaults(rec):
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D2)
    pin.direction = digitalio.Direction.OUTPUT
    assert rec.calls("digitalio.DigitalInOut", "switch_to_output") == [
        (False, hal.DriveMode.PUSH_PULL)
    ]
    pin.direction = digitalio.Direction.INPUT
    assert rec.calls("digitalio.DigitalInOut", "switch_to_input") == [(None,)]
    with pytest.raises(ValueError, match="^Invalid direction$"):
        pin.direction = "out"


def test_pull_is_passed_as_hal_value(rec):
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D3)
    pin.switch_to_input(pull=digitalio.Pull.DOWN)
    pin.pull = digitalio.Pull.UP
    pin.pull = None
    assert rec.calls("digitalio.DigitalInOut", "switch_to_input") == [(hal.Pull.DOWN,)]
    assert rec.calls("digitalio.DigitalInOut", "set_pull") == [(hal.Pull.UP,), (None,)]


@pytest.mark.parametrize(
    ("action", "exc", "message"),
    [
        (
            lambda p, d: setattr(p, "value", True),
            AttributeError,
            "Cannot set value when direction is input.",
        ),
        (lambda p, d: p.drive_mode, AttributeError, "Drive mode not used when direction is input."),
        (
            lambda p, d: setattr(p, "drive_mode", d.DriveMode.PUSH_PULL),
            AttributeError,
            "Drive mode not used when direction is input.",
        ),
        (
            lambda p, d: setattr(p, "pull", 1),
            TypeError,
            "pull must be of type Pull or None, not int",
        ),
        (
            lambda p, d: p.switch_to_input(pull="up"),
            TypeError,
            "pull must be of type Pull or None, not str",
        ),
        (
            lambda p, d: p.switch_to_output(drive_mode=None),
            TypeError,
            "drive_mode must be of type DriveMode, not NoneType",
        ),
    ],
)
def test_rules_as_input(rec, action, exc, message):
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D4)
    with pytest.raises(exc) as info:
        action(pin, digitalio)
    assert str(info.value) == message


def test_pull_not_used_as_output(rec):
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D4)
    pin.switch_to_output()
    with pytest.raises(AttributeError, match="^Pull not used when direction is output.$"):
        _ = pin.pull
    with pytest.raises(AttributeError, match="^Pull not used when direction is output.$"):
        pin.pull = digitalio.Pull.UP


def test_pin_type_and_claims(rec):
    import board
    import digitalio

    with pytest.raises(TypeError, match="^pin must be of type Pin, not int$"):
        digitalio.DigitalInOut(13)
    first = digitalio.DigitalInOut(board.D5)
    with pytest.raises(ValueError, match="^D5 in use$"):
        digitalio.DigitalInOut(board.D5)
    first.deinit()
    first.deinit()  # idempotent
    assert rec.calls("digitalio.DigitalInOut", "deinit") == [()]
    digitalio.DigitalInOut(board.D5)


@pytest.mark.parametrize(
    "use",
    [
        lambda p: p.value,
        lambda p: setattr(p, "value", 1),
        lambda p: p.direction,
        lambda p: p.switch_to_output(),
        lambda p: p.switch_to_input(),
        lambda p: p.pull,
    ],
)
def test_use_after_deinit(rec, use):
    import board
    import digitalio

    with digitalio.DigitalInOut(board.D6) as pin:
        pass
    with pytest.raises(ValueError) as info:
        use(pin)
    assert str(info.value) == DEINIT


def test_construction_failure_releases_the_pin(rec):
    import board
    import digitalio

    from protoboard.hal.errors import InvalidPin

    rec.fail[("digitalio.DigitalInOut", "__init__")] = InvalidPin("P7")
    with pytest.raises(ValueError, match="^Invalid pin$"):
        digitalio.DigitalInOut(board.D7)
    del rec.fail[("digitalio.DigitalInOut", "__init__")]
    digitalio.DigitalInOut(board.D7)  # the claim was given back


def test_enums_are_singletons_with_circuitpython_reprs(rec):
    import digitalio

    assert repr(digitalio.Direction.OUTPUT) == "digitalio.Direction.OUTPUT"
    assert repr(digitalio.Pull.UP) == "digitalio.Pull.UP"
    assert repr(digitalio.DriveMode.OPEN_DRAIN) == "digitalio.DriveMode.OPEN_DRAIN"
    with pytest.raises(TypeError):
        digitalio.Direction()
    assert digitalio.DigitalInOut.__module__ == "digitalio"


def test_declared_capabilities_are_enforced(rec, monkeypatch):
    """A port without pull-downs or open drain says so as data; the binding refuses cleanly."""
    import board
    import digitalio
    import recording

    limited = hal.DigitalCapabilities(pull_up=True, pull_down=False, open_drain=False)
    monkeypatch.setattr(recording.DigitalInOut, "capabilities", limited)
    pin = digitalio.DigitalInOut(board.D1)
    pin.switch_to_input(pull=digitalio.Pull.UP)
    with pytest.raises(ValueError, match="^Invalid pull$"):
        pin.switch_to_input(pull=digitalio.Pull.DOWN)
    with pytest.raises(ValueError, match="^Invalid pull$"):
        pin.pull = digitalio.Pull.DOWN
    with pytest.raises(ValueError, match="^Invalid drive_mode$"):
        pin.switch_to_output(drive_mode=digitalio.DriveMode.OPEN_DRAIN)
    pin.switch_to_output()
    with pytest.raises(ValueError, match="^Invalid drive_mode$"):
        pin.drive_mode = digitalio.DriveMode.OPEN_DRAIN
    assert rec.calls("digitalio.DigitalInOut", "set_pull") == []
    assert rec.calls("digitalio.DigitalInOut", "set_drive_mode") == []


def test_unknown_bus_pins_explained():
    from protoboard.testing import simulated_board

    with simulated_board("raspberry_pi_pico"):
        import board

        with pytest.raises(NotImplementedError, match=r"which pins board.STEMMA_I2C\(\) uses"):
            board.STEMMA_I2C()
