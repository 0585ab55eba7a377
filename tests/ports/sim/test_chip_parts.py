"""The simulated chips (BME280, LIS3DH, SSD1306) at register level, through busio directly."""

from __future__ import annotations

import struct
import time

import pytest

from protoboard.ports.sim.parts import create
from protoboard.ports.sim.parts.bme280 import BME280, BME280SPI, DEFAULT_CALIBRATION
from protoboard.ports.sim.parts.lis3dh import LIS3DH, LIS3DHSPI, STANDARD_GRAVITY
from protoboard.ports.sim.parts.ssd1306 import SSD1306

DEADLINE = 5.0


class Bus:
    """A locked busio.I2C with register helpers."""

    def __init__(self, address: int) -> None:
        import board

        self.i2c = board.I2C()
        assert self.i2c.try_lock()
        self.address = address

    def write(self, *data: int) -> None:
        self.i2c.writeto(self.address, bytes(data))

    def read(self, register: int, count: int) -> bytes:
        buffer = bytearray(count)
        self.i2c.writeto_then_readfrom(self.address, bytes([register]), buffer)
        return bytes(buffer)

    def read_plain(self, count: int) -> bytes:
        buffer = bytearray(count)
        self.i2c.readfrom_into(self.address, buffer)
        return bytes(buffer)


# -- catalog ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("type_name", "cls", "address"),
    [("BME280", BME280, 0x77), ("LIS3DH", LIS3DH, 0x18), ("SSD1306", SSD1306, 0x3C)],
)
def test_catalog_builds_the_chips_on_the_default_bus(sim, type_name, cls, address) -> None:
    part = create(type_name)
    assert type(part) is cls and part.name == type_name and part.address == address
    sim.attach(part)
    import board

    i2c = board.I2C()
    assert i2c.try_lock()
    assert i2c.scan() == [address]
    assert part.connections == {"scl": sim.pin("SCL").id, "sda": sim.pin("SDA").id}


@pytest.mark.parametrize(("cls", "bad"), [(BME280, 0x40), (LIS3DH, 0x1A), (SSD1306, 0x3E)])
def test_addresses_are_checked(cls, bad) -> None:
    with pytest.raises(ValueError, match="I2C address"):
        cls(address=bad)


# -- BME280 ----------------------------------------------------------------------------------


def bosch_integer_compensation(regs: bytes, cal: dict[str, int]) -> tuple[float, float, float]:
    """The datasheet's integer compensation (section 4.2.3), independent of the model's float
    code: returns (°C, hPa, %RH) from the 8 data registers 0xF7..0xFE."""
    adc_p = (regs[0] << 12) | (regs[1] << 4) | (regs[2] >> 4)
    adc_t = (regs[3] << 12) | (regs[4] << 4) | (regs[5] >> 4)
    adc_h = (regs[6] << 8) | regs[7]
    t1, t2, t3 = cal["T1"], cal["T2"], cal["T3"]
    var1 = (((adc_t >> 3) - (t1 << 1)) * t2) >> 11
    var2 = (((((adc_t >> 4) - t1) * ((adc_t >> 4) - t1)) >> 12) * t3) >> 14
    t_fine = var1 + var2
    temperature = ((t_fine * 5 + 128) >> 8) / 100

    var1 = t_fine - 128000
    var2 = var1 * var1 * cal["P6"]
    var2 += (var1 * cal["P5"]) << 17
    var2 += cal["P4"] << 35
    var1 = ((var1 * var1 * cal["P3"]) >> 8) + ((var1 * cal["P2"]) << 12)
    var1 = (((1 << 47) + var1) * cal["P1"]) >> 33
    p = 1048576 - adc_p
    p = (((p << 31) - var2) * 3125) // var1
    var1 = (cal["P9"] * (p >> 13) * (p >> 13)) >> 25
    var2 = (cal["P8"] * p) >> 19
    pressure = (((p + var1 + var2) >> 8) + (cal["P7"] << 4)) / 256 / 100

    x = t_fine - 76800
    x = ((((adc_h << 14) - (cal["H4"] << 20) - (cal["H5"] * x)) + 16384) >> 15) * (
        (
            (((((x * cal["H6"]) >> 10) * (((x * cal["H3"]) >> 11) + 32768)) >> 10) + 2097152)
            * cal["H2"]
            + 8192
        )
        >> 14
    )
    x -= ((((x >> 15) * (x >> 15)) >> 7) * cal["H1"]) >> 4
    x = max(0, min(x, 419430400))
    humidity = (x >> 12) / 1024
    return temperature, pressure, humidity


