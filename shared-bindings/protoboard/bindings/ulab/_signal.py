"""Signal processing: ``sosfilt``, a filter of second-order sections."""

from __future__ import annotations

from typing import Any

import numpy as _np

from protoboard.bindings.ulab import _ndarray as _core
from protoboard.bindings.ulab._ndarray import ndarray

__all__ = ["sosfilt"]


def sosfilt(sos: Any, x: Any, *, zi: ndarray | None = None) -> Any:
    """Filter ``x`` with the cascade of second-order sections ``sos`` (an ``n`` x 6 array or
    list: ``b0, b1, b2, a0, a1, a2`` per section, ``a0`` = 1).

    :param zi: the initial state, an ``n`` x 2 float array
    :return: the filtered signal; with ``zi``, the tuple ``(y, zf)`` of it and the final
        state"""
    if not isinstance(sos, ndarray | list | tuple) or not isinstance(x, ndarray | list | tuple):
        raise TypeError("sosfilt requires iterable arguments")
    sections = _core.as_array(sos)._a.astype(_np.float64)
    if sections.ndim != 2 or sections.shape[1] != 6:
        raise ValueError("sos array must be of shape (n_section, 6)")
    if not _np.all(sections[:, 3] == 1):
        raise ValueError("sos[:, 3] should be all ones")
    signal = _core.as_array(x)._a.astype(_np.float64).ravel()
    if zi is not None:
        if not isinstance(zi, ndarray):
            raise TypeError("zi must be an ndarray")
        if zi.shape != (sections.shape[0], 2):
            raise ValueError("zi must be of shape (n_section, 2)")
        if zi.dtype != _core.FLOAT:
            raise ValueError("zi must be of float type")
        state = zi._a.astype(_np.float64).copy()
    else:
        state = _np.zeros((sections.shape[0], 2))
    y = signal.copy()
    for index, (b0, b1, b2, _a0, a1, a2) in enumerate(sections):
        z0, z1 = state[index]
        out = _np.empty_like(y)
        # transposed direct form II, as ulab and scipy compute a section
        for n, value in enumerate(y):
            result = b0 * value + z0
            z0 = b1 * value - a1 * result + z1
            z1 = b2 * value - a2 * result
            out[n] = result
        state[index] = (z0, z1)
        y = out
    filtered = _core.wrap(y.astype(_np.float32))
    if zi is None:
        return filtered
    return filtered, _core.wrap(state.astype(_np.float32))
