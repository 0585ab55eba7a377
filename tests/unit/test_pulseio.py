"""pulseio on the simulated board: PulseIn over timed parts, PulseOut, CircuitPython's errors."""

from __future__ import annotations

import array
import itertools
import time

import pytest

from protoboard.ports.sim.parts.base import Part
from protoboard.ports.sim.parts.dht import DHT11, DHT22
from protoboard.ports.sim.parts.hcsr04 import HCSR04
from protoboard.ports.sim.parts.irremote import IRRemote

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


class Source(Part):
    kind = "Source"
    roles = ("pin",)


def wait_for(pulses, count: int) -> None:
    deadline = time.monotonic() + 5
    while len(pulses) < count and time.monotonic() < deadline:
        time.sleep(0.001)


def test_pulsein_measures_a_waveform_exactly(sim):
    import board
    import pulseio

    source = sim.attach(Source(), pin="D5")
    pulses = pulseio.PulseIn(board.D5, maxlen=10)
    source.play("pin", [(True, 1234), (False, 4321), (True, 77)], delay_us=200, after=False)
    wait_for(pulses, 3)
    assert [pulses[0], pulses[1], pulses[2]] == [1234, 4321, 77]
    assert pulses[-1] == 77 and len(pulses) == 3 and bool(pulses)
    assert pulses.popleft() == 1234
    pulses.pause()
    assert pulses.paused
    pulses.clear()
    assert len(pulses) == 0 and not pulses


def test_pulsein_keeps_the_newest_maxlen(sim):
    import board
    import pulseio

    source = sim.attach(Source(), pin="D5")
    pulses = pulseio.PulseIn(board.D5, maxlen=3)
    source.play("pin", [(True, 100), (False, 200), (True, 300), (False, 400)], after=True)
    wait_for(pulses, 3)
    time.sleep(0.002)
    assert [pulses[i] for i in range(3)] == [200, 300, 400]
    assert pulses.maxlen == 3


def test_long_pulses_read_65535(sim):
    import board
    import pulseio

    source = sim.attach(Source(), pin="D5")
    pulses = pulseio.PulseIn(board.D5)
    source.play("pin", [(True, 70_000)], after=False)
    wait_for(pulses, 1)
    assert pulses[0] == 65535


def test_trigger_pulse_wakes_a_dht22(sim):
    import board
    import pulseio

    part = sim.attach(DHT22(temperature=-10.1, humidity=99.9), pin="D9")
    pulses = pulseio.PulseIn(board.D9, maxlen=81, idle_state=True)
    pulses.pause()
    pulses.resume(1000)
    time.sleep(0.02)
    pulses.pause()
    assert len(pulses) == 81 and part.readings == 1
    highs = [pulses[i] for i in range(1, 81, 2)]
    bits = "".join("1" if h > 51 else "0" for h in highs)
    data = int(bits, 2).to_bytes(5, "big")
    assert data == part.data()
    assert data[:2] == (999).to_bytes(2, "big") and data[2:4] == (0x8000 | 101).to_bytes(2, "big")


def test_dht11_ignores_a_short_start_pulse(sim):
    import board
    import pulseio

    part = sim.attach(DHT11(), pin="D9")
    pulses = pulseio.PulseIn(board.D9, maxlen=81, idle_state=True)
    pin = sim.pin("D9")
    before = len(pin.history)
    pulses.resume(1000)  # a DHT11 needs 18 ms
    time.sleep(0.01)
    (fell, low), (rose, high) = list(pin.history)[before : before + 2]
    assert (low, high) == (False, True)
    # The host held the line low for at least 1 ms; a busy computer may have held it longer,
    # and the sensor answers exactly when the line was low long enough.
    answered = rose - fell >= 18_000_000
    assert part.readings == int(answered)
    assert len(pulses) == (81 if answered else 0)