def forced_measurement(bus: Bus, ctrl_hum: int = 0x01, ctrl_meas: int = 0xB5) -> bytes:
    """Trigger a forced measurement, wait for status bit 3 to clear, read 0xF7..0xFE."""
    bus.write(0xF2, ctrl_hum)
    bus.write(0xF4, ctrl_meas)
    assert bus.read(0xF3, 1)[0] & 0x08  # measuring
    deadline = time.monotonic() + DEADLINE
    while bus.read(0xF3, 1)[0] & 0x08 and time.monotonic() < deadline:
        time.sleep(0.001)
    assert not bus.read(0xF3, 1)[0] & 0x08
    assert bus.read(0xF4, 1)[0] & 0x03 == 0  # back to sleep
    return bus.read(0xF7, 8)


def test_bme280_identity_and_calibration(sim) -> None:
    sim.attach(BME280())
    bus = Bus(0x77)
    assert bus.read(0xD0, 1) == b"\x60"
    block1 = bus.read(0x88, 26)
    block2 = bus.read(0xE1, 7)
    t_and_p = struct.unpack("<HhhHhhhhhhhh", block1[:24])
    names = ["T1", "T2", "T3", "P1", "P2", "P3", "P4", "P5", "P6", "P7", "P8", "P9"]
    assert dict(zip(names, t_and_p, strict=True)) == {n: DEFAULT_CALIBRATION[n] for n in names}
    assert block1[25] == DEFAULT_CALIBRATION["H1"]
    h2, h3, e4, e5, e6, h6 = struct.unpack("<hBbBbb", block2)
    assert (h2, h3, h6) == (DEFAULT_CALIBRATION["H2"], 0, DEFAULT_CALIBRATION["H6"])
    assert (e4 << 4) | (e5 & 0x0F) == DEFAULT_CALIBRATION["H4"]
    assert (e6 << 4) | (e5 >> 4) == DEFAULT_CALIBRATION["H5"]


def test_bme280_sleeps_until_asked(sim) -> None:
    part = sim.attach(BME280())
    bus = Bus(0x77)
    assert bus.read(0xF7, 8) == bytes([0x80, 0, 0, 0x80, 0, 0, 0x80, 0])  # reset values
    assert bus.read(0xF3, 1) == b"\x00"
    assert part.mode == "sleep" and part.measurements == 0


@pytest.mark.parametrize(
    ("temperature", "pressure", "humidity"),
    [(22.0, 1013.25, 45.0), (-30.0, 420.0, 5.0), (60.5, 1080.0, 88.8)],
)
def test_bme280_raw_data_matches_bosch_integer_maths(sim, temperature, pressure, humidity):
    part = sim.attach(BME280(temperature=temperature, pressure=pressure, humidity=humidity))
    bus = Bus(0x77)
    # x16 everywhere: 20-bit temperature and pressure
    data = forced_measurement(bus, ctrl_hum=0x05, ctrl_meas=(5 << 5) | (5 << 2) | 1)
    t, p, h = bosch_integer_compensation(data, DEFAULT_CALIBRATION)
    assert t == pytest.approx(temperature, abs=0.011)
    assert p == pytest.approx(pressure, abs=0.011)
    assert h == pytest.approx(humidity, abs=0.01)
    assert part.measurements == 1


def test_bme280_resolution_follows_oversampling(sim) -> None:
    sim.attach(BME280())
    bus = Bus(0x77)
    x1 = forced_measurement(bus, ctrl_meas=(1 << 5) | (1 << 2) | 1)
    assert x1[2] == 0 and x1[5] == 0  # 16-bit: xlsb empty
    adc_t = (x1[3] << 12) | (x1[4] << 4) | (x1[5] >> 4)
    assert adc_t % 16 == 0
    x16 = forced_measurement(bus, ctrl_meas=(5 << 5) | (5 << 2) | 1)
    adc_t16 = (x16[3] << 12) | (x16[4] << 4) | (x16[5] >> 4)
    assert adc_t16 % 16 != 0  # 20-bit: the nearest code to 22.0 °C is not a multiple of 16
    assert abs(adc_t16 - adc_t) < 16


