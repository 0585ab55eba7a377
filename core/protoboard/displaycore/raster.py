"""Writing converted pixels into a display's buffer, with the one-bit-per-pixel "already drawn"
mask of ``displayio_*_fill_area``.

Layers work on a byte-per-pixel copy of the mask (one byte a pixel, 0 or 1) so a whole row can be
checked and marked with one slice; ``unpack_mask``/``pack_mask`` convert with big-integer
arithmetic, which runs in C.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence

from protoboard.displaycore.colorspace import Colorspace


def unpack_mask(mask: bytearray, count: int) -> bytearray:
    """One byte per pixel (0 or 1) for the first ``count`` bits of ``mask`` (bit ``i`` is bit
    ``i % 8`` of byte ``i // 8``, as the C code's uint32 words on a little-endian MCU)."""
    size = len(mask)
    if mask.count(0) == size:
        return bytearray(count)
    bits = int.from_bytes(mask, "little")
    ones = int.from_bytes(b"\x01" * size, "little")
    out = bytearray(size * 8)
    for k in range(8):
        out[k::8] = ((bits >> k) & ones).to_bytes(size, "little")
    del out[count:]
    return out


def pack_mask(pixels: bytearray, mask: bytearray) -> None:
    """Store a byte-per-pixel mask back into the bit mask ``mask`` (in place)."""
    size = len(mask)
    padded = pixels + bytes(size * 8 - len(pixels)) if len(pixels) < size * 8 else pixels
    bits = 0
    for k in range(8):
        bits |= int.from_bytes(padded[k : size * 8 : 8], "little") << k
    mask[:] = bits.to_bytes(size, "little")


class RowWriter:
    """Writes runs of output pixels at evenly spaced offsets of an area's buffer.

    ``write`` returns False when a pixel of the run was transparent (None), like the C loop's
    ``full_coverage``. Pixels whose mask byte is set are left alone; written ones get set.
    """

    def __init__(self, cs: Colorspace, width: int, mask: bytearray, buffer: memoryview) -> None:
        self.cs = cs
        self.width = width
        self.mask = mask
        raw = buffer.cast("B") if buffer.format != "B" else buffer
        self.raw = raw
        depth = cs.depth
        self.view: memoryview | None = None
        if depth == 16:
            self.view = raw[: len(raw) // 2 * 2].cast("H")
        elif depth == 32:
            self.view = raw[: len(raw) // 4 * 4].cast("I")
        elif depth == 8:
            self.view = raw

    def write(self, first: int, step: int, values: Sequence[int | None]) -> bool:
        count = len(values)
        if count == 0:
            return True
        if step < 0:
            first += step * (count - 1)
            step = -step
            values = values[::-1]
        stop = first + step * (count - 1) + 1
        mask = self.mask
        opaque = None not in values
        view = self.view
        if opaque and view is not None and mask[first:stop:step].count(0) == count:
            view[first:stop:step] = array(view.format, values)  # type: ignore[type-var]
            mask[first:stop:step] = b"\x01" * count
            return True
        put = self._put
        offset = first
        for value in values:
            if value is not None and not mask[offset]:
                mask[offset] = 1
                put(offset, value)
            offset += step
        return opaque

    def _put(self, offset: int, value: int) -> None:
        cs = self.cs
        depth = cs.depth
        if self.view is not None:
            self.view[offset] = value
        elif depth == 24:
            self.raw[offset * 3 : offset * 3 + 3] = (value & 0xFFFFFF).to_bytes(3, "little")
        elif depth < 8:
            per_byte = 8 // depth
            if not cs.pixels_in_byte_share_row:
                row, col = divmod(offset, self.width)
                offset = col * per_byte + (row // per_byte) * per_byte * self.width + row % per_byte
            shift = (offset % per_byte) * depth
            if cs.reverse_pixels_in_byte:
                shift = (per_byte - 1) * depth - shift
            self.raw[offset // per_byte] |= (value << shift) & 0xFF
