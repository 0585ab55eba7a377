"""A fast RGB(W) pixel buffer library for like NeoPixel and DotStar

The `adafruit_pixelbuf` module provides the :py:class:`PixelBuf` class to accelerate
RGB(W) strip/matrix manipulation, such as DotStar and Neopixel.

Byteorders are configured with strings, such as "RGB" or "RGBD".

Every CircuitPython board has this module built in, and the bundle's ``neopixel`` and
``adafruit_dotstar`` libraries subclass :class:`PixelBuf`: the subclass's ``_transmit(buffer)``
receives the bytes to send (header, pixels after brightness, trailer). Protoboard computes the
buffer as CircuitPython's C code does (256 brightness steps, integer scaling, DotStar's 5-bit
per-pixel brightness), so the bytes a strip receives are a board's bytes.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _validate

#: The types returned when getting a pixel value
PixelReturnType = tuple[int, int, int] | tuple[int, int, int, int] | tuple[int, int, int, float]
PixelReturnSequence = tuple[PixelReturnType]
#: The types accepted when setting a pixel value
PixelType = int | PixelReturnType
PixelSequence = tuple[PixelType] | list[PixelType]

_DOTSTAR_START = 0b1110_0000
_DOTSTAR_FULL = 0xFF


class _Order:
    """A parsed byteorder string: where each colour goes in a pixel's bytes."""

    __slots__ = ("b", "bpp", "dotstar", "g", "r", "text", "w", "white")

    def __init__(self, text: Any) -> None:
        if not isinstance(text, str):
            raise TypeError(f"byteorder must be of type str, not {_validate.type_name(text)}")
        if not 3 <= len(text) <= 4:
            raise _validate.invalid("byteorder")
        found = {c: text.find(c) for c in "PRGBW"}
        count = sum(1 for c in "PRGBW" if found[c] >= 0)
        if count < len(text) or min(found["R"], found["G"], found["B"]) < 0:
            raise _validate.invalid("byteorder")
        self.dotstar = found["P"] >= 0
        self.white = found["W"] >= 0
        if (self.dotstar and text[0] != "P") or (self.white and self.dotstar):
            raise _validate.invalid("byteorder")
        self.text = text
        self.bpp = len(text)
        self.r, self.g, self.b = found["R"], found["G"], found["B"]
        self.w = found["W"] if self.white else 0


def _as_uint8(value: Any) -> int:
    if isinstance(value, bool | int):
        return int(value) & 0xFF
    if isinstance(value, float):
        return int(value) & 0xFF
    raise TypeError(f"can't convert {_validate.type_name(value)} to int")


