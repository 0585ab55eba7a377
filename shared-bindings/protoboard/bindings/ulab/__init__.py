"""Manipulate numeric data similar to numpy

`ulab` is a numpy-like module for micropython, meant to simplify and speed up common
mathematical operations on arrays: :mod:`ulab.numpy` (arrays, element-wise maths, statistics,
``fft``, ``linalg``), :mod:`ulab.scipy` (``signal.sosfilt``, ``special``) and
:mod:`ulab.utils` (``spectrogram``, the ``from_*_buffer`` readers).

Protoboard computes it with `numpy <https://numpy.org>`_, installed by the ``ulab`` extra
(``pip install 'protoboard[ulab]'``). Where ulab and numpy differ in a way a program notices,
Protoboard does as ulab 6.5.3 in CircuitPython 10 does: the array types are ulab's (``uint8``,
``int8``, ``uint16``, ``int16``, ``float`` (32-bit, the board's float) and ``bool``), integer
arithmetic wraps around in ulab's result types, arrays print as a board prints them
(``array([1.0, 2.0], dtype=float32)``), ``numpy.fft.fft`` returns a ``(real, imaginary)``
tuple (CircuitPython builds ulab without complex numbers) and errors have ulab's types and
texts.
"""

from __future__ import annotations

import importlib.util

if importlib.util.find_spec("numpy") is None:
    raise ImportError(
        "ulab on Protoboard computes with numpy, which is not installed: "
        "pip install 'protoboard[ulab]'",
        name="ulab",
    )

from protoboard.bindings.ulab import numpy, scipy, utils

#: ulab's version string as a CircuitPython 10 board reports it (2 dimensions, no complex)
__version__ = "6.5.3-2D"

__all__ = ["numpy", "scipy", "utils"]