def test_bme280_skipped_channels_read_0x80000(sim) -> None:
    sim.attach(BME280())
    bus = Bus(0x77)
    data = forced_measurement(bus, ctrl_hum=0x00, ctrl_meas=(1 << 5) | (0 << 2) | 1)
    assert data[0:3] == b"\x80\x00\x00"  # pressure skipped
    assert data[3:6] != b"\x80\x00\x00"
    assert data[6:8] == b"\x80\x00"  # humidity skipped


def test_bme280_write_pairs_soft_reset_and_config(sim) -> None:
    part = sim.attach(BME280())
    bus = Bus(0x77)
    bus.write(0xF2, 0x03, 0xF5, 0xA0)  # I2C writes are (register, value) pairs
    assert bus.read(0xF2, 1) == b"\x03" and bus.read(0xF5, 1) == b"\xa0"
    bus.write(0xD0, 0x12)  # read-only
    assert bus.read(0xD0, 1) == b"\x60"
    bus.write(0xE0, 0x00)  # only 0xB6 resets
    assert bus.read(0xF2, 1) == b"\x03"
    bus.write(0xE0, 0xB6)
    assert bus.read(0xF2, 1) == b"\x00" and bus.read(0xF5, 1) == b"\x00"
    assert bus.read(0xE0, 1) == b"\x00"
    bus.write(0xF4, 0x27)  # normal mode
    assert part.mode == "normal"
    bus.write(0xF5, 0xE0)  # config writes are ignored in normal mode
    assert bus.read(0xF5, 1) == b"\x00"


def test_bme280_settings_are_validated() -> None:
    part = BME280()
    with pytest.raises(ValueError, match="humidity"):
        part.humidity = 101
    with pytest.raises(ValueError, match="pressure"):
        part.pressure = 200
    with pytest.raises(ValueError, match="temperature"):
        part.temperature = 90
    with pytest.raises(ValueError, match="calibration"):
        BME280(calibration={"T9": 1})


def test_bme280_over_spi(sim) -> None:
    part = sim.attach(BME280SPI(temperature=10.0), cs="D10")
    import board
    import busio
    import digitalio

    cs = digitalio.DigitalInOut(board.D10)
    cs.switch_to_output(value=True)
    spi = busio.SPI(board.SCK, MOSI=board.MOSI, MISO=board.MISO)
    assert spi.try_lock()

    def read(register: int, count: int) -> bytes:
        cs.value = False
        spi.write(bytes([register | 0x80]))
        buffer = bytearray(count)
        spi.readinto(buffer)
        cs.value = True
        return bytes(buffer)

    def write(*pairs: int) -> None:
        cs.value = False
        spi.write(bytes(pairs))
        cs.value = True

    assert read(0xD0, 1) == b"\x60"
    write(0xF2 & 0x7F, 0x01, 0xF4 & 0x7F, 0x25)
    assert read(0xF2, 1) == b"\x01"
    deadline = time.monotonic() + DEADLINE
    while read(0xF3, 1)[0] & 0x08 and time.monotonic() < deadline:
        time.sleep(0.001)
    t, _, _ = bosch_integer_compensation(read(0xF7, 8), DEFAULT_CALIBRATION)
    assert t == pytest.approx(10.0, abs=0.011)
    assert part.measurements == 1


# -- LIS3DH ----------------------------------------------------------------------------------


def test_lis3dh_identity_and_defaults(sim) -> None:
    sim.attach(LIS3DH())
    bus = Bus(0x18)
    assert bus.read(0x0F, 1) == b"\x33"
    assert bus.read(0x20, 1) == b"\x07"  # power-down, axes enabled
    assert bus.read(0x28 | 0x80, 6) == bytes(6)  # never sampled in power-down
    assert bus.read(0x27, 1) == b"\x00"