def test_hcsr04_echo_width(sim):
    import board
    import digitalio
    import pulseio

    part = sim.attach(HCSR04(distance_cm=200), trigger="D5", echo="D6")
    trigger = digitalio.DigitalInOut(board.D5)
    trigger.switch_to_output(False)
    echo = pulseio.PulseIn(board.D6)
    trigger.value = True
    time.sleep(0.00002)
    trigger.value = False
    wait_for(echo, 1)
    assert echo[0] == int(part.echo_us)
    assert part.pings == 1


def test_ir_frame_pulses(sim):
    import board
    import pulseio

    remote = sim.attach(IRRemote(), pin="D11")
    pulses = pulseio.PulseIn(board.D11, maxlen=120, idle_state=True)
    remote.press(0x00FF00FF)
    wait_for(pulses, 67)
    assert [pulses[0], pulses[1], pulses[2]] == [9000, 4500, 562]
    # bit k's space is pulses[3 + 2k]: byte 0 (0x00) ends at k=7, byte 1 (0xFF) starts at k=8
    assert pulses[17] == 562 and pulses[19] == 1687
    remote.repeat()
    wait_for(pulses, 67 + 3)


def test_pulseout_sends_its_train(sim):
    import board
    import pulseio

    out = pulseio.PulseOut(board.D6, frequency=38000, duty_cycle=2**15)
    start = time.monotonic_ns()
    out.send(array.array("H", [500, 1000, 500]))
    assert time.monotonic_ns() - start >= 2_000_000  # send() returns when all was sent
    pin = sim.pin("D6")
    edges = list(pin.history)[-4:]
    widths = [(b[0] - a[0]) // 1000 for a, b in itertools.pairwise(edges)]
    assert [level for _, level in edges] == [True, False, True, False]
    assert widths == [500, 1000, 500]
    assert pin.pwm == (2**15, 38000)


@pytest.mark.hostile
def test_errors_as_circuitpython(sim):
    import board
    import pulseio

    pulses = pulseio.PulseIn(board.D5)
    with pytest.raises(IndexError, match="^pop from empty PulseIn$"):
        pulses.popleft()
    with pytest.raises(IndexError, match="^PulseIn index out of range$"):
        pulses[0]
    with pytest.raises(NotImplementedError, match="Slices not supported"):
        pulses[0:1]
    with pytest.raises(ValueError, match="trigger_duration must be 0-65535"):
        pulses.resume(-1)
    with pytest.raises(ValueError, match="D5 in use"):
        pulseio.PulseIn(board.D5)
    with pytest.raises(ValueError, match="maxlen must be 1-65535"):
        pulseio.PulseIn(board.D6, maxlen=0)
    pulses.deinit()
    with pytest.raises(ValueError, match=DEINIT):
        len(pulses)
    out = pulseio.PulseOut(board.D7)
    with pytest.raises(TypeError, match=r"Array must contain halfwords \(type 'H'\)"):
        out.send(array.array("B", [1, 2]))
    with pytest.raises(TypeError, match="object with buffer protocol required"):
        out.send([1, 2])
    with pytest.raises(ValueError, match="Invalid frequency"):
        pulseio.PulseOut(board.D8, frequency=0)


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("part", "attribute", "value", "message"),
    [
        (HCSR04, "distance_cm", 500, "measures 2 to 400 cm"),
        (HCSR04, "distance_cm", "far", "number of centimetres"),
        (DHT22, "temperature", 81, "-40 to 80"),
        (DHT11, "humidity", 10, "20 to 90"),
    ],
)
def test_part_settings_out_of_range_are_refused(part, attribute, value, message):
    sensor = part()
    before = getattr(sensor, attribute)
    with pytest.raises((ValueError, TypeError), match=message):
        setattr(sensor, attribute, value)
    assert getattr(sensor, attribute) == before


@pytest.mark.hostile
def test_ir_press_refuses_a_bad_code(sim):
    remote = sim.attach(IRRemote(), pin="D11")
    with pytest.raises(ValueError, match="press\\(\\) takes the code's bytes"):
        remote.press("power")
    with pytest.raises(ValueError, match="32 bits"):
        remote.press(1 << 40)
