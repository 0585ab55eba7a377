"""The SSD1680, UC8151 and IL0373 e-paper parts, driven over the simulated SPI bus with a D/C
pin as a driver does: RAM windows and entry modes, gate scan, resolution and data polarity, the
refresh, the busy pin, unknown commands."""

from __future__ import annotations

import time

import pytest

from protoboard.ports.sim.parts.epaper import IL0373, SSD1680, UC8151

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


def ssd1680_rows(sim, height: int = 8):
    """A 16 x ``height`` SSD1680 whose RAM row ``y`` has pixel ``y`` black (a diagonal)."""
    part = sim.attach(
        SSD1680(width=16, height=height, refresh_time=0),
        clock="SCK",
        mosi="MOSI",
        cs="D5",
        dc="D6",
    )
    wire = Wire()
    rows = bytearray(b"\xff" * 22 * height)
    for y in range(height):
        rows[22 * y + y // 8] &= ~(0x80 >> (y % 8)) & 0xFF
    wire.send(0x24, bytes(rows))  # entry mode 3 from (0, 0): 22 bytes a row (176 pixels)
    return part, wire


def diagonal_rows(part) -> list[int]:
    """For each glass row, the column of its black pixel."""
    return [row.index(BLACK) if BLACK in row else -1 for row in part.frame]


def test_ssd1680_gate_scan_bits(sim) -> None:
    part, wire = ssd1680_rows(sim)
    wire.send(0x01, bytes([7, 0, 0x00]))  # 8 gate lines, G0 first, top to bottom
    wire.send(0x20)
    assert diagonal_rows(part) == [0, 1, 2, 3, 4, 5, 6, 7]
    wire.send(0x01, bytes([7, 0, 0x01]))  # TB: the first RAM row goes to the last gate
    wire.send(0x20)
    assert diagonal_rows(part) == [7, 6, 5, 4, 3, 2, 1, 0]
    wire.send(0x01, bytes([7, 0, 0x02]))  # SM: gates G0, G2, G4, G6, then G1, G3...
    wire.send(0x20)
    assert diagonal_rows(part) == [0, 4, 1, 5, 2, 6, 3, 7]
    wire.send(0x01, bytes([7, 0, 0x04]))  # GD: G1 first, the gates in swapped pairs
    wire.send(0x20)
    assert diagonal_rows(part) == [1, 0, 3, 2, 5, 4, 7, 6]
    assert part.gate_lines == 8 and part.gate_scan == 0x04


def test_ssd1680_rows_beyond_the_gate_lines_keep_their_picture(sim) -> None:
    part, wire = ssd1680_rows(sim)
    wire.send(0x20)
    assert diagonal_rows(part) == [0, 1, 2, 3, 4, 5, 6, 7]
    wire.send(0x4E, b"\x00")
    wire.send(0x4F, b"\x00\x00")
    wire.send(0x24, b"\x00" * 22 * 8)  # all black now
    wire.send(0x01, bytes([3, 0, 0]))  # only 4 gate lines driven
    wire.send(0x20)
    frame = part.frame
    assert all(pixel == BLACK for row in frame[:4] for pixel in row)
    assert diagonal_rows(part)[4:] == [4, 5, 6, 7]  # not driven: as they were


def il0373(sim, **options):
    part = sim.attach(IL0373(refresh_time=0, **options), clock="SCK", mosi="MOSI", cs="D5", dc="D6")
    return part, Wire()


def test_il0373_rows_as_wide_as_the_resolution(sim) -> None:
    part, wire = il0373(sim, width=104, height=212)
    wire.send(0x00, b"\x9f")  # 128 x 296 by the resolution bits, black/white, UD, SHL
    wire.send(0x61, bytes([104, 0, 212]))  # but 104 sources x 212 gates
    assert part.scan_size == (104, 212)
    data = bytearray(b"\xff" * 13 * 212)  # 13 bytes a row
    data[13 * 1] = 0x7F  # row 1, pixel 0
    data[13 * 2 + 12] = 0xFE  # row 2, pixel 103
    wire.send(0x13, bytes(data))
    wire.send(0x12)
    assert part.pixel(0, 1) == BLACK and part.pixel(103, 2) == BLACK
    assert part.colors() == {BLACK: 2, WHITE: 104 * 212 - 2}
    wire.send(0x00, b"\x93")  # UD and SHL clear: gates and sources scanned the other way
    wire.send(0x12)
    assert part.pixel(103, 210) == BLACK and part.pixel(0, 209) == BLACK


def test_il0373_data_polarity(sim) -> None:
    part, wire = il0373(sim, width=128, height=296, color=True)
    ones = b"\xff" * 16 * 296
    wire.send(0x00, b"\x9f")  # black/white
    wire.send(0x50, b"\x97")  # DDX 01: new data 1 is white
    wire.send(0x13, ones)
    wire.send(0x12)
    assert part.colors() == {WHITE: 128 * 296}
    wire.send(0x50, b"\x77")  # DDX 11: new data 1 is black
    wire.send(0x12)
    assert part.colors() == {BLACK: 128 * 296}
    wire.send(0x00, b"\x8f")  # black/white/red: 0x10 black/white, 0x13 red
    wire.send(0x10, ones)
    wire.send(0x13, ones)
    wire.send(0x12)  # DDX 11: black/white 1 is white, red 0 is red
    assert part.colors() == {WHITE: 128 * 296}
    wire.send(0x50, b"\x57")  # DDX 01: red 1 is red
    wire.send(0x12)
    assert part.colors() == {RED: 128 * 296}


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
