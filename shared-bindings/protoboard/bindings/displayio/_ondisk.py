"""displayio.OnDiskBitmap: a BMP file's pixels, read as ``OnDiskBitmap.c`` reads them."""

from __future__ import annotations

from typing import Any, BinaryIO

from protoboard.bindings import _validate
from protoboard.bindings.displayio._shaders import ColorConverter, Palette


def _word(data: bytes, index: int) -> int:
    """A little-endian 32-bit value at 16-bit word ``index`` of the header (``read_word``)."""
    return int.from_bytes(data[index * 2 : index * 2 + 4], "little")


class OnDiskBitmap:
    """Loads values straight from disk. This minimizes memory use but can lead to
    much slower pixel load times. These load times may result in frame tearing where only part of
    the image is visible.

    It's easiest to use on a board with a built in display such as the `Hallowing M0 Express
    <https://www.adafruit.com/product/3900>`_.

    .. code-block:: Python

      import board
      import displayio
      import time
      import pulseio

      board.DISPLAY.brightness = 0
      splash = displayio.Group()
      board.DISPLAY.root_group = splash

      odb = displayio.OnDiskBitmap('/sample.bmp')
      face = displayio.TileGrid(odb, pixel_shader=odb.pixel_shader)
      splash.append(face)
      # Wait for the image to load.
      board.DISPLAY.refresh(target_frames_per_second=60)

      # Fade up the backlight
      for i in range(100):
          board.DISPLAY.brightness = 0.01 * i
          time.sleep(0.05)

      # Wait forever
      while True:
          pass"""

    def __init__(self, file: str | BinaryIO) -> None:
        """Create an OnDiskBitmap object with the given file.

        :param file file: The name of the bitmap file.  For backwards compatibility, a file opened
            in binary mode may also be passed.

        Older versions of CircuitPython required a file opened in binary
        mode. CircuitPython 7.0 modified OnDiskBitmap so that it takes a
        filename instead, and opens the file internally.  A future version
        of CircuitPython will remove the ability to pass in an opened file.
        """
        if isinstance(file, str):
            with open(file, "rb") as handle:
                data = handle.read()
        elif hasattr(file, "read") and hasattr(file, "seek"):
            if "b" not in getattr(file, "mode", "b"):
                raise TypeError("file must be a file opened in byte mode")
            file.seek(0)
            data = file.read()
            if not isinstance(data, bytes | bytearray):
                raise TypeError("file must be a file opened in byte mode")
        else:
            raise TypeError(f"file must be of type str, not {_validate.type_name(file)}")
        self._parse(bytes(data))
        self._pixels: list[int] | None = None

    def _parse(self, data: bytes) -> None:
        if len(data) < 26 or data[:2] != b"BM":
            raise ValueError("Invalid file")
        header_size = _word(data, 7)
        if header_size in (40, 108, 124):
            if len(data) < 14 + header_size:
                raise ValueError("Invalid file")
        elif header_size != 12:
            raise ValueError(
                "Only Windows format, uncompressed BMP supported: given header size is "
                f"{header_size}"
            )
        compression = _word(data, 15)
        if compression not in (0, 3):
            raise ValueError("RLE-compressed BMP not supported")
        self._data = data
        self._data_offset = _word(data, 5)
        self._bitfields = compression == 3
        self._bpp = int.from_bytes(data[28:30], "little")
        self._width = _word(data, 9) & 0xFFFF
        self._height = _word(data, 11) & 0xFFFF
        if self._bpp not in (1, 2, 4, 8, 16, 24, 32):
            raise ValueError("Invalid file")
        shader: Any = ColorConverter()
        self._masks = (0x7C00, 0x3E0, 0x1F)
        if self._bpp == 16 and (header_size >= 56 or self._bitfields):
            self._masks = (_word(data, 27), _word(data, 29), _word(data, 31))
        elif self._bpp <= 8:
            colors = _word(data, 23) if header_size >= 40 else 0
            colors = colors or 1 << self._bpp
            palette = Palette(min(colors, 32767))
            if colors > 1:
                start = 14 + header_size
                table = data[start : start + colors * 4]
                if len(table) != colors * 4:
                    raise ValueError("Unable to read color palette data")
                for index in range(len(palette)):
                    palette[index] = (
                        int.from_bytes(table[index * 4 : index * 4 + 4], "little") & 0xFFFFFF
                    )
            else:
                # C sets colours 0 and 1 of a one-colour palette (black, white); 1 is past the end
                palette[0] = 0x000000
            shader = palette
        self._pixel_shader = shader
        bytes_per_pixel = max(self._bpp // 8, 1)
        if self._bpp >= 8:
            stride = self._width * bytes_per_pixel
            self._stride = stride + (-stride % 4)
        else:
            bits = self._width * self._bpp
            self._stride = (bits + (-bits % 32)) // 8

    def _decode(self) -> list[int]:
        width, height, bpp = self._width, self._height, self._bpp
        data = self._data
        pixels: list[int] = []
        size = max(bpp // 8, 1)
        for y in range(height):
            start = self._data_offset + (height - y - 1) * self._stride
            row = data[start : start + self._stride].ljust(self._stride + 4, b"\x00")
            if bpp < 8:
                per_byte = 8 // bpp
                mask = (1 << bpp) - 1
                for x in range(width):
                    offset = (x % per_byte) * bpp
                    pixels.append((row[x // per_byte] >> ((8 - bpp) - offset)) & mask)
            elif bpp == 8:
                pixels.extend(row[:width])
            else:
                for x in range(width):
                    pixels.append(
                        self._colour(int.from_bytes(row[x * size : x * size + size], "little"))
                    )
        return pixels

    def _colour(self, value: int) -> int:
        if self._bpp == 16:
            r_mask, g_mask, b_mask = self._masks
            if g_mask == 0x07E0:
                red, green, blue = (value & r_mask) >> 11, (value & g_mask) >> 5, value & b_mask
            else:
                red, green, blue = (value & r_mask) >> 10, (value & g_mask) >> 4, value & b_mask
            return ((red & 0xFF) << 19 | (green & 0xFF) << 10 | (blue & 0xFF) << 3) & 0xFFFF_FFFF
        if self._bpp == 32 and self._bitfields:
            return value & 0xFFFFFF
        return value

    def _all(self) -> list[int]:
        if self._pixels is None:
            self._pixels = self._decode()
        return self._pixels

    def _row(self, y: int, x1: int, x2: int) -> list[int]:
        start = y * self._width
        return self._all()[start + x1 : start + x2]

    def _get(self, x: int, y: int) -> int:
        if 0 <= x < self._width and 0 <= y < self._height:
            return self._all()[y * self._width + x]
        return 0

    @property
    def width(self) -> int:
        """Width of the bitmap. (read only)"""
        return self._width

    @property
    def height(self) -> int:
        """Height of the bitmap. (read only)"""
        return self._height

    @property
    def pixel_shader(self) -> ColorConverter | Palette:
        """The image's pixel_shader.  The type depends on the underlying
        bitmap's structure.  The pixel shader can be modified (e.g., to set the
        transparent pixel or, for palette shaded images, to update the palette.)"""
        return self._pixel_shader  # type: ignore[no-any-return]
