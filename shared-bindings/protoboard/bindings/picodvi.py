"""``picodvi``: DVI video out of an RP2040 or RP2350 (the Fruit Jam's, the Metro and
Feather RP2350's), shown through `framebufferio.FramebufferDisplay`."""

from __future__ import annotations

import re
import time
import weakref
from typing import Any

from protoboard.bindings import _peripheral, _validate
from protoboard.displaycore import registry
from protoboard.hal import picodvi as hal

_DEPTHS = (1, 2, 4, 8, 16, 32)
_PIN_NAMES = ("clk_dp", "clk_dn", "red_dp", "red_dn", "green_dp", "green_dn", "blue_dp", "blue_dn")
#: the one DVI output a chip has (CircuitPython's ``active_picodvi``)
_active: weakref.ref[Framebuffer] | None = None


def _gpio(pin: Any) -> int | None:
    found = re.fullmatch(r"GPIO(\d+)", pin._id)
    return int(found.group(1)) if found else None


def _check_rp2350(width: int, height: int, depth: int, pins: list[Any]) -> None:
    """``common_hal_picodvi_framebuffer_preflight`` and the HSTX pins of the RP2350."""
    full = depth in (1, 2, 4, 8)  # scanned out as stored
    doubled = depth in (8, 16, 32)  # each pixel repeated 2x or 4x by the DMA
    allowed = {
        (640, 480): full,
        (720, 400): full,
        (320, 240): doubled,
        (360, 200): doubled,
        (160, 120): doubled,
        (180, 100): doubled,
    }
    if not allowed.get((width, height), False):
        raise ValueError("Invalid width and height")
    taken: set[int] = set()
    for name, pin in zip(_PIN_NAMES, pins, strict=True):
        number = _gpio(pin)
        if number is None or not 12 <= number <= 19 or number in taken:  # the HSTX outputs
            raise ValueError(f"Invalid {name} pin")
        taken.add(number)


def _check_rp2040(width: int, height: int, depth: int, pins: list[Any]) -> None:
    """The RP2040's PIO DVI: 640x480 or 800x480 timings, neighbouring dp/dn pairs."""
    sizes = {(640, 480), (320, 240), (640, 240), (800, 480), (400, 240), (800, 240)}
    if (width, height) not in sizes:
        if height not in (480, 240):
            raise ValueError("Invalid height")
        raise ValueError("Invalid width")
    if (width > 400) == (depth >= 8) or depth in (4, 32):
        raise ValueError("Invalid color_depth")
    numbers = [_gpio(p) for p in pins]
    dp, dn = numbers[0::2], numbers[1::2]
    inverted = dn[0] is not None and dp[0] is not None and dn[0] < dp[0]
    for i, name in enumerate(("clk_dp", "red_dp", "green_dp", "blue_dp")):
        low, high = (dn[i], dp[i]) if inverted else (dp[i], dn[i])
        if low is None or high is None or high - low != 1:
            raise ValueError(f"Invalid {name} pin")


