"""Unmodified Adafruit drivers against the timed parts: adafruit_hcsr04 (pulseio), adafruit_dht
(a trigger pulse and PulseIn), adafruit_irremote (NEC frames) and adafruit_ds18x20 over
adafruit_onewire (two sensors on one bus)."""

from __future__ import annotations

import time

import pytest

from protoboard.ports.sim.parts.dht import DHT11, DHT22
from protoboard.ports.sim.parts.ds18b20 import DS18B20
from protoboard.ports.sim.parts.hcsr04 import HCSR04
from protoboard.ports.sim.parts.irremote import IRRemote

pytestmark = pytest.mark.network


def test_hcsr04_reads_150_cm_within_1_percent_every_time(sim, drivers) -> None:
    sim.attach(HCSR04(distance_cm=150.0), trigger="D5", echo="D6")
    import adafruit_hcsr04
    import board

    with adafruit_hcsr04.HCSR04(trigger_pin=board.D5, echo_pin=board.D6) as sonar:
        readings = [sonar.distance for _ in range(25)]
    assert all(abs(cm - 150.0) <= 1.5 for cm in readings), readings


@pytest.mark.parametrize("distance", [2.0, 37.5, 250.0, 400.0])
def test_hcsr04_follows_the_part(sim, drivers, distance: float) -> None:
    part = sim.attach(HCSR04(distance_cm=distance), trigger="D5", echo="D6")
    import adafruit_hcsr04
    import board

    sonar = adafruit_hcsr04.HCSR04(trigger_pin=board.D5, echo_pin=board.D6)
    assert sonar.distance == pytest.approx(distance, rel=0.01, abs=0.02)
    assert part.pings == 1


def test_dht22_temperature_and_humidity(sim, drivers) -> None:
    part = sim.attach(DHT22(temperature=-7.4, humidity=63.2), pin="D9")
    import adafruit_dht
    import board

    sensor = adafruit_dht.DHT22(board.D9)
    assert sensor.temperature == pytest.approx(-7.4)
    assert sensor.humidity == pytest.approx(63.2)
    part.temperature = 31.5
    sensor._last_called = 0  # the driver caches a reading for 2 s, as the sensor needs
    assert sensor.temperature == pytest.approx(31.5)
    assert part.readings == 2
    sensor.exit()


def test_dht11(sim, drivers) -> None:
    sim.attach(DHT11(temperature=24.0, humidity=40), pin="D10")
    import adafruit_dht
    import board

    sensor = adafruit_dht.DHT11(board.D10)
    assert (sensor.temperature, sensor.humidity) == (24.0, 40)


def test_dht_without_a_sensor_says_so(sim, drivers) -> None:
    import adafruit_dht
    import board

    sensor = adafruit_dht.DHT22(board.D9)
    with pytest.raises(RuntimeError, match="DHT sensor not found, check wiring"):
        sensor.measure()


def test_irremote_decodes_a_press(sim, drivers) -> None:
    remote = sim.attach(IRRemote(), pin="D11")
    import adafruit_irremote
    import board
    import pulseio

    pulses = pulseio.PulseIn(board.D11, maxlen=120, idle_state=True)
    decoder = adafruit_irremote.GenericDecode()
    for code in ((0x20, 0xDF, 0x10, 0xEF), (0x00, 0xFF, 0xA8, 0x57)):
        remote.press(code)
        received = decoder.read_pulses(pulses)
        assert tuple(decoder.decode_bits(received)) == code
    remote.repeat()
    received = decoder.read_pulses(pulses)
    with pytest.raises(adafruit_irremote.IRNECRepeatException):
        decoder.decode_bits(received)


def test_irremote_nonblocking_decoder(sim, drivers) -> None:
    remote = sim.attach(IRRemote(), pin="D11")
    import adafruit_irremote
    import board
    import pulseio

    pulses = pulseio.PulseIn(board.D11, maxlen=120, idle_state=True)
    decoder = adafruit_irremote.NonblockingGenericDecode(pulses)
    remote.press(0x807F40BF)
    time.sleep(0.1)
    assert list(decoder.read()) == []  # a whole frame, but no long pulse has ended it yet
    remote.press(0x807F40BF)  # the gap before this frame ends the first one
    time.sleep(0.1)
    messages = list(decoder.read())
    assert len(messages) == 1 and isinstance(messages[0], adafruit_irremote.IRMessage)
    assert tuple(messages[0].code) == (0x80, 0x7F, 0x40, 0xBF)


def test_ds18x20_reads_two_sensors_on_one_bus(sim, drivers) -> None:
    indoor = sim.attach(DS18B20(serial=0x0A0B0C, temperature=21.25, name="indoor"), pin="D4")
    outdoor = sim.attach(DS18B20(serial=0x010203, temperature=-4.5, name="outdoor"), pin="D4")
    import board
    from adafruit_ds18x20 import DS18X20
    from adafruit_onewire.bus import OneWireBus

    bus = OneWireBus(board.D4)
    found = bus.scan()
    assert sorted(bytes(d.rom) for d in found) == sorted([indoor.rom, outdoor.rom])
    sensors = {bytes(d.rom): DS18X20(bus, d) for d in found}
    assert sensors[indoor.rom].temperature == 21.25
    assert sensors[outdoor.rom].temperature == -4.5
    sensors[outdoor.rom].resolution = 9
    assert sensors[outdoor.rom].resolution == 9
    outdoor.temperature = 3.3
    assert sensors[outdoor.rom].temperature == 3.0  # 9 bits: half degrees, rounded down
    assert indoor.conversions == 1 and outdoor.conversions == 2
