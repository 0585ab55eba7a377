"""Utilities: the spectrum of a signal, and arrays from the raw buffers of sensors.

``from_int16_buffer`` and friends read a ``bytearray`` (say, what ``audiobusio.PDMIn`` or an
ADC filled) as integers of that type and give a float array.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from protoboard.bindings.ulab import _fft
from protoboard.bindings.ulab import _ndarray as _core
from protoboard.bindings.ulab._ndarray import ndarray

__all__ = [
    "from_int16_buffer",
    "from_int32_buffer",
    "from_uint16_buffer",
    "from_uint32_buffer",
    "spectrogram",
]


def spectrogram(r: ndarray) -> ndarray:
    """
    :param ulab.numpy.ndarray r: A 1-dimension array of values whose size is a power of 2

    Computes the spectrum of the input signal.  This is the absolute value of the
    (complex-valued) fft of the signal."""
    return _fft.spectrum(r)


def _from_buffer(kind: str, buffer: Any, count: int, offset: int, out: Any, byteswap: bool) -> Any:
    data = bytes(memoryview(buffer).cast("B"))
    item = _np.dtype(kind)
    if offset < 0 or offset > len(data):
        raise ValueError("offset is too large")
    available = (len(data) - offset) // item.itemsize
    if count < 0:
        if (len(data) - offset) % item.itemsize:
            raise ValueError("buffer size must be a multiple of element size")
        count = available
    elif count > available:
        raise ValueError("buffer is smaller than requested size")
    values = _np.frombuffer(
        data, dtype=item.newbyteorder(">" if byteswap else "<"), count=count, offset=offset
    ).astype(_np.float32)
    if out is None:
        return _core.wrap(values)
    if not isinstance(out, ndarray) or out.dtype != _core.FLOAT:
        raise TypeError("out must be a float dense array")
    if out.size < count:
        raise ValueError("out array is too small")
    out._a.ravel()[:count] = values
    return out


def from_int16_buffer(
    buffer: Any,
    count: int = -1,
    offset: int = 0,
    *,
    out: ndarray | None = None,
    byteswap: bool = False,
) -> ndarray:
    """The signed 16-bit integers in ``buffer`` as a float array (``out``: fill that one)."""
    return _from_buffer("i2", buffer, count, offset, out, byteswap)  # type: ignore[no-any-return]


def from_uint16_buffer(
    buffer: Any,
    count: int = -1,
    offset: int = 0,
    *,
    out: ndarray | None = None,
    byteswap: bool = False,
) -> ndarray:
    """The unsigned 16-bit integers in ``buffer`` as a float array."""
    return _from_buffer("u2", buffer, count, offset, out, byteswap)  # type: ignore[no-any-return]


def from_int32_buffer(
    buffer: Any,
    count: int = -1,
    offset: int = 0,
    *,
    out: ndarray | None = None,
    byteswap: bool = False,
) -> ndarray:
    """The signed 32-bit integers in ``buffer`` as a float array."""
    return _from_buffer("i4", buffer, count, offset, out, byteswap)  # type: ignore[no-any-return]


def from_uint32_buffer(
    buffer: Any,
    count: int = -1,
    offset: int = 0,
    *,
    out: ndarray | None = None,
    byteswap: bool = False,
) -> ndarray:
    """The unsigned 32-bit integers in ``buffer`` as a float array."""
    return _from_buffer("u4", buffer, count, offset, out, byteswap)  # type: ignore[no-any-return]
