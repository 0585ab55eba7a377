"""adafruit_bme280 (unmodified) against the simulated BME280."""

from __future__ import annotations

import math
import time

import pytest

from protoboard.ports.sim.parts.bme280 import BME280

pytestmark = pytest.mark.network

CONDITIONS = [
    (22.0, 45.0, 1013.25),
    (-12.5, 8.0, 850.0),
    (37.25, 93.5, 1095.0),
    (0.0, 50.0, 301.5),
    (84.0, 0.5, 1000.0),
]


@pytest.mark.parametrize(("temperature", "humidity", "pressure"), CONDITIONS)
def test_driver_reads_the_set_conditions(
    sim, drivers, temperature: float, humidity: float, pressure: float
) -> None:
    part = sim.attach(BME280())
    import board
    from adafruit_bme280 import basic

    sensor = basic.Adafruit_BME280_I2C(board.I2C())
    part.temperature = temperature
    part.humidity = humidity
    part.pressure = pressure
    # x1 temperature oversampling gives 16-bit results: about 0.005 °C per step
    assert sensor.temperature == pytest.approx(temperature, abs=0.006)
    assert sensor.relative_humidity == pytest.approx(humidity, abs=0.005)
    assert sensor.pressure == pytest.approx(pressure, abs=0.002)
    sensor.sea_level_pressure = 1013.25
    expected_altitude = 44330 * (1.0 - math.pow(pressure / 1013.25, 0.1903))
    assert sensor.altitude == pytest.approx(expected_altitude, abs=0.05)
    assert part.mode == "sleep"  # forced measurements return the chip to sleep


def test_chip_id_calibration_and_defaults(sim, drivers) -> None:
    part = sim.attach(BME280())
    import board
    from adafruit_bme280 import basic

    sensor = basic.Adafruit_BME280_I2C(board.I2C())
    assert sensor._temp_calib == [27504.0, 26435.0, -1000.0]
    assert sensor._humidity_calib == [75, 362.0, 0.0, 313.0, 50.0, 30.0]
    assert sensor.temperature == pytest.approx(22.0, abs=0.006)
    assert sensor.humidity == pytest.approx(45.0, abs=0.005)
    assert sensor.pressure == pytest.approx(1013.25, abs=0.002)
    assert sensor.altitude == pytest.approx(0.0, abs=0.05)
    assert part.measurements == 4
    # the driver wrote x1 humidity and temperature, x16 pressure, forced mode
    assert part.registers[0xF2] == 0x01
    assert part.registers[0xF4] & 0xFC == (0x01 << 5) | (0x05 << 2)


def test_higher_oversampling_gives_finer_temperature(sim, drivers) -> None:
    part = sim.attach(BME280())
    import board
    from adafruit_bme280 import advanced

    sensor = advanced.Adafruit_BME280_I2C(board.I2C())
    sensor.overscan_temperature = advanced.OVERSCAN_X16
    part.temperature = 23.4567
    assert sensor.temperature == pytest.approx(23.4567, abs=0.0005)


def test_normal_mode_follows_changes(sim, drivers) -> None:
    part = sim.attach(BME280())
    import board
    from adafruit_bme280 import basic

    sensor = basic.Adafruit_BME280_I2C(board.I2C())
    sensor.mode = basic.MODE_NORMAL
    for value in (18.0, 31.5, -5.0):
        part.temperature = value
        # the chip converts periodically: poll until a conversion has picked the change up
        deadline = time.monotonic() + 10.0
        reading = sensor.temperature
        while abs(reading - value) > 0.006 and time.monotonic() < deadline:
            time.sleep(0.01)
            reading = sensor.temperature
        assert reading == pytest.approx(value, abs=0.006)
    assert part.mode == "normal"


def test_alternate_address(sim, drivers) -> None:
    sim.attach(BME280(address=0x76, temperature=30.0))
    import board
    from adafruit_bme280 import basic

    with pytest.raises(ValueError, match="No I2C device at address: 0x77"):
        basic.Adafruit_BME280_I2C(board.I2C())
    sensor = basic.Adafruit_BME280_I2C(board.I2C(), address=0x76)
    assert sensor.temperature == pytest.approx(30.0, abs=0.006)


def test_spi_variant(sim, drivers) -> None:
    from protoboard.ports.sim.parts.bme280 import BME280SPI

    part = sim.attach(BME280SPI(pressure=990.0), cs="D10")
    import board
    import digitalio
    from adafruit_bme280 import basic

    cs = digitalio.DigitalInOut(board.D10)
    sensor = basic.Adafruit_BME280_SPI(board.SPI(), cs)
    part.temperature = 12.0
    assert sensor.temperature == pytest.approx(12.0, abs=0.006)
    assert sensor.pressure == pytest.approx(990.0, abs=0.002)


def test_code_py_with_lib_folder(sim, run_code, adafruit_libs, capsys) -> None:
    sim.attach(BME280(temperature=26.5, humidity=61.0, pressure=1002.0))
    result = run_code(
        """
        import board
        from adafruit_bme280 import basic as adafruit_bme280
        bme280 = adafruit_bme280.Adafruit_BME280_I2C(board.I2C())
        print("T=%.2f H=%.2f P=%.2f" % (bme280.temperature, bme280.humidity, bme280.pressure))
        """,
        lib_paths=[adafruit_libs],
    )
    assert result.ok, result.traceback
    assert capsys.readouterr().out.strip() == "T=26.50 H=61.00 P=1002.00"