class Framebuffer(_peripheral.Peripheral[hal.Framebuffer]):
    """A DVI framebuffer in RAM, scanned out to a monitor."""

    def __init__(
        self,
        width: int,
        height: int,
        *,
        clk_dp: Any,
        clk_dn: Any,
        red_dp: Any,
        red_dn: Any,
        green_dp: Any,
        green_dn: Any,
        blue_dp: Any,
        blue_dn: Any,
        color_depth: int = 8,
    ) -> None:
        """Create a Framebuffer object with the given dimensions.

        On RP2350, all pins must be an HSTX output (GPIO12 to GPIO19) but can be in any order.
        On RP2040, each dp and dn pair of pins must be neighboring and ordered the same way.

        The framebuffer pixel format varies depending on color_depth:

        * 1 - Each bit is a pixel. Either white (1) or black (0).
        * 2 - Each two bits is a pixel. Grayscale between white (0x3) and black (0x0).
        * 4 - Each nibble is a pixel in RGB format. The fourth bit is ignored. (RP2350 only)
        * 8 - Each byte is a pixel in RGB332 format.
        * 16 - Each two bytes is a pixel in RGB565 format.
        * 32 - Each four bytes is a pixel in RGB888 format. The top byte is ignored.

        On RP2350, output resolution is either 640x480 or 720x400. Monochrome framebuffers
        (color_depth=1 or 2) and 4-bit color must be full resolution. 8-bit color can be
        quarter, half or full resolution. 16-bit and 32-bit color must be quarter or half
        resolution (320x240, 360x200, 160x120, 180x100).

        On RP2040, output is 640x480 or 800x480: monochrome framebuffers full resolution,
        color (8 or 16 bits) half resolution (320x240 or 400x240).

        A Framebuffer is often used in conjunction with a `framebufferio.FramebufferDisplay`.

        :param int width: the width of the source framebuffer
        :param int height: the height of the source framebuffer
        :param ~microcontroller.Pin clk_dp: the positive clock signal pin
        :param ~microcontroller.Pin clk_dn: the negative clock signal pin
        :param ~microcontroller.Pin red_dp: the positive red signal pin
        :param ~microcontroller.Pin red_dn: the negative red signal pin
        :param ~microcontroller.Pin green_dp: the positive green signal pin
        :param ~microcontroller.Pin green_dn: the negative green signal pin
        :param ~microcontroller.Pin blue_dp: the positive blue signal pin
        :param ~microcontroller.Pin blue_dn: the negative blue signal pin
        :param int color_depth: the color depth of the framebuffer in bits: 1, 2, 4, 8, 16
            or 32"""
        global _active
        width = _validate.int_at_least(width, 0, "width")
        height = _validate.int_at_least(height, 0, "height")
        depth = _validate.to_int(color_depth, "color_depth")
        if depth not in _DEPTHS:
            raise ValueError("Invalid color_depth")
        from protoboard.machine import current

        machine = current()
        other = _active() if _active is not None else None
        if other is not None and other._impl is not None and other._machine is machine:
            raise RuntimeError("picodvi in use")
        given = (clk_dp, clk_dn, red_dp, red_dn, green_dp, green_dn, blue_dp, blue_dn)
        pins = [_validate.free_pin(p, n) for p, n in zip(given, _PIN_NAMES, strict=True)]
        if "rp2040" in machine.board.board_id:
            _check_rp2040(width, height, depth, pins)
        else:
            _check_rp2350(width, height, depth, pins)
        self._width, self._height, self._depth = width, height, depth
        # Each row starts on a 32-bit word, as the DMA reads it.
        self._stride = ((width * depth // 8) + 3) // 4 * 4
        self._buffer = bytearray(self._stride * height)
        self._fps = 60 if width % 160 == 0 else 70
        self._claim(*pins)
        self._build(hal.Framebuffer, tuple(p._id for p in pins), width, height, depth, self._stride)
        _active = weakref.ref(self)
        # Like any display bus, displayio.release_displays() lets it go.
        registry.register(self)
        self._show()

    def deinit(self) -> None:
        """Free the resources (pins, timers, etc.) associated with this
        `picodvi.Framebuffer` instance.  After deinitialization, no further operations
        may be performed."""
        registry.unregister(self)
        super().deinit()

    def _release(self) -> None:
        self.deinit()

    @property
    def width(self) -> int:
        """The width of the framebuffer, in pixels. It may be doubled for output."""
        self._checked()
        return self._width

    @property
    def height(self) -> int:
        """The width of the framebuffer, in pixels. It may be doubled for output."""
        self._checked()
        return self._height

    @property
    def color_depth(self) -> int:
        """The color depth of the framebuffer."""
        self._checked()
        return self._depth

    def wait_for_vblank(self) -> None:
        """Block until the next frame boundary (vertical blank), then return. Bounded by a
        short timeout, so it is safe even if no DVI signal is active."""
        self._checked()
        period = 1 / self._fps
        time.sleep(period - time.monotonic() % period)

    def _show(self) -> None:
        self._checked().show(bytes(self._buffer))

    # -- the framebuffer protocol framebufferio uses ------------------------------------------

    def _framebuffer(self) -> memoryview:
        """The pixels: ``height`` rows of ``_row_stride()`` bytes in the colour depth's format."""
        self._checked()
        return memoryview(self._buffer)

    def _swapbuffers(self) -> None:
        self._show()

    def _color_depth(self) -> int:
        return self._depth

    def _grayscale(self) -> bool:
        return self._depth < 4

    def _row_stride(self) -> int:
        return self._stride

    def _pixels_in_byte_share_row(self) -> bool:
        return True

    def _bytes_per_cell(self) -> int:
        return 1

    def _native_frames_per_second(self) -> int:
        return self._fps


__all__ = ["Framebuffer"]
