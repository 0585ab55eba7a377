"""adafruit_lis3dh (unmodified) against the simulated LIS3DH.

The chip's datasheet sensitivity at ±2 g in high-resolution mode is 1 mg/digit, i.e. 16000
counts per g in the left-justified output; adafruit_lis3dh divides by 16380 (and by 8190, 4096,
1365 at ±4, ±8, ±16 g, where the chip gives 8000, 4000 and 1333.3), so the driver reports the
acceleration scaled by those ratios, as it does on real hardware (see adafruit/Adafruit_LIS3DH
issue #34, fixed in the Arduino library only).
"""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.lis3dh import LIS3DH, STANDARD_GRAVITY

pytestmark = pytest.mark.network

#: range code -> (counts per g the chip outputs, counts per g the driver assumes)
SCALES = {0: (16000.0, 16380), 1: (8000.0, 8190), 2: (4000.0, 4096), 3: (16000 / 12, 1365)}
DRIVER_GRAVITY = 9.806


def expected(value: float, range_code: int) -> float:
    chip, driver = SCALES[range_code]
    return value / STANDARD_GRAVITY * chip / driver * DRIVER_GRAVITY


@pytest.mark.parametrize("range_code", [0, 1, 2, 3])
@pytest.mark.parametrize(
    "acceleration", [(0.0, 0.0, 9.80665), (1.5, -4.25, 7.0), (-12.0, 3.3, -0.5)]
)
def test_acceleration_across_ranges(sim, drivers, range_code: int, acceleration) -> None:
    part = sim.attach(LIS3DH())
    import adafruit_lis3dh
    import board

    sensor = adafruit_lis3dh.LIS3DH_I2C(board.I2C())
    sensor.range = range_code
    assert sensor.range == range_code
    assert part.range_g == (2, 4, 8, 16)[range_code]
    part.acceleration = acceleration
    reading = sensor.acceleration
    step = STANDARD_GRAVITY * 16 / SCALES[range_code][0]  # one 12-bit digit in m/s²
    for axis, value in enumerate(acceleration):
        assert reading[axis] == pytest.approx(expected(value, range_code), abs=step / 2 + 1e-9)


def test_clipping_at_full_scale(sim, drivers) -> None:
    part = sim.attach(LIS3DH(acceleration=(30.0, -30.0, 0.0)))
    import adafruit_lis3dh
    import board

    sensor = adafruit_lis3dh.LIS3DH_I2C(board.I2C())
    x, y, z = sensor.acceleration
    assert (x, y, z) == (
        2047 * 16 / 16380 * DRIVER_GRAVITY,
        -2048 * 16 / 16380 * DRIVER_GRAVITY,
        0.0,
    )
    assert part.resolution == 12 and part.data_rate == 400


def test_single_tap_latches_until_read(sim, drivers) -> None:
    part = sim.attach(LIS3DH())
    import adafruit_lis3dh
    import board

    sensor = adafruit_lis3dh.LIS3DH_I2C(board.I2C())
    assert not part.tap()  # click detection is off after init
    sensor.set_tap(1, 60)
    assert not sensor.tapped
    assert not part.tap(double=True)  # only single taps were enabled
    assert part.tap()
    assert sensor.tapped
    assert not sensor.tapped  # CLICK_THS bit 7 (set by the driver) latches until read
    assert part.clicks == 1


def test_double_tap_and_interrupt_pin(sim, drivers) -> None:
    part = sim.attach(LIS3DH(), int1="D6")
    import adafruit_lis3dh
    import board
    import digitalio

    int1 = digitalio.DigitalInOut(board.D6)
    sensor = adafruit_lis3dh.LIS3DH_I2C(board.I2C(), int1=int1)
    sensor.set_tap(2, 60)
    assert not int1.value
    assert not part.tap()  # a single tap does not count now
    assert not sensor.tapped
    assert part.tap(double=True, axis="x")
    assert int1.value  # the click interrupt is routed to INT1
    assert sensor.tapped
    assert not int1.value
    sensor.set_tap(0, 0)
    assert not part.tap(double=True)
    assert not sensor.tapped


def test_tap_threshold(sim, drivers) -> None:
    part = sim.attach(LIS3DH())
    import adafruit_lis3dh
    import board

    sensor = adafruit_lis3dh.LIS3DH_I2C(board.I2C())
    sensor.set_tap(1, 64)  # at ±2 g: 64 * 2 g / 128 = 1 g
    assert not part.tap(strength=0.9 * STANDARD_GRAVITY)
    assert not sensor.tapped
    assert part.tap(strength=1.1 * STANDARD_GRAVITY)
    assert sensor.tapped


def test_adc_and_shake(sim, drivers) -> None:
    part = sim.attach(LIS3DH(adc_mv=(900.0, 1350.0, 1800.0)))
    import adafruit_lis3dh
    import board

    sensor = adafruit_lis3dh.LIS3DH_I2C(board.I2C())
    # 10-bit left-justified results: steps of 64 counts, about 0.9 mV
    assert sensor.read_adc_mV(1) == pytest.approx(900.0, abs=0.9)
    assert sensor.read_adc_mV(2) == pytest.approx(1350.0, abs=0.9)
    assert sensor.read_adc_mV(3) == pytest.approx(1800.0, abs=0.9)
    assert not sensor.shake(shake_threshold=15, avg_count=2, total_delay=0)
    part.acceleration = (15.0, 12.0, 9.0)
    assert sensor.shake(shake_threshold=15, avg_count=2, total_delay=0)


def test_alternate_address(sim, drivers) -> None:
    sim.attach(LIS3DH(address=0x19))
    import adafruit_lis3dh
    import board

    with pytest.raises(ValueError, match="No I2C device at address: 0x18"):
        adafruit_lis3dh.LIS3DH_I2C(board.I2C())
    sensor = adafruit_lis3dh.LIS3DH_I2C(board.I2C(), address=0x19)
    assert sensor.acceleration.z == pytest.approx(16000 / 16380 * DRIVER_GRAVITY, abs=1e-3)


def test_spi_variant(sim, drivers) -> None:
    from protoboard.ports.sim.parts.lis3dh import LIS3DHSPI

    part = sim.attach(LIS3DHSPI(), cs="D9")
    import adafruit_lis3dh
    import board
    import digitalio

    sensor = adafruit_lis3dh.LIS3DH_SPI(board.SPI(), digitalio.DigitalInOut(board.D9))
    sensor.range = adafruit_lis3dh.RANGE_8_G
    part.acceleration = (-20.0, 0.0, 40.0)
    x, y, z = sensor.acceleration
    assert x == pytest.approx(expected(-20.0, 2), abs=0.04)
    assert y == 0.0
    assert z == pytest.approx(expected(40.0, 2), abs=0.04)
    sensor.set_tap(1, 20)
    assert part.tap()
    assert sensor.tapped
