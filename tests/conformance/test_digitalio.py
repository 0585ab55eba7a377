"""digitalio behaves as CircuitPython's on every port."""

import pytest

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


def test_output_drives_the_pin(port_machine, bench):
    import board
    import digitalio

    led = digitalio.DigitalInOut(board.D5)
    led.switch_to_output(value=True)
    assert led.value is True
    led.value = False
    assert bench.pin("D5").levels[-2:] == [True, False]


def test_switch_to_output_is_glitch_free(port_machine, bench):
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D6)
    before = len(bench.pin("D6").history)
    pin.switch_to_output(value=True)
    assert bench.pin("D6").levels[before:] == [True]  # straight to high, never low first


def test_input_pulls_and_button(port_machine, bench):
    import board
    import digitalio

    from protoboard.ports.sim.parts import Button

    button = bench.attach(Button(name="B"), pin="D9")
    pin = digitalio.DigitalInOut(board.D9)
    pin.switch_to_input(pull=digitalio.Pull.UP)
    assert pin.value is True
    button.press()
    assert pin.value is False
    button.release()
    pin.pull = digitalio.Pull.DOWN
    assert pin.value is False


def test_open_drain_reads_the_line(port_machine, bench):
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D10)
    pin.switch_to_output(value=True, drive_mode=digitalio.DriveMode.OPEN_DRAIN)
    bench.pin("D10").set_external(True)  # an external pull-up
    assert pin.value is True
    pin.value = False
    assert pin.value is False
    assert pin.drive_mode is digitalio.DriveMode.OPEN_DRAIN


def test_claims_and_aliases(port_machine):
    import board
    import digitalio

    led = digitalio.DigitalInOut(board.LED)
    with pytest.raises(ValueError, match="^D13 in use$"):
        digitalio.DigitalInOut(board.D13)  # the same pin under another name
    led.deinit()
    with digitalio.DigitalInOut(board.D13):
        pass


def test_deinit_rules(port_machine):
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D11)
    pin.deinit()
    for use in (lambda: pin.value, lambda: pin.direction, lambda: pin.switch_to_input()):
        with pytest.raises(ValueError) as info:
            use()
        assert str(info.value) == DEINIT


def test_a_failing_part_listener_is_named(port_machine, bench):
    import board
    import digitalio

    from protoboard.ports.sim.parts import Part

    class Fragile(Part):
        kind = "Fragile"
        roles = ("pin",)

        def on_attach(self):
            self.listen("pin", self.changed)

        def changed(self, pin, level, when):
            raise KeyError("boom")

    bench.attach(Fragile(name="fragile thing"), pin="D12")
    pin = digitalio.DigitalInOut(board.D12)
    pin.switch_to_output(value=False)
    with pytest.raises(RuntimeError, match="'fragile thing' failed reacting to pin D12: KeyError"):
        pin.value = True
    pin.value = True  # already high: no change, no listener, no error
