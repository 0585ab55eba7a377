"""``common_hal_bitmaptools_alphablend`` on 8-bit grey (L8) or 16-bit RGB565 bitmaps."""

from __future__ import annotations

from typing import Any


def _cdiv(a: int, b: int) -> int:
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def blend(
    dest: Any,
    src1: Any,
    src2: Any,
    colorspace: str,
    factor1: float,
    factor2: float,
    screen: bool,
    skip1: int | None,
    skip2: int | None,
    mask: Any,
) -> None:
    f1 = int(factor1 * 256)
    f2_base = int(factor2 * 256)
    width, height = dest._width, dest._height
    for y in range(height):
        a = list(src1._row(y, 0, width))
        b = list(src2._row(y, 0, width))
        m = list(mask._row(y, 0, width)) if mask is not None else None
        old = list(dest._row(y, 0, width))
        if colorspace == "L8":
            out = [
                _grey(a[x], b[x], old[x], f1, f2_base, m[x] if m else None, screen, skip1, skip2)
                for x in range(width)
            ]
        else:
            swap = colorspace.endswith("_SWAPPED")
            out = [
                _rgb(
                    a[x], b[x], old[x], f1, f2_base, m[x] if m else None, screen, skip1, skip2, swap
                )
                for x in range(width)
            ]
        dest._store_run(y * width, out)


def _grey(
    s1: int,
    s2: int,
    old: int,
    f1: int,
    f2: int,
    m: int | None,
    screen: bool,
    skip1: int | None,
    skip2: int | None,
) -> int:
    use1 = skip1 is None or s1 != (skip1 & 0xFF)
    use2 = skip2 is None or s2 != (skip2 & 0xFF)
    if m is not None:
        f2 = _cdiv(f2 * m + 127, 255)
        if m == 0:
            use2 = False
    if use1 and use2:
        sda, sca = s1 * f1, s2 * f2
        mixed = (
            sca + sda - _cdiv(sca * sda, 65536) if screen else sca + _cdiv(sda * (256 - f2), 256)
        )
        denom = f1 + f2 - _cdiv(f1 * f2, 256)
        pixel = _cdiv(mixed, denom) if denom > 0 else 0
    elif use1:
        pixel = _cdiv(s1 * f1, 256)
    elif use2:
        pixel = _cdiv(s2 * f2, 256)
    else:
        pixel = old
    return min(255, max(0, pixel))


def _bswap(p: int) -> int:
    return ((p & 0xFF) << 8) | ((p >> 8) & 0xFF)


def _rgb(
    s1: int,
    s2: int,
    old: int,
    f1: int,
    f2: int,
    m: int | None,
    screen: bool,
    skip1: int | None,
    skip2: int | None,
    swap: bool,
) -> int:
    if swap:
        s1, s2 = _bswap(s1), _bswap(s2)
    r_mask, g_mask, b_mask = 0xF800, 0x07E0, 0x001F
    use1 = skip1 is None or s1 != skip1
    use2 = skip2 is None or s2 != skip2
    if m is not None:
        f2 = _cdiv(f2 * m + 127, 255)
        if m == 0:
            use2 = False
    if use1 and use2:
        total = f1 + f2 - _cdiv(f1 * f2, 256)
        if total <= 0:
            return old
        dca = (((s1 & r_mask) >> 8) * f1, ((s1 & g_mask) >> 3) * f1, ((s1 & b_mask) << 3) * f1)
        sca = (((s2 & r_mask) >> 8) * f2, ((s2 & g_mask) >> 3) * f2, ((s2 & b_mask) << 3) * f2)
        if screen:
            mixed = [s + d - _cdiv(s * d, 65536) for s, d in zip(sca, dca, strict=True)]
        else:
            mixed = [s + _cdiv(d * (256 - f2), 256) for s, d in zip(sca, dca, strict=True)]
        r = (_cdiv(mixed[0], total) << 8) & r_mask
        g = (_cdiv(mixed[1], total) << 3) & g_mask
        b = (_cdiv(mixed[2], total) >> 3) & b_mask
        pixel = (
            (min(r_mask, max(0, r)) & r_mask)
            | (min(g_mask, max(0, g)) & g_mask)
            | (min(b_mask, max(0, b)) & b_mask)
        )
        return _bswap(pixel) if swap else pixel
    if use1:
        return (
            _cdiv((s1 & r_mask) * f1, 256)
            | _cdiv((s1 & g_mask) * f1, 256)
            | _cdiv((s1 & b_mask) * f1, 256)
        ) & 0xFFFF
    if use2:
        return (
            _cdiv((s2 & r_mask) * f2, 256)
            | _cdiv((s2 & g_mask) * f2, 256)
            | _cdiv((s2 & b_mask) * f2, 256)
        ) & 0xFFFF
    return old
