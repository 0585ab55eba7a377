"""fourwire.FourWire and i2cdisplaybus.I2CDisplayBus on the simulated board, talking to the
display-controller parts as a display does: the init commands, the window set by the display
core (protoboard.displaycore.bus_core) and the pixels; CircuitPython's errors."""

from __future__ import annotations

import pytest

from protoboard.displaycore.bus_core import BusCore, ByteType, ChipSelect, PixelFormat, Region
from protoboard.ports.sim.parts.mipi_dcs import ILI9341, ST7789
from protoboard.ports.sim.parts.ssd1306 import SSD1306

RED565 = b"\xf8\x00"
RED, BLACK = (255, 0, 0), (0, 0, 0)


def four_wire(sim, part, **options):
    import board
    import fourwire

    sim.attach(part, clock="SCK", mosi="MOSI", cs="D5", dc="D6", reset="D9")
    return fourwire.FourWire(
        board.SPI(), command=board.D6, chip_select=board.D5, reset=board.D9, **options
    )


def fill(core: BusCore, region: Region, pixel: bytes) -> None:
    core.set_region(region, PixelFormat(depth=16))
    assert core.begin()
    core.send(ByteType.COMMAND, ChipSelect.UNTOUCHED, b"\x2c")
    width, height = region.x2 - region.x1, region.y2 - region.y1
    core.send(ByteType.DATA, ChipSelect.UNTOUCHED, pixel * (width * height))
    core.end()


def test_fourwire_init_window_and_pixels_reach_the_ili9341(sim) -> None:
    part = ILI9341(rotation=90)  # the PyPortal's glass
    bus = four_wire(sim, part)
    # The PyPortal's start-up: MY|MV|BGR, source scan reversed, 16-bit pixels
    bus.send(0x01, b"")
    bus.send(0x36, b"\xa8")
    bus.send(0x3A, b"\x55")
    bus.send(0xB6, b"\x08\xa2\x27")
    bus.send(0x11, b"")
    bus.send(0x29, b"")
    core = BusCore(bus, ram_width=0x100, ram_height=0x100)
    fill(core, Region(0, 0, 10, 5), RED565)
    fill(core, Region(310, 235, 320, 240), RED565)
    assert (part.width, part.height) == (320, 240)
    frame = part.frame
    assert frame[0][0] == RED and frame[4][9] == RED and frame[5][10] == BLACK
    assert frame[239][319] == RED and frame[234][309] == BLACK
    assert part.colors()[RED] == 100


def test_colstart_rowstart_and_toggle_every_byte(sim) -> None:
    part = ST7789(width=135, height=240, x_offset=52, y_offset=40, rotation=90)  # Feather TFT
    bus = four_wire(sim, part)
    for command, data in ((0x11, b""), (0x3A, b"\x55"), (0x36, b"\x60"), (0x21, b""), (0x29, b"")):
        bus.send(command, data, toggle_every_byte=True)
    assert part.madctl == 0x60 and part.lit
    core = BusCore(bus, ram_width=0x100, ram_height=0x100, colstart=40, rowstart=53)
    fill(core, Region(0, 0, 240, 135), RED565)
    assert part.colors() == {RED: 240 * 135}


def test_fourwire_reset_pulses_the_part(sim) -> None:
    part = ST7789()
    bus = four_wire(sim, part)
    bus.send(0x11, b"")
    bus.send(0x29, b"")
    assert part.lit
    bus.reset()
    assert not part.lit  # a hardware reset puts the controller to sleep with the display off
    assert sim.pin("D9").level is True


def test_i2cdisplaybus_frames_commands_and_data_for_the_ssd1306(sim) -> None:
    import board
    import i2cdisplaybus

    part = sim.attach(SSD1306(width=128, height=32))
    bus = i2cdisplaybus.I2CDisplayBus(board.I2C(), device_address=0x3C)
    # The SSD1306 takes parameters as command bytes (why its drivers use data_as_commands)
    for command in (
        0x8D,
        0x14,
        0xA8,
        0x1F,
        0x20,
        0x00,
        0xA1,
        0xC8,
        0xAF,
        0x21,
        0,
        0x7F,
        0x22,
        0,
        3,
    ):
        bus.send(command, b"")
    assert part.display_on and part.charge_pump and part.addressing_mode == "horizontal"
    while not bus._begin_transaction():
        pass
    bus._send(ByteType.DATA, ChipSelect.UNTOUCHED, b"\x01" + bytes(511))
    bus._end_transaction()
    assert part.lit_pixels() == {(0, 0)}


