"""busio bindings: locks, slicing, argument checks and error translation (recording port)."""

import array
import errno

import pytest

from protoboard.hal.errors import BusError

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


@pytest.fixture
def i2c(rec):
    import board
    import busio

    bus = busio.I2C(board.SCL, board.SDA, frequency=400_000)
    assert bus.try_lock()
    return bus


def test_i2c_constructor_passes_clean_values(rec):
    import board
    import busio

    busio.I2C(board.SCL, board.SDA)
    assert rec.calls("busio.I2C", "__init__") == [("P21", "P22", 100_000, 255)]


def test_i2c_keyword_only_options(rec):
    import board
    import busio

    with pytest.raises(TypeError):
        busio.I2C(board.SCL, board.SDA, 400_000)


@pytest.mark.parametrize(
    "method", ["scan", "probe", "writeto", "readfrom_into", "writeto_then_readfrom"]
)
def test_i2c_transfers_require_the_lock(rec, method):
    import board
    import busio

    bus = busio.I2C(board.SCL, board.SDA)
    args = {
        "scan": (),
        "probe": (0x10,),
        "writeto": (0x10, b"x"),
        "readfrom_into": (0x10, bytearray(1)),
        "writeto_then_readfrom": (0x10, b"x", bytearray(1)),
    }[method]
    with pytest.raises(RuntimeError, match="^Function requires lock$"):
        getattr(bus, method)(*args)
    assert rec.calls("busio.I2C", "write") == []


def test_i2c_lock_is_not_reentrant_and_unlock_is_unchecked(i2c):
    assert not i2c.try_lock()
    i2c.unlock()
    i2c.unlock()
    assert i2c.try_lock()


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (0, 2**31, b"\x00\x01\x02\x03\x04"),
        (1, 3, b"\x01\x02"),
        (-2, 2**31, b"\x03\x04"),
        (0, -1, b"\x00\x01\x02\x03"),
        (3, 1, b""),
        (9, 12, b""),
        (-99, 2, b"\x00\x01"),
    ],
)
def test_i2c_write_slices_like_circuitpython(rec, i2c, start, end, expected):
    i2c.writeto(0x42, bytes(range(5)), start=start, end=end)
    assert rec.calls("busio.I2C", "write") == [(0x42, expected, True)]


def test_i2c_slices_count_elements_of_the_buffer_type(rec, i2c):
    words = array.array("H", [0x0102, 0x0304, 0x0506])
    i2c.writeto(0x42, words, start=1, end=2)
    assert rec.calls("busio.I2C", "write") == [(0x42, words[1:2].tobytes(), True)]


def test_i2c_read_into_slice_and_empty_checks(rec, i2c):
    buf = bytearray(6)
    i2c.readfrom_into(0x42, buf, start=2, end=5)
    assert buf == bytearray(b"\x00\x00\x01\x02\x03\x00")
    with pytest.raises(ValueError, match="^buffer length must be >= 1$"):
        i2c.readfrom_into(0x42, buf, start=3, end=3)
    with pytest.raises(ValueError, match="^out_buffer length must be >= 1$"):
        i2c.writeto_then_readfrom(0x42, b"\x01", bytearray(0))
    with pytest.raises(TypeError):
        i2c.readfrom_into(0x42, b"immutable")


def test_i2c_zero_length_write_is_legal(rec, i2c):
    i2c.writeto(0x42, b"")
    assert rec.calls("busio.I2C", "write") == [(0x42, b"", True)]


def test_i2c_bus_errors_become_oserror(rec, i2c):
    rec.fail[("busio.I2C", "write")] = BusError(errno.ENODEV)
    with pytest.raises(OSError) as info:
        i2c.writeto(0x42, b"\x00")
    assert info.value.errno == errno.ENODEV


def test_i2c_same_pin_twice_is_invalid(rec):
    import board
    import busio

    with pytest.raises(ValueError, match="^Invalid pins$"):
        busio.I2C(board.SCL, board.SCL)
    busio.I2C(board.SCL, board.SDA)  # nothing was left claimed


def test_i2c_deinit_frees_pins_and_blocks_use(rec):
    import board
    import busio

    with busio.I2C(board.SCL, board.SDA) as bus:
        pass
    with pytest.raises(ValueError) as info:
        bus.try_lock()
    assert str(info.value) == DEINIT
    busio.I2C(board.SCL, board.SDA)


def test_spi_checks(rec):
    import board
    import busio

    with pytest.raises(ValueError, match="^Must provide MISO or MOSI pin$"):
        busio.SPI(board.D0)
    spi = busio.SPI(board.D0, MOSI=board.D1, half_duplex=False)
    assert spi.try_lock()
    with pytest.raises(ValueError, match="^polarity must be 0-1$"):
        spi.configure(polarity=2)
    with pytest.raises(ValueError, match="^phase must be 0-1$"):
        spi.configure(phase=-1)
    with pytest.raises(ValueError, match="^bits must be 8-9$"):
        spi.configure(bits=16)
    spi.configure(baudrate=8_000_000, polarity=1, phase=1)
    assert rec.calls("busio.SPI", "configure")[-1] == (8_000_000, 1, 1, 8)
    assert spi.frequency == 1_000_000
    with pytest.raises(ValueError, match="^buffer slices must be of equal length$"):
        spi.write_readinto(b"abc", bytearray(2))
    out = bytearray(3)
    spi.write_readinto(b"abc", out)
    assert out == b"cba"
    spi.write(b"")
    assert rec.calls("busio.SPI", "write") == []
    spi.unlock()
    with pytest.raises(RuntimeError, match="^Function requires lock$"):
        spi.write(b"x")


def test_spi_half_duplex_is_keyword_only(rec):
    import board
    import busio

    with pytest.raises(TypeError):
        busio.SPI(board.D0, board.D1, None, True)


def test_uart_checks(rec):
    import board
    import busio

    with pytest.raises(ValueError, match="^tx and rx cannot both be None$"):
        busio.UART()
    with pytest.raises(ValueError, match="^bits must be 5-9$"):
        busio.UART(board.D0, bits=4)
    with pytest.raises(ValueError, match="^stop must be 1-2$"):
        busio.UART(board.D0, stop=3)
    with pytest.raises(ValueError, match="^timeout must be 0-100$"):
        busio.UART(board.D0, timeout=101)
    with pytest.raises(TypeError, match="^parity must be of type Parity or None, not str$"):
        busio.UART(board.D0, parity="even")
    uart = busio.UART(board.D0, board.D1, baudrate=115200, parity=busio.UART.Parity.EVEN)
    assert repr(busio.UART.Parity.EVEN) == "busio.UART.Parity.EVEN"
    assert uart.read(4) is None  # nothing arrived: None, as CircuitPython
    rec.reads["busio.UART.read"] = b"ok"
    assert uart.read(2) == b"ok"
    assert uart.write(b"hello") == 5
    with pytest.raises(TypeError):
        uart.write("text")
    uart.baudrate = 9600
    assert uart.baudrate == 9600
    assert rec.calls("busio.UART", "set_baudrate") == [(9600,)]
