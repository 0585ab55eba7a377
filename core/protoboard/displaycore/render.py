"""Rendering a group to a frame without a display: tests, golden images, pictures for docs."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from protoboard.displaycore.area import Area, Transform, rotation_transform
from protoboard.displaycore.colorspace import Colorspace

if TYPE_CHECKING:
    from PIL import Image


def clip_area(cs: Colorspace, whole: Area, area: Area) -> Area | None:
    """``displayio_display_core_clip_area``: ``area`` inside the display, widened to whole
    bytes when pixels share bytes."""
    clipped = whole.intersection(area)
    if clipped is None:
        return None
    if cs.depth < 8:
        per_byte = 8 // cs.depth * cs.bytes_per_cell
        if cs.pixels_in_byte_share_row:
            clipped.x1 -= clipped.x1 % per_byte
            if clipped.x2 % per_byte:
                clipped.x2 += per_byte - clipped.x2 % per_byte
        else:
            clipped.y1 -= clipped.y1 % per_byte
            if clipped.y2 % per_byte:
                clipped.y2 += per_byte - clipped.y2 % per_byte
    return clipped


def buffer_size(cs: Colorspace, area: Area) -> int:
    """Bytes of a packed buffer for ``area`` in ``cs``."""
    bits = area.size() * cs.depth
    return (bits + 7) // 8


def mask_size(area: Area) -> int:
    """Bytes of the one-bit-per-pixel mask for ``area`` (whole uint32 words, as the C code)."""
    return (area.size() + 31) // 32 * 4


def fill(group: Any, cs: Colorspace, area: Area) -> bytearray:
    """``area``'s pixels in the display's packed format; pixels no layer drew are 0."""
    buffer = bytearray(buffer_size(cs, area))
    mask = bytearray(mask_size(area))
    if group is not None:
        group._fill_area(cs, area, mask, memoryview(buffer))
    return buffer


def render(
    group: Any,
    colorspace: Colorspace,
    width: int,
    height: int,
    area: Area | None = None,
    rotation: int = 0,
) -> bytes:
    """Render ``group`` as a ``width`` x ``height`` display rotated by ``rotation`` would: the
    group is placed under the display's transform (as ``root_group`` does) and the area
    (default: the whole panel, in the panel's own coordinates) is filled in one pass.

    The result is the packed pixel data a display would send for that area: row by row, 16-bit
    pixels as two bytes in wire order, sub-byte pixels packed as ``colorspace`` says.
    """
    transform, whole = rotation_transform(width, height, rotation)
    # A group on no display is taken out again afterwards, so it can still be shown on one
    # (a display refuses a group that is already in a group or on a display).
    placed = group is not None and group._in_group
    if group is not None:
        group._update_transform(transform)
    try:
        target = whole if area is None else clip_area(colorspace, whole, area)
        if target is None:
            return b""
        return bytes(fill(group, colorspace, target))
    finally:
        if group is not None and not placed:
            group._update_transform(None)


def panel_size(width: int, height: int, rotation: int) -> tuple[int, int]:
    """The panel's own width and height for a display of ``width`` x ``height`` at
    ``rotation``."""
    _, whole = rotation_transform(width, height, rotation)
    return whole.width(), whole.height()


def frame_to_image(data: bytes, colorspace: Colorspace, width: int, height: int) -> Image.Image:
    """A Pillow RGB image of a packed frame (``render``'s result) ``width`` x ``height``
    pixels in panel coordinates: 16-bit RGB565 expanded as a panel shows it, 8-bit RGB332 or
    grey, sub-byte pixels as grey levels (tricolour e-paper: black, white, the accent in red).
    """
    from PIL import Image

    rgb = bytearray()
    for value in unpack_frame(data, colorspace, width, height):
        rgb += value_to_rgb(colorspace, value).to_bytes(3, "big")
    return Image.frombytes("RGB", (width, height), bytes(rgb))


def unpack_frame(data: bytes, cs: Colorspace, width: int, height: int) -> list[int]:
    """Each pixel's value, row by row, from a packed frame."""
    depth = cs.depth
    count = width * height
    if depth == 16:
        words = memoryview(data).cast("H")
        return list(words[:count])
    if depth == 32:
        return list(memoryview(data).cast("I")[:count])
    if depth == 24:
        return [int.from_bytes(data[i * 3 : i * 3 + 3], "little") for i in range(count)]
    if depth == 8:
        return list(data[:count])
    per_byte = 8 // depth
    values = []
    for index in range(count):
        offset = index
        if not cs.pixels_in_byte_share_row:
            row, col = divmod(index, width)
            offset = col * per_byte + (row // per_byte) * per_byte * width + row % per_byte
        shift = (offset % per_byte) * depth
        if cs.reverse_pixels_in_byte:
            shift = (per_byte - 1) * depth - shift
        values.append((data[offset // per_byte] >> shift) & ((1 << depth) - 1))
    return values


def value_to_rgb(cs: Colorspace, value: int) -> int:
    """The RGB888 colour a panel of ``cs`` shows for one pixel value."""
    depth = cs.depth
    if depth == 16:
        if cs.reverse_bytes_in_word:
            value = ((value & 0xFF) << 8) | (value >> 8)
        r, g, b = (value >> 11) & 0x1F, (value >> 5) & 0x3F, value & 0x1F
        return ((r << 3) | (r >> 2)) << 16 | ((g << 2) | (g >> 4)) << 8 | ((b << 3) | (b >> 2))
    if depth in (24, 32):
        return value & 0xFFFFFF
    if cs.tricolor:
        return 0xFF0000 if value else 0x000000
    if depth == 8 and not cs.grayscale:
        r, g, b = (value >> 5) & 0x7, (value >> 2) & 0x7, value & 0x3
        return (r * 255 // 7) << 16 | (g * 255 // 7) << 8 | (b * 255 // 3)
    level = value * 255 // ((1 << depth) - 1)
    return level * 0x010101


def to_png(image: Image.Image, path: str) -> None:
    """Save a frame image as PNG with no timestamps, so the same frame gives the same file."""
    image.save(path, format="PNG", optimize=False)


def tricolor_colorspace(highlight_color: int = 0xFF0000) -> Colorspace:
    """The colorspace ``epaperdisplay.EPaperDisplay`` builds for a black/white/accent panel
    (one bit a pixel, leftmost pixel in the high bit)."""
    from protoboard.displaycore.colorspace import hue

    return Colorspace(
        depth=1,
        grayscale=True,
        tricolor=True,
        tricolor_hue=hue(highlight_color),
        pixels_in_byte_share_row=True,
        reverse_pixels_in_byte=True,
        reverse_bytes_in_word=True,
    )


def render_tricolor(
    group: Any, width: int, height: int, highlight_color: int = 0xFF0000, rotation: int = 0
) -> tuple[bytes, bytes]:
    """The two planes an e-paper display sends for ``group``: black/white (pass 0: grey,
    ``grayscale_bit`` 7) and accent (pass 1: not grey), as ``EPaperDisplay.c`` does."""
    cs = tricolor_colorspace(highlight_color)
    cs.grayscale, cs.grayscale_bit = True, 7
    black = render(group, cs, width, height, rotation=rotation)
    cs.grayscale = False
    accent = render(group, cs, width, height, rotation=rotation)
    return black, accent


def tricolor_image(
    black: bytes, accent: bytes, width: int, height: int, highlight_color: int = 0xFF0000
) -> Image.Image:
    """What a tricolour panel shows: the accent where its plane is set, else white or black."""
    from PIL import Image

    cs = tricolor_colorspace(highlight_color)
    whites = unpack_frame(black, cs, width, height)
    accents = unpack_frame(accent, cs, width, height)
    rgb = bytearray()
    for white, marked in zip(whites, accents, strict=True):
        colour = highlight_color if marked else (0xFFFFFF if white else 0x000000)
        rgb += colour.to_bytes(3, "big")
    return Image.frombytes("RGB", (width, height), bytes(rgb))


__all__ = [
    "Transform",
    "buffer_size",
    "clip_area",
    "fill",
    "frame_to_image",
    "mask_size",
    "panel_size",
    "render",
    "render_tricolor",
    "to_png",
    "tricolor_colorspace",
    "tricolor_image",
    "unpack_frame",
    "value_to_rgb",
]
