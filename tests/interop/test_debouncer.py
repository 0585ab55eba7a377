"""adafruit_debouncer + adafruit_ticks (unmodified) with the simulated push button.

Debouncing needs real time to pass, so each step polls ``update()`` until the expected state
shows up or a generous deadline expires; no test asserts how long anything took.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from protoboard.ports.sim.parts.basic import Button

pytestmark = pytest.mark.network

DEADLINE = 5.0


def poll(debouncer, condition: Callable[[], bool]) -> bool:
    """Call ``debouncer.update()`` until ``condition()`` holds; False if the deadline passed."""
    deadline = time.monotonic() + DEADLINE
    while time.monotonic() < deadline:
        debouncer.update()
        if condition():
            return True
        time.sleep(0.001)
    return False


def test_debouncer_on_the_board_button(sim, drivers) -> None:
    import adafruit_debouncer
    import board
    import digitalio

    button = sim.part("BUTTON")
    pin = digitalio.DigitalInOut(board.BUTTON)
    pin.switch_to_input(pull=digitalio.Pull.UP)
    switch = adafruit_debouncer.Debouncer(pin)
    switch.update()
    assert switch.value is True  # pulled up, not pressed
    for _ in range(3):
        button.press()
        assert poll(switch, lambda: switch.fell)
        assert switch.value is False
        assert not switch.rose
        button.release()
        assert poll(switch, lambda: switch.rose)
        assert switch.value is True
        assert not switch.fell


def test_button_helper_pressed_and_released(sim, drivers) -> None:
    button = sim.attach(Button(name="EXTERNAL"), pin="D6")
    import adafruit_debouncer
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D6)
    pin.switch_to_input(pull=digitalio.Pull.UP)
    switch = adafruit_debouncer.Button(pin)  # value_when_pressed=False: wired to ground
    presses = releases = 0
    for _ in range(2):
        button.press()
        assert poll(switch, lambda: switch.pressed)
        presses += 1
        assert not switch.released
        button.release()
        assert poll(switch, lambda: switch.released)
        releases += 1
        assert not switch.pressed
    assert (presses, releases) == (2, 2)
    assert sim.pin("D6").levels == [False, True, False, True, False, True]


def test_debouncer_on_a_function(sim, drivers) -> None:
    button = sim.attach(Button(name="HIGH_SIDE", active_low=False), pin="D7")
    import adafruit_debouncer
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.D7)
    pin.switch_to_input(pull=digitalio.Pull.DOWN)
    switch = adafruit_debouncer.Debouncer(lambda: pin.value)
    switch.update()
    assert switch.value is False
    button.press()
    assert poll(switch, lambda: switch.rose)
    assert switch.value is True