@pytest.mark.hostile
def test_bus_errors_are_circuitpythons(sim) -> None:
    import board
    import digitalio
    import fourwire
    import i2cdisplaybus

    sim.attach(SSD1306(width=128, height=32))
    with pytest.raises(ValueError, match="^Unable to find I2C Display at 3d$"):
        i2cdisplaybus.I2CDisplayBus(board.I2C(), device_address=0x3D)
    bus = i2cdisplaybus.I2CDisplayBus(board.I2C(), device_address=0x3C)
    with pytest.raises(RuntimeError, match="^No reset pin$"):
        bus.reset()
    with pytest.raises(ValueError, match="^command must be 0-255$"):
        bus.send(256, b"")
    spi = board.SPI()
    with pytest.raises(TypeError, match="^spi_bus must be of type SPI, not int$"):
        fourwire.FourWire(3, command=board.D6)
    with pytest.raises(ValueError, match="^polarity must be 0-1$"):
        fourwire.FourWire(spi, command=board.D6, polarity=2)
    held = digitalio.DigitalInOut(board.D7)
    with pytest.raises(ValueError, match="^D7 in use$"):
        fourwire.FourWire(spi, command=board.D7)
    with pytest.raises(TypeError, match="^int object missing 'deinit' method$"):
        fourwire.FourWire(spi, command=5)
    # A DigitalInOut the program made is used as it is (and left to the program)
    wire = fourwire.FourWire(spi, command=held)
    assert held.direction == digitalio.Direction.OUTPUT and held.value is True
    wire.send(0x29, b"")
    assert held.value is False  # D/C low for the command, then data (none)


def test_nine_bit_mode_packs_the_dc_bit(sim) -> None:
    import board
    import fourwire

    seen: list[bytes] = []

    from protoboard.ports.sim.parts.base import SPIPart

    class Recorder(SPIPart):
        kind = "Recorder"

        def spi_transfer(self, data: bytes) -> bytes:
            seen.append(bytes(data))
            return bytes(len(data))

    sim.attach(Recorder(), clock="SCK", mosi="MOSI", cs="D5")
    bus = fourwire.FourWire(board.SPI(), chip_select=board.D5)
    bus.send(0x2A, b"\x01")
    # Each send is packed on its own: D/C 0 + 0x2A is 000101010, padded to 0x15 0x00; D/C 1
    # + 0x01 is 100000001, padded to 0x80 0x80
    assert seen == [b"\x15\x00", b"\x80\x80"]


def test_parallel_bus_to_the_pyportal_screen_part(sim) -> None:
    import board
    import paralleldisplaybus

    from protoboard.ports.sim.parts.mipi_dcs import ILI9341Parallel

    part = sim.attach(ILI9341Parallel(), write="D10", cs="D11", dc="D12")
    bus = paralleldisplaybus.ParallelBus(
        data_pins=[board.D0, board.D1, board.D2, board.D3, board.D4, board.D5, board.D6, board.D7],
        command=board.D12,
        chip_select=board.D11,
        write=board.D10,
        read=None,
    )
    for command, data in ((0x11, b""), (0x36, b"\x48"), (0x3A, b"\x55"), (0x29, b"")):
        bus.send(command, data)
    core = BusCore(bus, ram_width=0x100, ram_height=0x100)
    fill(core, Region(0, 0, 4, 4), RED565)
    assert part.lit and part.colors()[RED] == 16 and part.pixel(0, 0) == RED
    with pytest.raises(RuntimeError, match="^No reset pin$"):
        bus.reset()


@pytest.mark.hostile
def test_parallel_bus_errors(sim) -> None:
    import board
    import paralleldisplaybus

    with pytest.raises(ValueError, match="^Specify exactly one of data0 or data_pins$"):
        paralleldisplaybus.ParallelBus(
            command=board.D12, chip_select=board.D11, write=board.D10, read=None
        )
    with pytest.raises(ValueError, match="^frequency must be >= 1$"):
        paralleldisplaybus.ParallelBus(
            data0=board.D0,
            command=board.D12,
            chip_select=board.D11,
            write=board.D10,
            read=None,
            frequency=0,
        )
