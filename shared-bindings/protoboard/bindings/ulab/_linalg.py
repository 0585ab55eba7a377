"""Linear algebra: ``det``, ``inv``, ``norm``, ``eig``, ``cholesky``, ``qr``."""

from __future__ import annotations

from typing import Any

import numpy as _np

from protoboard.bindings.ulab import _ndarray as _core
from protoboard.bindings.ulab._ndarray import ndarray

__all__ = ["cholesky", "det", "eig", "inv", "norm", "qr"]


def _square(m: Any) -> Any:
    if not isinstance(m, ndarray):
        raise TypeError("function is defined for ndarrays only")
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError("input must be square matrix")
    return m._a.astype(_np.float64)


def _floats(values: Any) -> ndarray:
    return _core.wrap(_np.asarray(values).astype(_np.float32))


def det(m: ndarray) -> float:
    """The determinant of a square matrix."""
    return _core.board_float(_np.linalg.det(_square(m)))


def inv(m: ndarray) -> ndarray:
    """The inverse of a square matrix."""
    matrix = _square(m)
    try:
        return _floats(_np.linalg.inv(matrix))
    except _np.linalg.LinAlgError:
        raise ValueError("input matrix is singular") from None


def norm(x: Any, *, axis: int | None = None) -> Any:
    """The 2-norm of a vector or the Frobenius norm of a matrix (along ``axis``: an array)."""
    values = _core.as_array(x)._a.astype(_np.float64)
    result = _np.linalg.norm(values, axis=axis)
    return _core.board_float(result) if axis is None else _floats(result)


def eig(m: ndarray) -> tuple[ndarray, ndarray]:
    """The eigenvalues and eigenvectors of a symmetric matrix."""
    matrix = _square(m)
    if not _np.allclose(matrix, matrix.T):
        raise ValueError("input matrix is asymmetric")
    values, vectors = _np.linalg.eigh(matrix)
    return _floats(values), _floats(vectors)


def cholesky(A: ndarray) -> ndarray:
    """The lower triangular Cholesky factor of a positive definite matrix."""
    matrix = _square(A)
    try:
        return _floats(_np.linalg.cholesky(matrix))
    except _np.linalg.LinAlgError:
        raise ValueError("matrix is not positive definite") from None


def qr(m: ndarray, mode: str = "reduced") -> tuple[ndarray, ndarray]:
    """The QR factorisation of a matrix (``mode``: ``"reduced"`` or ``"complete"``)."""
    if not isinstance(m, ndarray):
        raise TypeError("operation is defined for ndarrays only")
    if m.ndim != 2:
        raise ValueError("operation is defined for 2D arrays only")
    if mode not in ("reduced", "complete"):
        raise ValueError("mode must be complete, or reduced")
    matrix: Any = m._a.astype(_np.float64)
    q, r = _np.linalg.qr(matrix, mode="complete" if mode == "complete" else "reduced")
    return _floats(q), _floats(r)
