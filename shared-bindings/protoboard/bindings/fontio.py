"""Core font related data structures

.. note:: This module is intended only for low-level usage.  For working with
    fonts in CircuitPython see the `adafruit_bitmap_font library
    <https://github.com/adafruit/Adafruit_CircuitPython_Bitmap_Font>`_.
    For information on creating custom fonts for use in CircuitPython, see
    `this Learn guide
    <https://learn.adafruit.com/custom-fonts-for-pyportal-circuitpython-display>`_.
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from protoboard.bindings import _enum, _validate


class Glyph(namedtuple("Glyph", "bitmap tile_index width height dx dy shift_x shift_y")):
    """Storage of glyph info: a named tuple of ``bitmap``, ``tile_index`` (the tile within the
    bitmap), ``width``, ``height`` (the glyph bitmap's size), ``dx``, ``dy`` (adjustments to its
    position) and ``shift_x``, ``shift_y`` (the difference to the next glyph)."""

    __slots__ = ()


class BuiltinFont:
    """A font built into CircuitPython"""

    def __new__(cls, *args: Any, **kwargs: Any) -> BuiltinFont:
        raise _validate.cannot_create("fontio.BuiltinFont")

    bitmap: Any
    _width: int
    _height: int
    _extra: str

    @classmethod
    def _make(cls, bitmap: Any, width: int, height: int, extra: str) -> BuiltinFont:
        font = object.__new__(cls)
        font.bitmap = bitmap
        font._width = width
        font._height = height
        font._extra = extra
        return font

    def get_bounding_box(self) -> tuple[int, int]:
        """Returns the maximum bounds of all glyphs in the font in a tuple of two values: width,
        height."""
        return self._width, self._height

    def _glyph_index(self, codepoint: int) -> int:
        if 0x20 <= codepoint <= 0x7E:
            return codepoint - 0x20
        position = self._extra.find(chr(codepoint)) if 0 <= codepoint <= 0x10FFFF else -1
        return 0xFF if position < 0 else 0x7F - 0x20 + position

    def get_glyph(self, codepoint: int) -> Glyph | None:
        """Returns a `fontio.Glyph` for the given codepoint or None if no glyph is available."""
        if not isinstance(codepoint, int):
            raise TypeError(f"codepoint must be of type int, not {_validate.type_name(codepoint)}")
        index = self._glyph_index(int(codepoint))
        if index == 0xFF:
            return None
        return Glyph(self.bitmap, index, self._width, self._height, 0, 0, self._width, 0)


_enum.publish("fontio", BuiltinFont, Glyph)
