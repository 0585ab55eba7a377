"""``rgbmatrix``: HUB75 RGB LED matrices (the Matrix Portal's), shown through
`framebufferio.FramebufferDisplay`."""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _peripheral, _validate
from protoboard.hal import rgbmatrix as hal


class RGBMatrix(_peripheral.Peripheral[hal.RGBMatrix]):
    """Displays an in-memory framebuffer to a HUB75-style RGB LED matrix."""

    def __init__(
        self,
        *,
        width: int,
        bit_depth: int,
        rgb_pins: Any,
        addr_pins: Any,
        clock_pin: Any,
        latch_pin: Any,
        output_enable_pin: Any,
        doublebuffer: bool = True,
        framebuffer: Any = None,
        height: int = 0,
        tile: int = 1,
        serpentine: bool = True,
    ) -> None:
        """Create a RGBMatrix object with the given attributes. The height of the display is
        determined by the number of rgb and address pins and the number of tiles:
        ``len(rgb_pins) // 3 * 2 ** len(address_pins) * abs(tile)``. With 6 RGB pins, 4
        address lines, and a single matrix, the display will be 32 pixels tall. If the optional
        height parameter is specified and is not 0, it is checked against the calculated
        height.

        Up to 30 RGB pins and 8 address pins are supported.

        A RGBMatrix is often used in conjunction with a
        `framebufferio.FramebufferDisplay`."""
        clock = _validate.free_pin(clock_pin, "clock_pin")
        latch = _validate.free_pin(latch_pin, "latch_pin")
        enable = _validate.free_pin(output_enable_pin, "output_enable_pin")
        depth = _validate.int_range(bit_depth, 1, 6, "bit_depth")
        rgb = [_validate.free_pin(p, "rgb_pins") for p in _validate.sequence(rgb_pins)]
        addr = [_validate.free_pin(p, "addr_pins") for p in _validate.sequence(addr_pins)]
        if len(rgb) % 6:
            raise ValueError(f"Must use a multiple of 6 rgb pins, not {len(rgb)}")
        if len(rgb) > 30:
            raise ValueError("The length of rgb_pins must be 6, 12, 18, 24, or 30")
        tiles = _validate.int_at_least(tile, 1, "tile")
        computed = len(rgb) // 3 * (1 << len(addr)) * tiles
        height = _validate.to_int(height, "height")
        if height and height != computed:
            raise ValueError(
                f"{len(addr)} address pins, {len(rgb)} rgb pins and {tiles} tiles indicate a "
                f"height of {computed}, not {height}"
            )
        width = _validate.int_at_least(width, 1, "width")
        self._width, self._height = width, computed
        size = width * computed * 2
        if framebuffer is None:
            self._buffer = bytearray(size)
        else:
            view = memoryview(framebuffer).cast("B")
            if len(view) < size:
                raise ValueError(f"framebuffer must be at least {size} bytes")
            self._buffer = view  # type: ignore[assignment]
        self._brightness = 1.0
        self._claim(*rgb, *addr, clock, latch, enable)
        self._build(
            hal.RGBMatrix,
            tuple(p._id for p in rgb),
            tuple(p._id for p in addr),
            clock._id,
            latch._id,
            enable._id,
            width,
            computed,
            depth,
        )

    def deinit(self) -> None:
        """Free the resources (pins, timers, etc.) associated with this rgbmatrix instance.
        After deinitialization, no further operations may be performed."""
        super().deinit()

    @property
    def brightness(self) -> float:
        """In the current implementation, 0.0 turns the display off entirely and any other
        value up to 1.0 turns the display on fully."""
        self._checked()
        return self._brightness

    @brightness.setter
    def brightness(self, value: float) -> None:
        self._checked()
        level = _validate.to_float(value, "brightness")
        if not 0 <= level <= 1:
            raise ValueError("brightness must be 0-1")
        # As the stub says: off at 0, fully on otherwise.
        self._brightness = 0.0 if level == 0 else 1.0
        self._show()

    def refresh(self) -> None:
        """Transmits the color data in the buffer to the pixels so that they are shown."""
        self._show()

    @property
    def width(self) -> int:
        """The width of the display, in pixels"""
        self._checked()
        return self._width

    @property
    def height(self) -> int:
        """The height of the display, in pixels"""
        self._checked()
        return self._height

    def _show(self) -> None:
        self._checked().show(
            bytes(self._buffer[: self._width * self._height * 2]), self._brightness
        )

    # -- the framebuffer protocol framebufferio uses ------------------------------------------

    def _framebuffer(self) -> memoryview:
        """The pixels: RGB565 little-endian, row by row."""
        self._checked()
        return memoryview(self._buffer)

    def _swapbuffers(self) -> None:
        self._show()


__all__ = ["RGBMatrix"]
