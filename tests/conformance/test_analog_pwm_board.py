"""analogio, pwmio, neopixel_write, board and microcontroller on every port."""

import pytest


def test_analog_in_is_16_bit(port_machine, bench):
    import analogio
    import board

    from protoboard.ports.sim.parts import Potentiometer

    knob = bench.attach(Potentiometer(position=0.0), pin="A1")
    adc = analogio.AnalogIn(board.A1)
    assert adc.value == 0
    knob.position = 1.0
    assert adc.value == 65535
    knob.position = 0.5
    assert abs(adc.value - 32768) < 32
    assert adc.reference_voltage == pytest.approx(3.3)


def test_analog_in_needs_an_adc_pin(port_machine):
    import analogio
    import board

    with pytest.raises(ValueError, match="^Invalid pin$"):
        analogio.AnalogIn(board.D4)
    analogio.AnalogIn(board.A2).deinit()  # nothing stayed claimed on D4 or A2


def test_analog_out_sets_the_voltage(port_machine, bench):
    import analogio
    import board

    dac = analogio.AnalogOut(board.A0)
    dac.value = 65535
    assert bench.pin("A0").voltage == pytest.approx(3.3)
    dac.value = 0
    assert bench.pin("A0").voltage == 0.0


def test_pwm_history_and_led_brightness(port_machine, bench):
    import board
    import pwmio

    pwm = pwmio.PWMOut(board.LED, duty_cycle=0x8000, frequency=1000)
    assert bench.part("LED").brightness == pytest.approx(0.5, abs=0.001)
    pwm.duty_cycle = 0xFFFF
    assert bench.part("LED").on
    assert [d for _, d, _ in bench.pin("LED").pwm_history] == [0x8000, 0xFFFF]
    assert pwm.frequency == 1000


def test_neopixel_write_reaches_the_strip(port_machine, bench):
    import board
    import digitalio
    import neopixel_write

    pin = digitalio.DigitalInOut(board.NEOPIXEL)
    pin.direction = digitalio.Direction.OUTPUT
    neopixel_write.neopixel_write(pin, bytes([0, 255, 0]))  # GRB order: pure red
    assert bench.part("NEOPIXEL").pixels == [(255, 0, 0)]


def test_board_singletons(port_machine):
    import board

    assert board.I2C() is board.I2C() is not None
    assert board.SPI() is board.SPI()
    assert board.UART() is board.UART()
    assert board.STEMMA_I2C() is board.STEMMA_I2C()


def test_microcontroller_cpu(port_machine):
    import microcontroller

    assert microcontroller.cpu.frequency > 0
    assert isinstance(microcontroller.cpu.uid, bytearray) and microcontroller.cpu.uid
    assert microcontroller.cpus[0] is microcontroller.cpu
    assert microcontroller.nvm is not None and len(microcontroller.nvm) > 0
