"""Rows of packed pixel data as values (``common_hal_bitmaptools_readinto``'s inner loop)."""

from __future__ import annotations


def unpack_row(
    row: bytes, width: int, bpp: int, element_size: int, reverse: bool, swap: bool
) -> list[int]:
    """``width`` pixel values from one row of a file, ``element_size`` bytes an element."""
    if swap and element_size in (2, 4):
        swapped = bytearray(len(row))
        for start in range(0, len(row), element_size):
            swapped[start : start + element_size] = row[start : start + element_size][::-1]
        row = bytes(swapped)
    if bpp == 8:
        return list(row[:width])
    if bpp == 16:
        return [int.from_bytes(row[x * 2 : x * 2 + 2], "little") for x in range(width)]
    if bpp == 32:
        return [int.from_bytes(row[x * 4 : x * 4 + 4], "little") for x in range(width)]
    if bpp == 24:
        return [row[x * 3] << 16 | row[x * 3 + 1] << 8 | row[x * 3 + 2] for x in range(width)]
    per_byte = 8 // bpp
    mask = (1 << bpp) - 1
    values = []
    for x in range(width):
        slot = x % per_byte
        if reverse:
            slot = per_byte - 1 - slot
        values.append((row[x // per_byte] >> (bpp * slot)) & mask)
    return values
