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

import importlib
from types import ModuleType

#: ulab's version string as a CircuitPython 10 board reports it (2 dimensions, no complex)
__version__ = "6.5.3-2D"

__all__ = ["numpy", "scipy", "utils"]


def __getattr__(name: str) -> ModuleType:
    # The submodules load numpy, so they load when first used: Protoboard's tools can find
    # every ulab module without numpy. (A program's ``import ulab`` is refused with the
    # install command before this package is reached when numpy is missing: modules.py.)
    if name in __all__:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module 'ulab' has no attribute '{name}'")


def __dir__() -> list[str]:
    return ["__name__", "__version__", *__all__]
