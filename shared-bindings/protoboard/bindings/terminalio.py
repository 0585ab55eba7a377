"""Displays text in a TileGrid

The `terminalio` module contains classes to display a character stream on a display. The built
in font is available as ``terminalio.FONT``.

.. note:: This module does not give access to the
    `REPL
    <https://learn.adafruit.com/welcome-to-circuitpython/interacting-with-the-serial-console>`_.

The built-in font is Terminus 6x12 (SIL Open Font License 1.1), as on a board.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.bindings.displayio import Bitmap, Palette, TileGrid
from protoboard.bindings.fontio import BuiltinFont
from protoboard.displaycore import fonts as _fonts


def _builtin_font() -> BuiltinFont:
    tile_w, tile_h, pixels, characters = _fonts.terminus_bitmap()
    bitmap = Bitmap(tile_w * len(characters), tile_h, 2)
    bitmap._store_run(0, list(pixels))
    bitmap._read_only = True
    return BuiltinFont._make(bitmap, tile_w, tile_h, _fonts.EXTRA_CHARACTERS)


FONT: BuiltinFont = _builtin_font()
"""The built in font"""


def _vt_colour(code: int) -> int:
    value = 0
    if code & 1:
        value += 0xFF0000
    if code & 2:
        value += 0x00FF00
    if code & 4:
        value += 0x0000FF
    return value


class Terminal:
    """Terminal manages tile indices and cursor position based on VT100 commands. The ``font``
    should be
    a `fontio.BuiltinFont` and the ``scroll_area`` TileGrid's bitmap should match the font's bitmap.

    Display a character stream with a TileGrid

    ASCII control:

    * ``\\r`` - Move cursor to column 1
    * ``\\n`` - Move cursor down a row
    * ``\\b`` - Move cursor left one if possible

    OSC control sequences:

    * ``ESC ] 0; <s> ESC \\`` - Set title bar to <s>
    * ``ESC ] ####; <s> ESC \\`` - Ignored

    VT100 control sequences:

    * ``ESC [ K`` - Clear the remainder of the line
    * ``ESC [ 0 K`` - Clear the remainder of the line
    * ``ESC [ 1 K`` - Clear start of the line to cursor
    * ``ESC [ 2 K`` - Clear the entire line
    * ``ESC [ #### D`` - Move the cursor to the left by ####
    * ``ESC [ 2 J`` - Erase the entire display
    * ``ESC [ nnnn ; mmmm H`` - Move the cursor to mmmm, nnnn.
    * ``ESC [ H`` - Move the cursor to 0,0.
    * ``ESC M`` - Move the cursor up one line, scrolling if necessary.
    * ``ESC D`` - Move the cursor down one line, scrolling if necessary.
    * ``ESC [ r`` - Disable scrolling range (set to fullscreen).
    * ``ESC [ nnnn ; mmmm r`` - Set scrolling range between rows nnnn and mmmm.
    * ``ESC [ ## m`` - Set the terminal display attributes (30-37 foreground, 40-47
      background: black, red, green, yellow, blue, magenta, cyan, white; 0 resets).
    """

    def __init__(
        self, scroll_area: TileGrid, font: BuiltinFont, *, status_bar: TileGrid | None = None
    ) -> None:
        """Terminal manages tile indices and cursor position based on VT100 commands. The font
        should be
        a `fontio.BuiltinFont` and the TileGrid's bitmap should match the font's bitmap."""
        if not isinstance(scroll_area, TileGrid):
            raise TypeError(
                f"scroll_area must be of type TileGrid, not {_validate.type_name(scroll_area)}"
            )
        if status_bar is not None and not isinstance(status_bar, TileGrid):
            raise TypeError(
                f"status_bar must be of type TileGrid, not {_validate.type_name(status_bar)}"
            )
        if not isinstance(font, BuiltinFont):
            raise TypeError("unsupported font type")
        _validate.int_at_least(
            scroll_area._width_in_tiles * scroll_area._height_in_tiles, 2, "scroll_area_area"
        )
        self._scroll = scroll_area
        self._status = status_bar
        self._font = font
        self._cursor_x = self._cursor_y = 0
        self._status_x = self._status_y = 0
        self._vt_scroll_top = 0
        self._vt_scroll_end = scroll_area._height_in_tiles - 1
        self._in_osc = False
        self._osc_command = 0
        self._set_all_tiles(False, " ")
        if status_bar is not None:
            self._set_all_tiles(True, " ")
        self._set_top_left(0, 1)

    # --- tiles -----------------------------------------------------------------------------

    def _set_top_left(self, x: int, y: int) -> None:
        self._scroll._top_left_x = x
        self._scroll._top_left_y = y
        self._scroll._full_change = True

    def _put(self, grid: TileGrid, x: int, y: int, tile: int) -> None:
        if tile >= grid._tiles_in_bitmap:
            raise ValueError("Tile index out of bounds")
        grid._tiles[y * grid._width_in_tiles + x] = tile
        grid._mark_tile_dirty(x, y)

    def _set_tile(self, status_bar: bool, character: str) -> None:
        grid = self._status if status_bar else self._scroll
        assert grid is not None
        tile = self._font._glyph_index(ord(character))
        if tile == 0xFF:
            return  # a missing glyph is skipped
        w, h = grid._width_in_tiles, grid._height_in_tiles
        x, y = (self._status_x, self._status_y) if status_bar else (self._cursor_x, self._cursor_y)
        self._put(grid, x, y, tile)
        x += 1
        if x >= w:
            y += 1
            x %= w
        if y >= h:
            y %= h
        if status_bar:
            self._status_x, self._status_y = x, y
        else:
            self._cursor_x, self._cursor_y = x, y

    def _set_all_tiles(self, status_bar: bool, character: str) -> None:
        if status_bar:
            self._status_x = self._status_y = 0
        else:
            self._cursor_x = self._cursor_y = 0
        self._set_tile(status_bar, character)
        while (
            (self._status_x, self._status_y) != (0, 0)
            if status_bar
            else (self._cursor_x, self._cursor_y) != (0, 0)
        ):
            self._set_tile(status_bar, character)

    def _screen_row(self, row: int) -> int:
        return (row + self._scroll._top_left_y) % self._scroll._height_in_tiles

    def _get_tile(self, x: int, y: int) -> int:
        grid = self._scroll
        return grid._tiles[y * grid._width_in_tiles + x]

    def _clear_row(self) -> None:
        for _ in range(self._scroll._width_in_tiles):
            self._set_tile(False, " ")

    # --- the stream ------------------------------------------------------------------------

    def write(self, buf: Any) -> int | None:
        """Write the buffer of bytes to the bus.

        :return: the number of bytes written
        :rtype: int or None"""
        try:
            data = bytes(memoryview(buf))
        except TypeError:
            raise TypeError(
                f"object with buffer protocol required, not {_validate.type_name(buf)}"
            ) from None
        text = data.decode("utf-8", errors="replace")
        chars = [ord(c) for c in text]
        self._write(chars)
        return len(data)

    # Complex: one state machine over the characters, as common_hal_terminalio_terminal_write
    def _write(self, chars: list[int]) -> None:  # noqa: C901
        grid = self._scroll
        height = grid._height_in_tiles
        width = grid._width_in_tiles
        start_y = self._cursor_y
        index = 0

        def at(k: int) -> int:
            return chars[k] if 0 <= k < len(chars) else 0

        while index < len(chars):
            c = chars[index]
            index += 1
            if self._in_osc:
                if c == 0x1B and at(index) == ord("\\"):
                    self._in_osc = False
                    self._status_x = self._status_y = 0
                    index += 1
                elif (
                    self._osc_command == 0
                    and self._status is not None
                    and self._status_y < self._status._height_in_tiles
                ):
                    if self._status_x == 0 and self._status_y == 0:
                        self._set_all_tiles(True, " ")
                    self._set_tile(True, chr(c))
                continue
            if c < 0x20:
                if c == 0x0D:
                    self._cursor_x = 0
                elif c == 0x09:
                    for _ in range(4):
                        self._set_tile(False, " ")
                elif c == 0x0A:
                    self._cursor_y += 1
                elif c == 0x08:
                    if self._cursor_x > 0:
                        self._cursor_x -= 1
                elif c == 0x1B:
                    index, start_y = self._escape(chars, index, start_y, at)
            else:
                self._set_tile(False, chr(c))
            if self._cursor_x >= width:
                self._cursor_y += 1
                self._cursor_x %= width
            if self._cursor_y >= height:
                self._cursor_y %= height
            if self._cursor_y != start_y:
                if (self._cursor_y + height - 1) % height == self._screen_row(self._vt_scroll_end):
                    self._scroll_up(height, width)
                start_y = self._cursor_y

    def _scroll_up(self, height: int, width: int) -> None:
        full = self._vt_scroll_top == 0 and self._vt_scroll_end == height - 1
        if not full:
            self._cursor_y = self._screen_row(self._vt_scroll_end)
            for row in range(self._vt_scroll_top, self._vt_scroll_end):
                for col in range(width):
                    self._put(
                        self._scroll,
                        col,
                        self._screen_row(row),
                        self._get_tile(col, self._screen_row(row + 1)),
                    )
        else:
            self._set_top_left(0, (self._cursor_y + height + 1) % height)
        self._cursor_x = 0
        old_y = self._cursor_y
        self._clear_row()
        self._cursor_x = 0
        self._cursor_y = old_y

    def _escape(self, chars: list[int], i: int, start_y: int, at: Any) -> tuple[int, int]:
        """``ESC`` at ``i - 1``: run the sequence, return where reading goes on and ``start_y``."""
        grid = self._scroll
        height, width = grid._height_in_tiles, grid._width_in_tiles
        args = [0, 0, 0]
        n_args = 1
        c = 0
        j = 1
        while j < 6:
            digit = at(i + j)
            if 0x30 <= digit <= 0x39:
                args[0] = args[0] * 10 + digit - 0x30
            else:
                c = digit
                break
            j += 1
        lead = at(i)
        if lead == ord("["):
            slot = 1
            while slot < 3 and c == ord(";"):
                args[slot] = 0
                j += 1
                while j < 12:
                    digit = at(i + j)
                    if 0x30 <= digit <= 0x39:
                        args[slot] = args[slot] * 10 + digit - 0x30
                        n_args = slot + 1
                    else:
                        c = digit
                        break
                    j += 1
                slot += 1
            if c == ord("?"):
                return i + 5, start_y
            start_y = self._csi(c, args, n_args, start_y)
            return i + j + 1, start_y
        if lead == ord("M"):
            self._reverse_index(height, width)
            return i + 1, self._cursor_y
        if lead == ord("D"):
            self._cursor_y += 1
            return i + 1, start_y
        if lead == ord("]") and c == ord(";"):
            self._in_osc = True
            self._osc_command = args[0]
            return i + j + 1, start_y
        return i, start_y

    def _csi(self, c: int, args: list[int], n_args: int, start_y: int) -> int:
        """Run ``ESC [ args c`` (one branch a command, as the C code); returns ``start_y``."""
        grid = self._scroll
        height, width = grid._height_in_tiles, grid._width_in_tiles
        if c == ord("K"):
            original = (self._cursor_x, self._cursor_y)
            clear_start, clear_end = self._cursor_x, width
            if args[0] == 1:
                clear_start, clear_end = 0, self._cursor_x
            elif args[0] == 2:
                clear_start = 0
            self._cursor_x = clear_start
            for _ in range(clear_start, clear_end):
                self._set_tile(False, " ")
            self._cursor_x, self._cursor_y = original
        elif c == ord("D"):
            self._cursor_x = 0 if args[0] > self._cursor_x else self._cursor_x - args[0]
        elif c == ord("J"):
            if args[0] == 2:
                self._set_top_left(0, 0)
                self._cursor_x = self._cursor_y = start_y = 0
                self._set_all_tiles(False, " ")
        elif c == ord("H"):
            row = max(args[0] - 1, 0) if args[0] > 0 else 0
            col = max(args[1] - 1, 0) if args[1] > 0 else 0
            row = min(row, height - 1)
            col = min(col, width - 1)
            self._cursor_x = col
            self._cursor_y = self._screen_row(row)
            start_y = self._cursor_y
        elif c == ord("m"):
            palette = grid._pixel_shader
            for k in range(n_args):
                code = args[k]
                if isinstance(palette, Palette) and (40 <= code <= 47 or 30 <= code <= 37):
                    palette[1 - code // 40] = _vt_colour(code % 10)
                if isinstance(palette, Palette) and code == 0:
                    palette[0] = 0x000000
                    palette[1] = 0xFFFFFF
        elif c == ord("r"):
            if args[0] < args[1] and args[0] >= 1 and args[1] <= height:
                self._vt_scroll_top, self._vt_scroll_end = args[0] - 1, args[1] - 1
            else:
                self._vt_scroll_top, self._vt_scroll_end = 0, height - 1
            self._cursor_x = 0
            self._cursor_y = grid._top_left_y % height
            start_y = self._cursor_y
        return start_y

    def _reverse_index(self, height: int, width: int) -> None:
        """``ESC M``: up a line, scrolling the region down at its top."""
        if self._cursor_y != self._screen_row(self._vt_scroll_top):
            self._cursor_y = self._cursor_y - 1 if self._cursor_y > 0 else height - 1
            return
        if self._vt_scroll_top != 0 or self._vt_scroll_end != height - 1:
            for row in range(self._vt_scroll_end - 1, self._vt_scroll_top - 1, -1):
                for col in range(width):
                    self._put(
                        self._scroll,
                        col,
                        self._screen_row(row + 1),
                        self._get_tile(col, self._screen_row(row)),
                    )
            self._cursor_x = 0
            old_y = self._cursor_y
            self._clear_row()
            self._cursor_y = old_y
        else:
            top = self._cursor_y - 1 if self._cursor_y > 0 else height - 1
            self._set_top_left(0, top)
            self._cursor_x = 0
            self._cursor_y = self._scroll._top_left_y
            self._clear_row()
            self._cursor_y = self._scroll._top_left_y
        self._cursor_x = 0

    @property
    def cursor_x(self) -> int:
        """The x position of the cursor."""
        return self._cursor_x

    @property
    def cursor_y(self) -> int:
        """The y position of the cursor."""
        return self._cursor_y


_enum.publish("terminalio", Terminal)
