"""The SSD1680 and UC8151 e-paper parts, driven over the simulated SPI bus with a D/C pin as a
driver does: RAM windows and entry modes, the refresh, the busy pin, unknown commands."""

from __future__ import annotations

import time

import pytest

from protoboard.ports.sim.parts.epaper import SSD1680, UC8151

WHITE, BLACK, RED = (255, 255, 255), (0, 0, 0), (255, 0, 0)


class Wire:
    """Commands with D/C low, parameters with D/C high, as FourWire sends them."""

    def __init__(self) -> None:
        import board
        import busio
        import digitalio

        self.spi = busio.SPI(board.SCK, MOSI=board.MOSI)
        self.cs = digitalio.DigitalInOut(board.D5)
        self.cs.switch_to_output(True)
        self.dc = digitalio.DigitalInOut(board.D6)
        self.dc.switch_to_output(False)
        self.busy = digitalio.DigitalInOut(board.D9)
        while not self.spi.try_lock():
            pass

    def send(self, command: int, data: bytes = b"") -> None:
        self.cs.value = False
        self.dc.value = False
        self.spi.write(bytes([command]))
        if data:
            self.dc.value = True
            self.spi.write(data)
        self.cs.value = True


def wait_while(predicate, limit: float = 10.0) -> None:
    deadline = time.monotonic() + limit
    while predicate():
        assert time.monotonic() < deadline, "the part stayed busy"
        time.sleep(0.001)


def test_ssd1680_window_planes_refresh_and_busy(sim) -> None:
    part = sim.attach(
        SSD1680(width=128, height=296, color=True, refresh_time=0.05),
        clock="SCK",
        mosi="MOSI",
        cs="D5",
        dc="D6",
        busy="D9",
    )
    wire = Wire()
    wire.send(0x12)  # software reset
    wait_while(lambda: wire.busy.value)
    wire.send(0x11, b"\x03")  # X then Y, both increasing
    wire.send(0x44, bytes([0, 15]))  # columns 0-127 (bytes 0-15)
    wire.send(0x45, (0).to_bytes(2, "little") + (295).to_bytes(2, "little"))
    wire.send(0x4E, b"\x00")
    wire.send(0x4F, b"\x00\x00")
    plane = bytearray(b"\xff" * 16 * 296)
    plane[0] = 0x0F  # row 0: pixels 0-3 black
    plane[16 * 10 + 15] = 0xFE  # row 10: pixel 127 black
    wire.send(0x24, bytes(plane))
    red = bytearray(16 * 296)
    red[16 * 5] = 0x80  # row 5, pixel 0 red
    wire.send(0x4E, b"\x00")
    wire.send(0x4F, b"\x00\x00")
    wire.send(0x26, bytes(red))
    assert part.refreshes == 0 and part.pixel(0, 0) == WHITE  # nothing shown before a refresh
    wire.send(0x22, b"\xf7")
    wire.send(0x20)
    assert part.refreshes == 1
    assert wire.busy.value is True  # busy is high while the glass changes
    wait_while(lambda: wire.busy.value)
    frame = part.frame
    assert [frame[0][x] for x in range(5)] == [BLACK] * 4 + [WHITE]
    assert frame[10][127] == BLACK and frame[10][126] == WHITE
    assert frame[5][0] == RED
    assert part.colors() == {BLACK: 5, RED: 1, WHITE: 128 * 296 - 6}


def test_ssd1680_y_first_decreasing_entry_mode(sim) -> None:
    part = sim.attach(
        SSD1680(width=16, height=8, refresh_time=0), clock="SCK", mosi="MOSI", cs="D5", dc="D6"
    )
    wire = Wire()
    wire.send(0x11, b"\x06")  # Y first (AM), Y increasing, X decreasing (ID=10)
    wire.send(0x44, bytes([1, 0]))
    wire.send(0x45, (0).to_bytes(2, "little") + (1).to_bytes(2, "little"))
    wire.send(0x4E, b"\x01")
    wire.send(0x4F, b"\x00\x00")
    wire.send(0x24, bytes([0x00, 0xFF, 0xFF, 0x7F]))  # (x1,y0) (x1,y1) (x0,y0) (x0,y1)
    wire.send(0x20)
    frame = part.frame
    assert all(frame[0][x] == BLACK for x in range(8, 16))
    assert frame[1][0] == BLACK and frame[1][1] == WHITE
    assert frame[0][0] == WHITE and frame[1][8] == WHITE


def test_uc8151_tricolor_and_busy_low(sim) -> None:
    part = sim.attach(
        UC8151(width=128, height=296, color=True, refresh_time=0.05),
        clock="SCK",
        mosi="MOSI",
        cs="D5",
        dc="D6",
        busy="D9",
    )
    wire = Wire()
    assert wire.busy.value is True  # not busy: BUSY_N is high
    wire.send(0x04)
    wait_while(lambda: not wire.busy.value)
    wire.send(0x00, b"\x0f")  # black/white/red
    bw = bytearray(b"\xff" * 16 * 296)
    bw[0] = 0x7F
    wire.send(0x10, bytes(bw))
    red = bytearray(b"\xff" * 16 * 296)
    red[16] = 0x7F  # row 1, pixel 0: red (bit 0)
    wire.send(0x13, bytes(red))
    wire.send(0x12)
    assert wire.busy.value is False
    wait_while(lambda: not wire.busy.value)
    assert part.pixel(0, 0) == BLACK and part.pixel(0, 1) == RED and part.pixel(1, 0) == WHITE


def test_uc8151_rotation_and_deep_sleep(sim) -> None:
    part = sim.attach(
        UC8151(width=128, height=296, rotation=90, refresh_time=0),
        clock="SCK",
        mosi="MOSI",
        cs="D5",
        dc="D6",
    )
    assert (part.width, part.height) == (296, 128)
    wire = Wire()
    wire.send(0x00, b"\x1f")  # black/white: 0x13 is the picture
    data = bytearray(b"\xff" * 16 * 296)
    data[0] = 0x7F  # glass (0, 0) black
    wire.send(0x13, bytes(data))
    wire.send(0x12)
    assert part.pixel(295, 0) == BLACK  # turned 90 degrees clockwise: top-left goes top-right
    wire.send(0x07, b"\xa5")
    assert part.sleeping
    wire.send(0x13, b"\x00" * 16 * 296)
    wire.send(0x12)  # asleep: no refresh
    assert part.refreshes == 1 and part.pixel(295, 0) == BLACK


@pytest.mark.hostile
def test_unknown_commands_and_stray_data_are_counted_not_fatal(sim) -> None:
    part = sim.attach(SSD1680(refresh_time=0), clock="SCK", mosi="MOSI", cs="D5", dc="D6")
    wire = Wire()
    wire.cs.value = False
    wire.dc.value = True
    wire.spi.write(b"\x01\x02")  # data before any command
    wire.cs.value = True
    wire.send(0xE7, b"\x99" * 3)
    wire.send(0x20)
    assert part.unknown_commands == {-1: 1, 0xE7: 1}
    assert part.refreshes == 1


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"width": 200}, "does not fit"),
        ({"rotation": 45}, "rotation must be"),
        ({"refresh_time": -1}, "refresh_time must be"),
    ],
)
def test_bad_options(options, message) -> None:
    with pytest.raises(ValueError, match=message):
        SSD1680(**options)