class PixelBuf:
    """A fast RGB[W] pixel buffer for LED and similar devices."""

    def __init__(
        self,
        size: int,
        *,
        byteorder: str = "BGR",
        brightness: float | None = None,
        auto_write: bool = False,
        header: Any = b"",
        trailer: Any = b"",
    ) -> None:
        """Create a PixelBuf object of the specified size, byteorder, and bits per pixel.

        When brightness is less than 1.0, a second buffer will be used to store the color values
        before they are adjusted for brightness.

        When ``P`` (PWM duration) is present as the 4th character of the byteorder
        string, the 4th value in the tuple/list for a pixel is the individual pixel
        brightness (0.0-1.0) and will enable a Dotstar compatible 1st byte for each
        pixel.

        :param int size: Number of pixels
        :param str byteorder: Byte order string (such as "RGB", "RGBW" or "PBGR")
        :param float brightness: Brightness (0 to 1.0, default 1.0)
        :param bool auto_write: Whether to automatically write pixels (Default False)
        :param ~circuitpython_typing.ReadableBuffer header: Sequence of bytes to always send
            before pixel values.
        :param ~circuitpython_typing.ReadableBuffer trailer: Sequence of bytes to always send
            after pixel values.
        """
        count = _validate.int_at_least(size, 0, "size")
        order = _Order(byteorder)
        head = _buffer_or_empty(header)
        tail = _buffer_or_empty(trailer)
        level = (
            1.0
            if brightness is None
            else min(1.0, max(0.0, _validate.to_float(brightness, "brightness")))
        )
        self._order = order
        self._count = count
        self._step = 4 if order.dotstar else order.bpp
        pixels = count * self._step
        self._transmit_buffer = bytearray(head) + bytearray(pixels) + bytearray(tail)
        self._start = len(head)
        if order.dotstar:
            for i in range(0, pixels, 4):
                self._transmit_buffer[self._start + i] = _DOTSTAR_FULL
        self._unscaled: bytearray | None = None
        self._brightness = 1.0
        self._scale = 0x100
        self._auto_write = False
        self.brightness = level
        self._auto_write = bool(auto_write)

    # -- properties -------------------------------------------------------------------------

    @property
    def bpp(self) -> int:
        """The number of bytes per pixel in the buffer (read-only)"""
        return self._order.bpp

    @property
    def brightness(self) -> float:
        """Float value between 0 and 1.  Output brightness.

        When brightness is less than 1.0, a second buffer will be used to store the color values
        before they are adjusted for brightness."""
        return self._brightness

    @brightness.setter
    def brightness(self, value: float) -> None:
        level = min(1.0, max(0.0, _validate.to_float(value, "brightness")))
        self._brightness = level
        scale = int(level * 256)  # 256 steps, integer maths, as the board
        if scale == self._scale:
            return
        self._scale = scale
        size = self._count * self._step
        if scale == 0x100 and self._unscaled is None:
            return
        if self._unscaled is None:
            self._unscaled = bytearray(self._transmit_buffer[self._start : self._start + size])
        out = self._transmit_buffer
        for i in range(size):
            if self._order.dotstar and i % 4 == 0:
                continue  # DotStar's per-pixel brightness byte is not scaled
            out[self._start + i] = (self._unscaled[i] * scale) // 256
        if self._auto_write:
            self.show()

    @property
    def auto_write(self) -> bool:
        """Whether to automatically write the pixels after each update."""
        return self._auto_write

    @auto_write.setter
    def auto_write(self, value: bool) -> None:
        self._auto_write = bool(value)

    @property
    def byteorder(self) -> str:
        """byteorder string for the buffer (read-only)"""
        return self._order.text

    # -- output -----------------------------------------------------------------------------

    def show(self) -> None:
        """Transmits the color data to the pixels so that they are shown. This is done automatically
        when `auto_write` is True."""
        transmit = getattr(self, "_transmit", None)
        if transmit is None:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '_transmit'")
        transmit(self._transmit_buffer)

    def fill(self, color: PixelType) -> None:
        """Fills the given pixelbuf with the given color."""
        rgbw = self._parse(color)
        for i in range(self._count):
            self._store(i, *rgbw)
        if self._auto_write:
            self.show()

    # -- pixels -----------------------------------------------------------------------------

    def __len__(self) -> int:
        return self._count

    def __bool__(self) -> bool:
        return True

    def __iter__(self) -> Any:
        for i in range(self._count):
            yield self._pixel(i)

    def __getitem__(self, index: Any) -> Any:
        """Returns the pixel value at the given index as a tuple of (Red, Green, Blue[, White])
        values between 0 and 255.  When in PWM (DotStar) mode, the 4th tuple value is a float of
        the pixel intensity from 0-1.0."""
        if isinstance(index, slice):
            return tuple(self._pixel(i) for i in range(*index.indices(self._count)))
        return self._pixel(self._index(index))

    def __setitem__(self, index: Any, value: Any) -> None:
        """Sets the pixel value at the given index.  Value can either be a tuple or integer.
        Tuples are The individual (Red, Green, Blue[, White]) values between 0 and 255.  If given
        an integer, the red, green and blue values are packed into the lower three bytes
        (0xRRGGBB). For RGBW byteorders, if given only RGB values either as an int or as a tuple,
        the white value is used instead when the red, green, and blue values are the same."""
        if isinstance(index, slice):
            self._set_slice(index, value)
        else:
            self._store(self._index(index), *self._parse(value))
        if self._auto_write:
            self.show()

    def __delitem__(self, index: Any) -> None:
        raise TypeError(f"'{type(self).__name__}' object doesn't support item deletion")

    def _set_slice(self, index: slice, value: Any) -> None:
        targets = range(*index.indices(self._count))
        items = list(value)
        if len(items) == len(targets):
            for i, item in zip(targets, items, strict=True):
                self._store(i, *self._parse(item))
            return
        bpp = self._order.bpp
        if len(items) != len(targets) * bpp:
            raise ValueError(
                f"Unmatched number of items on RHS (expected {len(targets)}, got {len(items)})."
            )
        for n, i in enumerate(targets):  # a flat list of components, bpp per pixel
            self._store(i, *self._parse(tuple(items[n * bpp : (n + 1) * bpp])))

    def _index(self, index: Any) -> int:
        if not isinstance(index, int):
            raise TypeError(
                f"{type(self).__name__} indices must be integers, not {_validate.type_name(index)}"
            )
        position = index + self._count if index < 0 else index
        if not 0 <= position < self._count:
            raise IndexError(f"{type(self).__name__} index out of range")
        return position

    def _parse(self, color: Any) -> tuple[int, int, int, int]:
        order = self._order
        w = 255 if order.dotstar else 0
        if isinstance(color, int | float):
            value = int(color)
            r, g, b = (value >> 16) & 0xFF, (value >> 8) & 0xFF, value & 0xFF
        else:
            items = _components(color)
            if not 3 <= len(items) <= 4:
                raise ValueError("color length must be 3-4")
            r, g, b = (_as_uint8(v) for v in items[:3])
            if len(items) > 3:
                last = items[3]
                w = int(255 * last) & 0xFF if isinstance(last, float) else int(last) & 0xFF
                return r, g, b, w
        if not order.dotstar and order.bpp == 4 and order.white and r == g == b:
            return 0, 0, 0, r  # all-equal RGB lights the white LED instead
        return r, g, b, w

    def _store(self, index: int, r: int, g: int, b: int, w: int) -> None:
        order = self._order
        if self._step == 4 and order.dotstar:
            w = _DOTSTAR_START | (w >> 3)
        offset = index * self._step
        raw = self._unscaled if self._unscaled is not None else None
        target = raw if raw is not None else self._transmit_buffer
        base = offset if raw is not None else self._start + offset
        if self._step == 4:
            target[base + order.w] = w
        target[base + order.r] = r
        target[base + order.g] = g
        target[base + order.b] = b
        if raw is None:
            return
        out, scale, at = self._transmit_buffer, self._scale, self._start + offset
        if self._step == 4:
            out[at + order.w] = w if order.dotstar else (w * scale) // 256
        out[at + order.r] = (r * scale) // 256
        out[at + order.g] = (g * scale) // 256
        out[at + order.b] = (b * scale) // 256

    def _pixel(self, index: int) -> Any:
        order = self._order
        if self._unscaled is not None:
            source, base = self._unscaled, order.bpp * index
        else:
            source, base = self._transmit_buffer, self._start + order.bpp * index
        values: list[Any] = [source[base + order.r], source[base + order.g], source[base + order.b]]
        if order.bpp > 3:
            w = source[base + order.w]
            values.append((w & 0b11111) / 31.0 if order.dotstar else w)
        return tuple(values)


def _buffer_or_empty(value: Any) -> bytes:
    """header/trailer: any readable buffer; anything else (None included) is no bytes."""
    if value is None:
        return b""
    try:
        return bytes(memoryview(value).cast("B"))
    except TypeError:
        return b""


def _components(color: Any) -> tuple[Any, ...]:
    if isinstance(color, tuple | list):
        return tuple(color)
    raise TypeError(f"object '{_validate.type_name(color)}' isn't a tuple or list")


_enum.publish("adafruit_pixelbuf", PixelBuf)
