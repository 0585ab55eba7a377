"""bitbangio on the simulated board: the same parts and errors as busio."""

from __future__ import annotations

import pytest

from protoboard.ports.sim.parts.bme280 import BME280


def test_i2c_reaches_parts_and_nacks_as_busio(sim):
    import bitbangio
    import board

    sim.attach(BME280())
    i2c = bitbangio.I2C(board.SCL, board.SDA)
    assert i2c.try_lock()
    assert i2c.scan() == [0x77]
    chip_id = bytearray(1)
    i2c.writeto_then_readfrom(0x77, bytes([0xD0]), chip_id)
    assert chip_id[0] == 0x60
    with pytest.raises(OSError) as failed:
        i2c.writeto(0x42, b"\x00")
    assert failed.value.errno == 19
    i2c.unlock()
    i2c.deinit()


@pytest.mark.hostile
def test_spi_errors(sim):
    import bitbangio
    import board

    spi = bitbangio.SPI(board.SCK, MOSI=board.MOSI, MISO=board.MISO)
    with pytest.raises(RuntimeError, match="Function requires lock"):
        spi.write(b"\x00")
    assert spi.try_lock()
    with pytest.raises(ValueError, match="bits must be 8"):
        spi.configure(bits=9)
    with pytest.raises(ValueError, match="polarity must be 0-1"):
        spi.configure(polarity=2)
    spi.configure(baudrate=400_000, polarity=1, phase=0)
    spi.write(b"\x01\x02")
    buf = bytearray(2)
    spi.readinto(buf)
    assert buf == b"\xff\xff"  # nothing selected: MISO floats high
    spi.deinit()
    with pytest.raises(ValueError, match="Invalid pins"):
        bitbangio.SPI(board.D5, MOSI=board.D5)
