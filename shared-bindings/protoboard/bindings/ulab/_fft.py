"""Frequency-domain functions: ``fft`` and ``ifft``.

CircuitPython builds ulab without complex numbers, so both take the real part and, optionally,
the imaginary part as two arrays, and return a ``(real, imaginary)`` tuple of float arrays.
The length must be a power of 2.
"""

from __future__ import annotations

from typing import Any

import numpy as _np

from protoboard.bindings.ulab import _ndarray as _core
from protoboard.bindings.ulab._ndarray import ndarray

__all__ = ["fft", "ifft"]


def _complex_input(r: Any, c: Any) -> Any:
    if not isinstance(r, ndarray) or (c is not None and not isinstance(c, ndarray)):
        raise NotImplementedError("FFT is defined for ndarrays only")
    if r.ndim != 1 or (c is not None and c.ndim != 1):
        raise TypeError("FFT is implemented for linear arrays only")
    n = r.size
    if n == 0 or n & (n - 1):
        raise ValueError("input array length must be power of 2")
    if c is not None and c.size != n:
        raise ValueError("real and imaginary parts must be of equal length")
    values = r._a.astype(_np.float64)
    return values if c is None else values + 1j * c._a.astype(_np.float64)


def _pair(values: Any) -> tuple[ndarray, ndarray]:
    return (
        _core.wrap(values.real.astype(_np.float32)),
        _core.wrap(values.imag.astype(_np.float32)),
    )


def fft(r: ndarray, c: ndarray | None = None) -> tuple[ndarray, ndarray]:
    """Perform a Fast Fourier Transform from the time domain into the frequency domain.

    :param r: the real part, a 1-D array whose length is a power of 2
    :param c: the imaginary part (optional), the same length
    :return: the real and imaginary parts of the FFT, a tuple of two arrays"""
    return _pair(_np.fft.fft(_complex_input(r, c)))


def ifft(r: ndarray, c: ndarray | None = None) -> tuple[ndarray, ndarray]:
    """Perform an Inverse Fast Fourier Transform from the frequency domain into the time
    domain.

    :param r: the real part, a 1-D array whose length is a power of 2
    :param c: the imaginary part (optional), the same length
    :return: the real and imaginary parts of the inverse FFT, a tuple of two arrays"""
    return _pair(_np.fft.ifft(_complex_input(r, c)))


def spectrum(r: ndarray) -> ndarray:
    """The absolute value of the FFT of ``r`` (``ulab.utils.spectrogram``)."""
    return _core.wrap(_np.abs(_np.fft.fft(_complex_input(r, None))).astype(_np.float32))
