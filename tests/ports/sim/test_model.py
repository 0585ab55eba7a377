"""The simulator model itself: pins, wiring, catalog parts."""

import pytest


def test_add_builds_catalog_parts_and_splits_wiring_from_options(sim):
    led = sim.add("LED", name="green", pin="D5", color="green")
    assert led.color == "green" and led.connections == {"pin": "GPIO5"}
    assert sim.part("green") is led
    with pytest.raises(ValueError, match="already attached"):
        sim.add("LED", name="green", pin="D6")
    with pytest.raises(ValueError, match="unknown part type 'Lamp'"):
        sim.add("Lamp", pin="D6")
    with pytest.raises(ValueError, match="needs pins for: pin="):
        sim.add("LED", name="loose")


def test_unknown_pin_lists_the_board_pins(sim):
    with pytest.raises(KeyError, match="has no pin 'D99'"):
        sim.pin("D99")


def test_history_and_listeners(sim):
    pin = sim.pin("D7")
    seen = []
    stop = pin.on_change(lambda p, level, when: seen.append(level))
    pin.set_external(True)
    pin.set_external(None)
    stop()
    pin.set_external(True)
    assert seen == [True, False]
    assert pin.levels[-3:] == [True, False, True]
    times = [t for t, _ in pin.history]
    assert times == sorted(times)


def test_potentiometer_drives_the_pin_voltage(sim):
    knob = sim.add("Potentiometer", pin="A2", position=0.25)
    assert sim.pin("A2").voltage == pytest.approx(0.825)
    with pytest.raises(ValueError, match="between 0.0 and 1.0"):
        knob.position = 2


def test_onboard_parts_exist(sim):
    assert {"LED", "BUTTON", "NEOPIXEL"} <= set(sim.parts)
    with pytest.raises(KeyError, match="attached: BUTTON, LED, NEOPIXEL"):
        sim.part("OLED")
