"""neopixel_write on a Raspberry Pi: WS2812 bits clocked out of SPI0's MOSI, against a model of
the spidev device (it records each transfer and clocks it at the rate a Pi's SPI divider gives).
The test decodes the bytes back into colours the way a WS2812 reads its data line: by how long
each bit is high, checked against the data sheets' T0H/T1H windows. No VM has an SPI controller."""

from __future__ import annotations

import sys
import types
from pathlib import Path

import pytest

pytest.importorskip("gpiod", reason="the 'linux' extra is not installed")

from protoboard import machine, testing

#: WS2812 high times, in ns, where the WS2812, WS2812B and WS2812B-V5 data sheets all agree
#: (a 0: 0.35/0.4 µs +-150 ns and V5's 220-380 ns; a 1: 0.7/0.8 µs +-150 ns and V5's 580-1000)
T0H = (250, 380)
T1H = (650, 850)
#: one bit: 1.25 µs +-600 ns
BIT = (650, 1850)


class SpiDevModel:
    """A spidev device on a controller whose clock is ``core_hz`` divided by an even number
    (as the Pi's SPI): the rate it really clocks is the highest such rate at or below the one
    asked for."""

    instances: list[SpiDevModel] = []
    core_hz = 500_000_000  # a Pi 4's core clock

    def __init__(self) -> None:
        self.path = ""
        self.mode = 3
        self.bits_per_word = 0
        self.max_speed_hz = 0
        self.no_cs = False
        self.frames: list[bytes] = []
        self.closed = False
        SpiDevModel.instances.append(self)

    def open_path(self, path: str) -> None:
        if not Path(path).exists():
            raise FileNotFoundError(2, "No such file or directory")
        self.path = path

    def writebytes2(self, data: bytes) -> None:
        assert not self.closed and (self.mode, self.bits_per_word) == (0, 8)
        self.frames.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    @property
    def clock_hz(self) -> float:
        divider = -(-self.core_hz // self.max_speed_hz)
        return self.core_hz / (divider + divider % 2)


def decode(frame: bytes, clock_hz: float) -> bytes:
    """The bytes a WS2812 chain reads from ``frame`` sent MSB first at ``clock_hz``."""
    spi_bit_ns = 1e9 / clock_hz
    bits = []
    data = frame.lstrip(b"\x00")  # idle low before the first bit
    assert len(frame) - len(data) >= 1, "the frame must start low"
    for byte in data:
        pattern = f"{byte:08b}"
        high = len(pattern) - len(pattern.lstrip("1"))
        assert pattern == "1" * high + "0" * (8 - high), f"{pattern}: one pulse per bit"
        high_ns, bit_ns = high * spi_bit_ns, 8 * spi_bit_ns
        assert BIT[0] <= bit_ns <= BIT[1], bit_ns
        if T0H[0] <= high_ns <= T0H[1]:
            bits.append(0)
        elif T1H[0] <= high_ns <= T1H[1]:
            bits.append(1)
        else:
            raise AssertionError(f"a {high_ns:.0f} ns pulse is neither a 0 nor a 1")
    assert len(bits) % 8 == 0
    return bytes(int("".join(map(str, bits[i : i + 8])), 2) for i in range(0, len(bits), 8))


@pytest.fixture
def pi(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A Pi's /dev and /sys with SPI enabled (spidev0.0 exists)."""
    monkeypatch.setenv("PROTOBOARD_LINUX_ROOT", str(tmp_path))
    SpiDevModel.instances = []
    monkeypatch.setitem(sys.modules, "spidev", types.SimpleNamespace(SpiDev=SpiDevModel))
    (tmp_path / "dev").mkdir()
    (tmp_path / "dev/spidev0.0").write_text("")
    return tmp_path


def on_pi(board: str = "raspberrypi_pi4b"):  # type: ignore[no-untyped-def]
    return testing.activated(machine.create("linux", board))


@pytest.mark.parametrize("board", ["raspberrypi_pi3b", "raspberrypi_pi4b", "raspberrypi_pi5"])
def test_colours_go_out_of_mosi_in_ws2812_timing(pi: Path, board: str) -> None:
    colours = bytes([0x00, 0xFF, 0x80, 0x01, 0x7E, 0xA5] * 10)  # 20 GRB pixels
    with on_pi(board):
        import board as pins
        import digitalio
        import neopixel_write

        pin = digitalio.DigitalInOut(pins.D10)
        pin.direction = digitalio.Direction.OUTPUT  # what the neopixel library does
        neopixel_write.neopixel_write(pin, colours)
        neopixel_write.neopixel_write(pin, bytearray(3))
        (device,) = SpiDevModel.instances
        assert device.path == str(pi / "dev/spidev0.0") and device.no_cs
        assert device.max_speed_hz == 6_400_000
        first, second = device.frames
        for clock in (device.max_speed_hz, device.clock_hz):  # asked for, and really clocked
            assert decode(first, clock) == colours
            assert decode(second, clock) == b"\x00\x00\x00"
        assert device.clock_hz == 6_250_000
        pin.deinit()
    assert device.closed  # the writer closes spidev with the machine


@pytest.mark.hostile
def test_another_pin_is_refused_naming_the_pin_to_use(pi: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    with on_pi():
        import board
        import digitalio
        import neopixel_write

        from protoboard.ports.linux import digitalio as linux_digitalio

        # D18 is an ordinary GPIO here: give it a line without a GPIO chip
        monkeypatch.setattr(linux_digitalio.gpio, "request", lambda b, p: (_Line(), [18]))
        pin = digitalio.DigitalInOut(board.D18)
        pin.switch_to_output()
        with pytest.raises(RuntimeError) as refused:
            neopixel_write.neopixel_write(pin, b"\xff\x00\x00")
        message = str(refused.value)
        assert "cannot drive D18" in message and "board.D10" in message
        assert "neopixel_spi library on board.SPI()" in message
        assert SpiDevModel.instances == []  # nothing was sent anywhere


class _Line:
    fd = -1

    def reconfigure_lines(self, config: object) -> None:
        pass

    def release(self) -> None:
        pass


@pytest.mark.hostile
def test_mosi_with_spi_disabled_says_to_enable_it(pi: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    (pi / "dev/spidev0.0").unlink()
    with on_pi():
        import board
        import digitalio
        import neopixel_write

        from protoboard.ports.linux import digitalio as linux_digitalio

        # without SPI, D10 is an ordinary GPIO line
        monkeypatch.setattr(linux_digitalio.gpio, "request", lambda b, p: (_Line(), [10]))
        pin = digitalio.DigitalInOut(board.D10)
        pin.switch_to_output()
        with pytest.raises(RuntimeError, match="spidev0.0 does not exist: enable SPI"):
            neopixel_write.neopixel_write(pin, b"\x00\x00\x00")


@pytest.mark.hostile
def test_the_neopixel_pin_is_not_a_gpio_while_spi_has_it(pi: Path) -> None:
    with on_pi():
        import board
        import digitalio

        pin = digitalio.DigitalInOut(board.MOSI)
        pin.switch_to_output()
        with pytest.raises(RuntimeError, match="D10 is SPI's MOSI.*disable SPI"):
            pin.value = True
        with pytest.raises(RuntimeError, match="only send NeoPixel data"):
            pin.switch_to_input()
        pin.deinit()
        digitalio.DigitalInOut(board.D10).deinit()  # the binding's claim is given back


@pytest.mark.hostile
def test_a_strip_longer_than_one_spi_transfer_says_how_to_raise_the_buffer(pi: Path) -> None:
    bufsiz = pi / "sys/module/spidev/parameters/bufsiz"
    bufsiz.parent.mkdir(parents=True)
    bufsiz.write_text("4096\n")
    with on_pi():
        import board
        import digitalio
        import neopixel_write

        pin = digitalio.DigitalInOut(board.D10)
        pin.switch_to_output()
        neopixel_write.neopixel_write(pin, bytes(3 * 170))  # 1 + 170 * 24 = 4081 bytes: fits
        with pytest.raises(RuntimeError, match=r"4105 bytes .* spidev\.bufsiz=65536"):
            neopixel_write.neopixel_write(pin, bytes(3 * 171))
        assert len(SpiDevModel.instances[0].frames) == 1  # the long frame was not cut up


def test_a_board_without_a_neopixel_pin_has_no_neopixel_write(pi: Path) -> None:
    with on_pi("linux_gpio_sim"), pytest.raises(ModuleNotFoundError):
        import neopixel_write  # noqa: F401
