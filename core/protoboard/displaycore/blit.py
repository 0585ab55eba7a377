"""``common_hal_bitmaptools_blit``: copy a rectangle between bitmaps, row by row when nothing
is skipped, with the C code's copy direction when source and destination overlap."""

from __future__ import annotations

from typing import Any


def blit_rows(
    dest: Any,
    source: Any,
    x: int,
    y: int,
    x1: int,
    y1: int,
    x2: int,
    y2: int,
    skip_source: int | None,
    skip_dest: int | None,
) -> None:
    width = x2 - x1
    mask = (1 << dest._bits_per_value) - 1 if dest._bits_per_value < 32 else 0xFFFF_FFFF
    x_reverse = x > x1
    y_reverse = y > y1
    rows = range(y2 - y1 - 1, -1, -1) if y_reverse else range(y2 - y1)
    same = dest is source
    for j in rows:
        sy = y1 + j
        dy = y + j
        if not 0 <= dy < dest._height:
            continue
        lo = max(0, -x)
        hi = min(width, dest._width - x)
        if lo >= hi:
            continue
        values = list(source._row(sy, x1 + lo, x1 + hi))
        if skip_source is None and skip_dest is None and not (same and x_reverse and False):
            dest._store_run(dy * dest._width + x + lo, [v & mask for v in values])
            continue
        order = range(len(values) - 1, -1, -1) if x_reverse else range(len(values))
        for i in order:
            value = values[i]
            dx = x + lo + i
            if skip_dest is not None and dest._get(dx, dy) == skip_dest:
                continue
            if skip_source is None or value != skip_source:
                dest._data[dy * dest._width + dx] = value & mask
