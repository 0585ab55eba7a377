"""displayio's rendering core: what a display asks its layers to draw, as CircuitPython's
``shared-module/displayio`` C code does it. No hardware here; displays (``busdisplay``,
``epaperdisplay``, ``framebufferio``...) call this interface and send the result over their bus.

The interface displays use
--------------------------

Coordinates are the panel's own (what ``displayio_display_core_t.area`` holds): a display of
``width`` x ``height`` at ``rotation`` 90 or 270 has a panel area of ``height`` x ``width``.

``Area(x1, y1, x2, y2)``
    A rectangle, ``x2``/``y2`` exclusive. ``union``, ``intersection`` (None when they do not
    overlap; also ``compute_overlap(a, b)``), ``width``, ``height``, ``size``, ``empty``,
    ``canon``, ``shift``, ``scale``, ``copy``, ``transform_within``.

``Colorspace(depth, bytes_per_cell, tricolor, sevencolor, grayscale, pixels_in_byte_share_row,
reverse_pixels_in_byte, reverse_bytes_in_word, dither, tricolor_hue, tricolor_luma, ...)``
    The display's pixel format (``_displayio_colorspace_t``; also ``fourcolor``,
    ``fourcolor_hue``, ``sixcolor``, ``grayscale_bit``). A display keeps one and may change
    ``grayscale``/``grayscale_bit``/``tricolor`` between passes (e-paper); conversions cached by
    palettes follow ``Colorspace.key()``.

``Transform`` and ``rotation_transform(width, height, rotation) -> (Transform, Area)``
    A display's transform and panel area for a rotation (``displayio_display_core_set_rotation``).

Every layer (``displayio.Group``, ``displayio.TileGrid``, ``vectorio`` shapes, the terminal's
group) has these methods; a display calls them on its ``root_group``:

``_update_transform(transform: Transform | None) -> None``
    Place the layer under the display's transform (when it becomes ``root_group`` or the
    rotation changes); None when it stops being shown.

``_get_refresh_areas(areas: list[Area]) -> None``
    Append the panel areas changed since the last refresh (what the C code links into its
    list; the order does not change the frame). Call before filling, once per refresh. The
    areas are the layers' own objects (as the C list links them): use them before
    ``_finish_refresh``, which resets some of them.

``_fill_area(colorspace: Colorspace, area: Area, mask: bytearray, buffer: memoryview) -> bool``
    Draw the layer's pixels inside ``area`` into ``buffer``: the area's packed pixels in the
    display's format, row by row (``area.width()`` pixels a row), exactly the bytes the C code
    leaves in its ``uint32_t`` buffer on a little-endian MCU (so a 16-bit pixel is stored
    little-endian and, with ``reverse_bytes_in_word``, goes high byte first on the wire).
    ``mask`` is one bit per pixel of the area (bit ``i % 8`` of byte ``i // 8`` for pixel
    ``i = row * width + column``, before any sub-byte reordering), set where a layer above has
    drawn; a layer draws only where the bit is clear and sets it where it draws. Start each
    area with a zeroed mask (``mask_size(area)`` bytes) and a buffer of
    ``buffer_size(colorspace, area)`` bytes filled with the background (usually 0). Returns
    True when the layer covered the whole area with opaque pixels. Areas may be as large as
    the panel (no 16-bit offset limit here): one call per refresh area is fastest.

``_finish_refresh() -> None``
    After the refresh: forget the changes drawn (dirty areas, moved flags, palette changes).

For displays also: ``protoboard.displaycore.registry.register(display)`` when a display is
made (``displayio.release_displays()`` then calls its ``_release()``), and
``protoboard.bindings._terminal_display.start_terminal(width, height)``, which lays out
``displayio.CIRCUITPYTHON_TERMINAL`` (the REPL shown while ``root_group`` is None) for the
display's size and returns the ``terminalio.Terminal`` the console output goes to.
E-paper: ``render.tricolor_colorspace(highlight)`` and ``render_tricolor`` do the two passes of
``EPaperDisplay.c`` (black plane with ``grayscale_bit`` 7, then the accent plane).

Helpers: ``clip_area(colorspace, whole, area)`` (``displayio_display_core_clip_area``, byte
aligned for sub-byte depths), ``fill(group, colorspace, area) -> bytearray``,
``render(group, colorspace, width, height, area=None, rotation=0) -> bytes`` (the whole panel by
default), ``frame_to_image(data, colorspace, panel_width, panel_height)`` (a Pillow image) and
``to_png(image, path)``; ``convert_color(colorspace, rgb888, dither, x, y)`` is
``displayio_convert_color``.
"""

from __future__ import annotations

from protoboard.displaycore.area import (
    NULL_TRANSFORM,
    Area,
    Transform,
    compute_overlap,
    rotation_transform,
)
from protoboard.displaycore.colorspace import Colorspace, convert_color
from protoboard.displaycore.render import (
    buffer_size,
    clip_area,
    fill,
    frame_to_image,
    mask_size,
    panel_size,
    render,
    to_png,
    unpack_frame,
)

__all__ = [
    "NULL_TRANSFORM",
    "Area",
    "Colorspace",
    "Transform",
    "buffer_size",
    "clip_area",
    "compute_overlap",
    "convert_color",
    "fill",
    "frame_to_image",
    "mask_size",
    "panel_size",
    "render",
    "rotation_transform",
    "to_png",
    "unpack_frame",
]
