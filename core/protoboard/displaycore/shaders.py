"""Pixel shaders' render side: Palette and ColorConverter state and their row conversions
(``displayio_palette_get_color``, ``displayio_colorconverter_convert``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from protoboard.displaycore.colorspace import Colorspace, convert_color, to_rgb888

#: converts a row of input values into output pixels (None: transparent)
RowConvert = Callable[[Sequence[int]], list[int | None]]

NO_TRANSPARENT_COLOR = 0x1000000


class PaletteCore:
    """A palette's colours, transparency flags and per-colorspace cache."""

    def __init__(self, color_count: int, dither: bool = False) -> None:
        self._colors = [0] * color_count
        self._transparent = [False] * color_count
        self._dither = dither
        self._needs_refresh = False
        self._table_key: tuple[object, ...] | None = None
        self._table: list[int | None] = []

    def _changed(self) -> None:
        self._needs_refresh = True
        self._table_key = None

    def _output_table(self, cs: Colorspace) -> list[int | None]:
        key = cs.key()
        if self._table_key != key:
            table: list[int | None] = []
            for rgb, transparent in zip(self._colors, self._transparent, strict=True):
                table.append(None if transparent else convert_color(cs, rgb))
            self._table = table
            self._table_key = key
        return self._table

    def _row_converter(self, cs: Colorspace) -> RowConvert | None:
        """A whole-row conversion, or None when each pixel needs its own (dithering)."""
        if self._dither:
            return None
        # Indexes past the palette are transparent (C reads past its end for == color_count).
        table = self._output_table(cs) + [None] * (256 - len(self._colors))
        lookup = table.__getitem__
        size = len(table)

        def convert(row: Sequence[int]) -> list[int | None]:
            try:
                return list(map(lookup, row))
            except IndexError:
                return [lookup(v) if v < size else None for v in row]

        return convert

    def _pixel(self, cs: Colorspace, value: int, tile_x: int, tile_y: int) -> int | None:
        if value >= len(self._colors) or self._transparent[value]:
            return None
        return convert_color(cs, self._colors[value], self._dither, tile_x, tile_y)

    def _finish_refresh(self) -> None:
        self._needs_refresh = False


class _Cache(dict[int, int | None]):
    def __init__(self, convert: Callable[[int], int | None]) -> None:
        super().__init__()
        self._convert = convert

    def __missing__(self, key: int) -> int | None:
        value = self[key] = self._convert(key)
        return value


class ColorConverterCore:
    """A colour converter's state: its input colorspace, dithering and transparent colour."""

    def __init__(self, input_colorspace: str = "RGB888", dither: bool = False) -> None:
        self._input_colorspace = input_colorspace
        self._dither = dither
        self._transparent_color = NO_TRANSPARENT_COLOR
        self._cache_key: tuple[object, ...] | None = None
        self._cache: _Cache | None = None

    def _convert_one(self, cs: Colorspace, value: int, x: int = 0, y: int = 0) -> int | None:
        if value == self._transparent_color:
            return None
        rgb = to_rgb888(self._input_colorspace, value)
        return convert_color(cs, rgb, self._dither, x, y)

    def _row_converter(self, cs: Colorspace) -> RowConvert | None:
        if self._dither:
            return None
        key = (*cs.key(), self._transparent_color, self._input_colorspace)
        if self._cache is None or self._cache_key != key:
            self._cache = _Cache(lambda v: self._convert_one(cs, v))
            self._cache_key = key
        lookup = self._cache.__getitem__

        def convert(row: Sequence[int]) -> list[int | None]:
            return list(map(lookup, row))

        return convert

    def _pixel(self, cs: Colorspace, value: int, tile_x: int, tile_y: int) -> int | None:
        return self._convert_one(cs, value, tile_x, tile_y)

    def _finish_refresh(self) -> None:
        pass


def raw_converter(cs: Colorspace) -> RowConvert:
    """``pixel_shader=None``: the bitmap's values are the display's pixels (truncated to the
    buffer's word as the C code's store does)."""
    limit = (1 << cs.depth) - 1 if cs.depth in (8, 16) else 0xFFFF_FFFF

    def convert(row: Sequence[int]) -> list[int | None]:
        return [v & limit for v in row]

    return convert
