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


def test_the_port_digitalinout_writes_through_its_own_set_value(sim_machine):
    from protoboard.hal.digitalio import DigitalInOut, DriveMode
    from protoboard.ports.sim.digitalio import DigitalInOut as SimDigitalInOut

    dio = sim_machine.create(DigitalInOut, "GPIO5")
    assert type(dio) is SimDigitalInOut
    assert "set_value" not in vars(dio)  # the class's method runs, not a per-object shortcut
    dio.switch_to_output(False, DriveMode.PUSH_PULL)
    seen = []
    sim_machine.backend.simulated_world().pin("D5").on_change(lambda p, lvl, t: seen.append(lvl))
    dio.set_value(True)
    dio.set_value(True)
    dio.set_value(False)
    assert seen == [True, False] and dio.get_value() is False
    dio.switch_to_output(True, DriveMode.OPEN_DRAIN)  # open drain: high lets the line float
    dio.set_value(False)
    assert seen[-1] is False
    dio.deinit()


def test_the_simulator_is_its_own_simulated_world(sim_machine, sim):
    assert sim_machine.backend.simulated_world() is sim
    assert sim.pins["GPIO5"] is sim.pin("D5")