def test_lis3dh_auto_increment_bit(sim) -> None:
    part = sim.attach(LIS3DH(acceleration=(STANDARD_GRAVITY, -STANDARD_GRAVITY / 2, 0.0)))
    bus = Bus(0x18)
    bus.write(0x20, 0x57)  # 100 Hz
    bus.write(0x23, 0x08)  # high resolution, ±2 g
    x, y, z = struct.unpack("<hhh", bus.read(0x28 | 0x80, 6))
    assert (x, y, z) == (1000 << 4, -500 << 4, 0)
    assert part.raw_acceleration() == (16000, -8000, 0)
    # without bit 7 the pointer stays on OUT_X_L
    assert bus.read(0x28, 4) == bytes([16000 & 0xFF]) * 4
    # multi-byte writes auto-increment the same way
    bus.write(0x3B | 0x80, 1, 2, 3)
    assert bus.read(0x3B | 0x80, 3) == b"\x01\x02\x03"


@pytest.mark.parametrize(
    ("ctrl1", "ctrl4", "bits", "mg_per_digit"),
    [
        (0x57, 0x08, 12, 1),
        (0x57, 0x18, 12, 2),
        (0x57, 0x28, 12, 4),
        (0x57, 0x38, 12, 12),
        (0x57, 0x00, 10, 4),
        (0x57, 0x30, 10, 48),
        (0x5F, 0x00, 8, 16),
        (0x5F, 0x20, 8, 64),
    ],
)
def test_lis3dh_scaling_per_range_and_mode(sim, ctrl1, ctrl4, bits, mg_per_digit) -> None:
    part = sim.attach(LIS3DH(acceleration=(0.3 * STANDARD_GRAVITY, 0.0, -0.77 * STANDARD_GRAVITY)))
    bus = Bus(0x18)
    bus.write(0x20, ctrl1)
    bus.write(0x23, ctrl4)
    assert part.resolution == bits
    x, _, z = struct.unpack("<hhh", bus.read(0xA8, 6))
    assert x % (1 << (16 - bits)) == 0 and z % (1 << (16 - bits)) == 0
    assert (x >> (16 - bits)) == round(300 / mg_per_digit)
    assert (z >> (16 - bits)) == round(-770 / mg_per_digit)


def test_lis3dh_clips_disables_axes_and_big_endian(sim) -> None:
    part = sim.attach(LIS3DH(acceleration=(100.0, -100.0, 5.0)))
    bus = Bus(0x18)
    bus.write(0x20, 0x53)  # 100 Hz, X and Y only
    bus.write(0x23, 0x08)
    x, y, z = struct.unpack("<hhh", bus.read(0xA8, 6))
    assert (x, y, z) == (2047 << 4, -2048 << 4, 0)
    bus.write(0x23, 0x48)  # BLE: high byte first
    part.acceleration = (STANDARD_GRAVITY, 0, 0)
    assert struct.unpack(">h", bus.read(0xA8, 2))[0] == 1000 << 4


def test_lis3dh_click_latch_and_interrupt_polarity(sim) -> None:
    part = sim.attach(LIS3DH(), int1="D6")
    bus = Bus(0x18)
    int1 = sim.pin("D6")
    assert int1.external is False  # push-pull output, inactive low
    bus.write(0x20, 0x77)
    assert not part.tap()  # CLICK_CFG = 0
    bus.write(0x22, 0x80)  # I1_CLICK
    bus.write(0x38, 0x15)  # single click on every axis
    bus.write(0x3A, 0x80 | 40)  # latched, threshold 40
    assert part.tap(axis="y", negative=True)
    assert int1.level is True
    assert bus.read(0x39, 1)[0] == 0x40 | 0x10 | 0x08 | 0x02
    assert int1.level is False
    assert bus.read(0x39, 1)[0] & 0x40 == 0  # reading cleared the event
    bus.write(0x25, 0x02)  # INT_POLARITY: active low
    assert int1.level is True
    part.tap()
    assert int1.level is False
    sim.detach("LIS3DH")
    assert int1.external is None


