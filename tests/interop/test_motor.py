"""adafruit_motor.servo (unmodified) driving the simulated servo through pwmio."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.basic import Servo

pytestmark = pytest.mark.network

PERIOD_US = 20_000.0  # 50 Hz


def pulse_us(duty_cycle: int) -> float:
    return duty_cycle / 65535 * PERIOD_US


@pytest.mark.parametrize("angle", [0, 30, 45, 90, 135, 180])
def test_servo_angle_gives_pulse_width(sim, drivers, angle: int) -> None:
    part = sim.attach(Servo(), pin="D5")
    import board
    import pwmio
    from adafruit_motor import servo

    pwm = pwmio.PWMOut(board.D5, frequency=50)
    motor = servo.Servo(pwm)
    motor.angle = angle
    duty, frequency = sim.pin("D5").pwm
    assert frequency == 50
    assert duty == pwm.duty_cycle
    # 750 us at 0 degrees to 2250 us at 180; the driver truncates to whole duty steps (0.3 us)
    assert pulse_us(duty) == pytest.approx(750 + angle / 180 * 1500, abs=1.0)
    assert part.pulse_width_us == pytest.approx(pulse_us(duty), abs=1e-6)
    assert part.angle == pytest.approx(angle, abs=0.15)
    assert motor.angle == pytest.approx(angle, abs=0.15)


def test_servo_custom_range_and_release(sim, drivers) -> None:
    part = sim.attach(Servo(min_pulse_us=1000, max_pulse_us=2000, actuation_range=90), pin="D5")
    import board
    import pwmio
    from adafruit_motor import servo

    pwm = pwmio.PWMOut(board.D5, frequency=50)
    motor = servo.Servo(pwm, actuation_range=90, min_pulse=1000, max_pulse=2000)
    motor.angle = 45
    assert part.pulse_width_us == pytest.approx(1500, abs=1.0)
    assert part.angle == pytest.approx(45, abs=0.1)
    motor.fraction = 1.0
    assert part.angle == pytest.approx(90, abs=0.1)
    motor.angle = None  # no pulses: the servo goes limp
    assert pwm.duty_cycle == 0
    assert part.pulse_width_us is None and part.angle is None
    with pytest.raises(ValueError, match="Angle out of range"):
        motor.angle = 91
