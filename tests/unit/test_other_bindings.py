"""analogio, pwmio, neopixel_write, microcontroller, nvm, board, micropython bindings."""

import pytest

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


def test_analog_out_range_and_write_only(rec):
    import analogio
    import board

    dac = analogio.AnalogOut(board.A0)
    dac.value = 65535
    with pytest.raises(ValueError, match="^value must be 0-65535$"):
        dac.value = 65536
    with pytest.raises(ValueError, match="^value must be 0-65535$"):
        dac.value = -1
    with pytest.raises(AttributeError):
        _ = dac.value
    assert rec.calls("analogio.AnalogOut", "write") == [(65535,)]


def test_analog_in_reference_voltage_none_when_unknown(rec):
    import analogio
    import board

    adc = analogio.AnalogIn(board.A0)
    rec.reads["analogio.AnalogIn.read"] = 1234
    assert adc.value == 1234
    rec.reads["analogio.AnalogIn.reference_voltage"] = 0.0
    assert adc.reference_voltage is None
    adc.deinit()
    with pytest.raises(ValueError) as info:
        _ = adc.value
    assert str(info.value) == DEINIT


def test_pwm_rules(rec):
    import board
    import pwmio

    pwm = pwmio.PWMOut(board.D1, duty_cycle=70000, frequency=50)
    # The constructor casts to 16 bits; the setter checks the range.
    assert rec.calls("pwmio.PWMOut", "__init__") == [("P1", 70000 & 0xFFFF, 50, False)]
    with pytest.raises(ValueError, match="^duty_cycle must be 0-65535$"):
        pwm.duty_cycle = 65536
    with pytest.raises(AttributeError, match="^Invalid variable_frequency$"):
        pwm.frequency = 100
    with pytest.raises(ValueError, match="^Invalid frequency$"):
        pwmio.PWMOut(board.D2, frequency=0)
    var = pwmio.PWMOut(board.D3, variable_frequency=True)
    var.frequency = 1000
    assert var.frequency == 1000
    with pytest.raises(TypeError):
        pwmio.PWMOut(board.D4, 0)


def test_neopixel_write_delegates_pin_and_bytes(rec):
    import board
    import digitalio
    import neopixel_write

    pin = digitalio.DigitalInOut(board.D8)
    pin.direction = digitalio.Direction.OUTPUT
    neopixel_write.neopixel_write(pin, bytearray([1, 2, 3]))
    assert rec.calls("neopixel_write.NeoPixelWriter", "write") == [("P8", b"\x01\x02\x03")]
    with pytest.raises(TypeError, match="^digitalinout must be of type DigitalInOut, not Pin$"):
        neopixel_write.neopixel_write(board.D8, b"\x00")
    pin.deinit()
    with pytest.raises(ValueError) as info:
        neopixel_write.neopixel_write(pin, b"\x00")
    assert str(info.value) == DEINIT


def test_microcontroller(rec):
    import board
    import microcontroller

    assert microcontroller.cpu.frequency == 48_000_000
    assert len(microcontroller.cpus) == 2
    assert microcontroller.cpu.uid == bytearray(b"\x01\x02")
    assert microcontroller.cpu.reset_reason is microcontroller.ResetReason.POWER_ON
    assert microcontroller.pin.P5 is board.D5
    assert repr(microcontroller.pin.P5) == "board.D5"
    with pytest.raises(TypeError):
        microcontroller.Pin()
    microcontroller.on_next_reset(microcontroller.RunMode.SAFE_MODE)
    with pytest.raises(TypeError, match="^run_mode must be of type RunMode, not str$"):
        microcontroller.on_next_reset("safe")
    from protoboard.machine import ResetRequested

    with pytest.raises(ResetRequested):
        microcontroller.reset()
    microcontroller.delay_us(10)
    assert microcontroller.watchdog is None


def test_nvm(rec):
    import microcontroller

    nvm = microcontroller.nvm
    assert len(nvm) == 16
    nvm[0:3] = b"\xcc\x10\x00"
    assert nvm[0] == 0xCC
    assert nvm[0:3] == bytearray(b"\xcc\x10\x00")
    nvm[-1] = 7
    assert nvm[15] == 7
    with pytest.raises(IndexError):
        nvm[16]
    with pytest.raises(ValueError):
        nvm[0:2] = b"\x01"
    with pytest.raises(NotImplementedError):
        nvm[0:4:2]
    with pytest.raises(ValueError, match="^value must be 0-255$"):
        nvm[0] = 256


def test_board_module(rec):
    import board

    assert board.board_id == "recording_board"
    assert board.I2C() is board.I2C()
    first = board.I2C()
    first.deinit()
    assert board.I2C() is not first  # rebuilt after deinit
    with pytest.raises(NotImplementedError, match="^No default SPI bus$"):
        board.SPI()
    with pytest.raises(NotImplementedError, match="^No default UART bus$"):
        board.UART()
    assert {"D0", "A0", "DAC", "SCL", "board_id", "I2C"} <= set(dir(board))
    assert board.A0 is board.DAC
    with pytest.raises(AttributeError):
        board.D99  # noqa: B018


def test_disabled_module_cannot_be_imported(rec):
    with pytest.raises(ModuleNotFoundError, match="No module named 'keypad'"):
        import keypad  # noqa: F401


def test_micropython_const():
    from protoboard.bindings import micropython

    assert micropython.const(42) == 42

    @micropython.native
    def f():
        return 1

    assert f() == 1