def test_lis3dh_adc_and_temperature(sim) -> None:
    sim.attach(LIS3DH(adc_mv=(1800.0, 900.0, 1200.0), temperature=31.0))
    bus = Bus(0x18)
    bus.write(0x20, 0x57)
    assert bus.read(0x88, 6) == bytes(6)  # ADC disabled
    bus.write(0x1F, 0x80)
    adc1, adc2, _ = struct.unpack("<hhh", bus.read(0x88, 6))
    assert (adc1, adc2) == (-32512 // 64 * 64, 32512 // 64 * 64)
    bus.write(0x1F, 0xC0)  # ADC3 measures temperature
    assert struct.unpack("<h", bus.read(0x8C, 2))[0] == 6 << 8


def test_lis3dh_over_spi(sim) -> None:
    part = sim.attach(LIS3DHSPI(acceleration=(0.0, STANDARD_GRAVITY, 0.0)), cs="D9")
    import board
    import busio
    import digitalio

    cs = digitalio.DigitalInOut(board.D9)
    cs.switch_to_output(value=True)
    spi = busio.SPI(board.SCK, MOSI=board.MOSI, MISO=board.MISO)
    assert spi.try_lock()

    def transfer(out: bytes, count: int) -> bytes:
        cs.value = False
        spi.write(out)
        buffer = bytearray(count)
        if count:
            spi.readinto(buffer)
        cs.value = True
        return bytes(buffer)

    assert transfer(b"\x8f", 1) == b"\x33"
    transfer(bytes([0x20, 0x57]), 0)
    transfer(bytes([0x23, 0x08]), 0)
    assert struct.unpack("<hhh", transfer(b"\xe8", 6)) == (0, 16000, 0)  # read + M/S
    assert transfer(b"\xa8", 3) == bytes(3)  # no M/S: OUT_X_L three times
    assert part.range_g == 2


# -- SSD1306 ---------------------------------------------------------------------------------


def powered(bus: Bus) -> None:
    """Charge pump on, display on, the usual module orientation (as adafruit_ssd1306)."""
    bus.write(0x00, 0x8D, 0x14, 0xA1, 0xC8, 0xA8, 31, 0xAF)


def test_ssd1306_horizontal_mode_and_windows(sim) -> None:
    part = sim.attach(SSD1306())
    bus = Bus(0x3C)
    bus.write(0x00, 0x20, 0x00, 0x21, 10, 13, 0x22, 1, 2)
    assert part.addressing_mode == "horizontal"
    bus.write(0x40, *range(1, 11))  # 8 bytes fill the window, then wrap to its start
    ram = part.ram
    assert ram[128 + 10 : 128 + 14] == bytes([9, 10, 3, 4])
    assert ram[256 + 10 : 256 + 14] == bytes([5, 6, 7, 8])
    assert ram[128 + 14] == 0 and ram[10] == 0
    assert part.data_bytes == 10


def test_ssd1306_vertical_mode(sim) -> None:
    part = sim.attach(SSD1306())
    bus = Bus(0x3C)
    bus.write(0x00, 0x20, 0x01, 0x21, 4, 5, 0x22, 2, 3)
    bus.write(0x40, 1, 2, 3, 4)
    assert part.addressing_mode == "vertical"
    assert (part.ram[256 + 4], part.ram[384 + 4], part.ram[256 + 5], part.ram[384 + 5]) == (
        1,
        2,
        3,
        4,
    )


def test_ssd1306_page_mode_pointer_and_wrap(sim) -> None:
    part = sim.attach(SSD1306())
    bus = Bus(0x3C)
    assert part.addressing_mode == "page"  # the reset state
    bus.write(0x00, 0xB3, 0x0E, 0x17)  # page 3, column 0x7E
    bus.write(0x40, 0xAA, 0xBB, 0xCC)
    assert part.ram[3 * 128 + 126 : 3 * 128 + 128] == b"\xaa\xbb"
    assert part.ram[3 * 128] == 0xCC  # wrapped to column 0 of the same page
    assert part.ram[4 * 128] == 0


def test_ssd1306_control_bytes_and_split_commands(sim) -> None:
    part = sim.attach(SSD1306())
    bus = Bus(0x3C)
    bus.write(0x80, 0x81)  # contrast command...
    assert part.contrast == 0x7F
    bus.write(0x80, 0x33)  # ...its parameter in the next write, as adafruit_ssd1306 sends
    assert part.contrast == 0x33
    bus.write(0x80, 0xAF, 0xC0, 0x5A, 0x80, 0xA7)  # Co=1: command, one data byte, command
    assert part.display_on and part.inverted and part.ram[0] == 0x5A
    assert part.commands[-3:] == [0x33, 0xAF, 0xA7]


def test_ssd1306_frame_orientation_and_effects(sim) -> None:
    part = sim.attach(SSD1306())
    bus = Bus(0x3C)
    bus.write(0x00, 0x20, 0x00, 0x21, 0, 127, 0x22, 0, 3)
    bus.write(0x40, 0b0000_0101)  # column 0: rows 0 and 2
    assert part.lit_pixels() == set()  # display off, no charge pump
    assert bus.read_plain(1) == b"\x40"  # status: display off
    bus.write(0x00, 0xAF)
    assert part.lit_pixels() == set()  # on, but the panel has no drive voltage yet
    powered(bus)
    assert part.lit_pixels() == {(0, 0), (0, 2)}
    assert part.pixel(0, 2) == 1 and part.pixel(1, 2) == 0
    assert bus.read_plain(1) == b"\x00"
    bus.write(0x00, 0xA0, 0xC0)  # no remapping: the picture turns half a turn
    assert part.lit_pixels() == {(127, 31), (127, 29)}
    bus.write(0x00, 0xA1, 0xC8, 0x41)  # start line 1 scrolls the picture up a row
    assert part.lit_pixels() == {(0, 1)}
    bus.write(0x00, 0x40, 0xA5)  # entire display on
    assert len(part.lit_pixels()) == 128 * 32
    bus.write(0x00, 0xA4, 0xA7)
    assert len(part.lit_pixels()) == 128 * 32 - 2
    bus.write(0x00, 0xAE)
    assert part.lit_pixels() == set()
    with pytest.raises(IndexError):
        part.pixel(128, 0)


def test_ssd1306_smaller_panel_uses_the_centre_columns(sim) -> None:
    part = sim.attach(SSD1306(width=64, height=48, external_vcc=True))
    bus = Bus(0x3C)
    bus.write(0x00, 0xA1, 0xC8, 0xA8, 47, 0xAF, 0x20, 0x00, 0x21, 32, 95, 0x22, 0, 5)
    bus.write(0x40, 0x01)
    assert part.lit_pixels() == {(0, 0)}
    assert part.to_text().splitlines()[0] == "#" + "." * 63
    assert len(part.frame) == 48


def test_ssd1306_reset_pin_restores_power_on_state(sim) -> None:
    part = sim.attach(SSD1306(), reset="D9")
    import board
    import digitalio

    reset = digitalio.DigitalInOut(board.D9)
    reset.switch_to_output(value=True)
    bus = Bus(0x3C)
    powered(bus)
    bus.write(0x40, 0xFF)
    assert part.display_on and part.segment_remap
    reset.value = False
    assert not part.display_on and not part.segment_remap and not part.charge_pump
    assert part.ram[0] == 0xFF  # RAM survives a reset


def test_ssd1306_over_spi_uses_the_dc_pin(sim) -> None:
    from protoboard.ports.sim.parts.ssd1306 import SSD1306SPI

    part = sim.attach(SSD1306SPI(), cs="D5", dc="D6")
    import board
    import busio
    import digitalio

    cs = digitalio.DigitalInOut(board.D5)
    cs.switch_to_output(value=True)
    dc = digitalio.DigitalInOut(board.D6)
    dc.switch_to_output(value=False)
    spi = busio.SPI(board.SCK, MOSI=board.MOSI)
    assert spi.try_lock()
    cs.value = False
    spi.write(bytes([0x8D, 0x14, 0xA1, 0xC8, 0xA8, 31, 0xAF, 0x20, 0x00]))
    dc.value = True
    spi.write(bytes([0x01, 0x02]))
    cs.value = True
    assert part.lit_pixels() == {(0, 0), (1, 1)}
    assert part.commands == [0x8D, 0x14, 0xA1, 0xC8, 0xA8, 31, 0xAF, 0x20, 0x00]
