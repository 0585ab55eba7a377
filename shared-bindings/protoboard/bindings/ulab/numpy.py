"""Compatibility layer for numpy: arrays, element-wise maths, statistics, ``fft`` and ``linalg``.

Arrays are :class:`ndarray` objects of ulab's types: ``uint8``, ``int8``, ``uint16``, ``int16``,
``float`` (32-bit, the board's float) and ``bool``. These are type codes (integers), as on a
board; ``int64``, ``float64`` and numpy's other types do not exist here.

Protoboard computes with numpy; results have the types ulab gives them, so ``uint8`` and
``int16`` arithmetic wraps around as on a board, ``array([1, 2]) / 2`` is a float array, and
``print(array)`` shows ``array([1.0, 2.0], dtype=float32)``.
"""

from __future__ import annotations

import builtins
import math
import sys
from collections.abc import Callable
from typing import Any

import numpy as _np

from protoboard.bindings.ulab import _ndarray as _core
from protoboard.bindings.ulab._ndarray import ndarray

int8: int = _core.INT8
"""Type code for signed integers in the range -128 .. 127 inclusive"""
int16: int = _core.INT16
"""Type code for signed integers in the range -32768 .. 32767 inclusive"""
uint8: int = _core.UINT8
"""Type code for unsigned integers in the range 0 .. 255 inclusive"""
uint16: int = _core.UINT16
"""Type code for unsigned integers in the range 0 .. 65535 inclusive"""
float: int = _core.FLOAT
"""Type code for floating point values (32-bit, like the 'f' typecode of `array.array`)"""
bool: int = _core.BOOL
"""Type code for boolean values"""

e: builtins.float = math.e
"""Euler's number"""
pi: builtins.float = math.pi
"""The ratio of a circle's circumference to its diameter"""
inf: builtins.float = math.inf
"""Positive infinity"""
nan: builtins.float = math.nan
"""Not a number"""

_FLOAT = _core.FLOAT
_wrap = _core.wrap


# -- making arrays -----------------------------------------------------------------------------


def array(values: Any, *, dtype: int = _FLOAT) -> ndarray:
    """alternate constructor function for `ulab.numpy.ndarray`. Mirrors numpy.array"""
    return _core.make(values, dtype)


def asarray(values: Any, *, dtype: int | None = None) -> ndarray:
    """``values`` itself when it is an array of ``dtype`` (or any type, without ``dtype``),
    else a new array."""
    if isinstance(values, ndarray) and dtype in (None, values.dtype):
        return values
    return _core.make(values, _FLOAT if dtype is None else dtype)


def _shape(shape: Any) -> tuple[int, ...]:
    if isinstance(shape, int) and not isinstance(shape, builtins.bool):
        return (shape,)
    if isinstance(shape, tuple) and builtins.all(isinstance(n, int) for n in shape):
        if len(shape) > _core.MAX_DIMS:
            raise ValueError("too many dimensions")
        return shape
    raise TypeError("input argument must be an integer or a 2-tuple")


def _filled(shape: Any, value: Any, dtype: int) -> ndarray:
    code = _core.check_dtype(dtype)
    return _wrap(_core.cast(_np.full(_shape(shape), value, dtype=_np.float64), code))


def zeros(shape: int | tuple[int, ...], *, dtype: int = _FLOAT) -> ndarray:
    """Return a new array of the given shape with all elements set to 0."""
    return _filled(shape, 0, dtype)


def ones(shape: int | tuple[int, ...], *, dtype: int = _FLOAT) -> ndarray:
    """Return a new array of the given shape with all elements set to 1."""
    return _filled(shape, 1, dtype)


def empty(shape: int | tuple[int, ...], *, dtype: int = _FLOAT) -> ndarray:
    """Return a new array of the given shape with all elements set to 0 (as ``zeros``)."""
    return _filled(shape, 0, dtype)


def full(shape: int | tuple[int, ...], fill_value: Any, *, dtype: int = _FLOAT) -> ndarray:
    """Return a new array of the given shape with all elements set to ``fill_value``."""
    return _filled(shape, fill_value, dtype)


def eye(size: int, *, M: int | None = None, k: int = 0, dtype: int = _FLOAT) -> ndarray:
    """Return a new array with ones on the ``k``-th diagonal and zeros elsewhere."""
    code = _core.check_dtype(dtype)
    return _wrap(_core.cast(_np.eye(size, M, k), code))


def arange(*args: Any, dtype: int = _FLOAT) -> ndarray:
    """``arange(stop)``, ``arange(start, stop)``, ``arange(start, stop, step)``: a 1-D array
    from ``start`` to ``stop`` (not included) in steps of ``step``."""
    code = _core.check_dtype(dtype)
    if not 1 <= len(args) <= 3:
        raise TypeError("function missing required positional argument")
    start, stop, step = (0, args[0], 1) if len(args) == 1 else (*args, 1)[:3]
    if step == 0:
        raise ValueError("divide by zero")
    length = math.ceil((stop - start) / step)
    if not math.isfinite(length):
        raise ValueError("arange: cannot compute length")
    values = start + step * _np.arange(builtins.max(0, length), dtype=_np.float64)
    return _wrap(_core.cast(values, code))


def linspace(
    start: Any,
    stop: Any,
    num: int = 50,
    *,
    dtype: int = _FLOAT,
    endpoint: builtins.bool = True,
    retstep: builtins.bool = False,
) -> Any:
    """Return a new 1-D array with ``num`` elements ranging from ``start`` to ``stop``
    linearly (with ``retstep``: the array and the step)."""
    code = _core.check_dtype(dtype)
    if num < 2:
        raise ValueError("number of points must be at least 2")
    values, step = _np.linspace(start, stop, num, endpoint=endpoint, retstep=True)
    result = _wrap(_core.cast(values, code))
    return (result, _core.board_float(step)) if retstep else result


def logspace(
    start: Any,
    stop: Any,
    num: int = 50,
    *,
    dtype: int = _FLOAT,
    endpoint: builtins.bool = True,
    base: Any = 10.0,
) -> ndarray:
    """Return a new 1-D array with ``num`` elements from ``base ** start`` to
    ``base ** stop``, evenly spaced on a log scale."""
    code = _core.check_dtype(dtype)
    if num < 2:
        raise ValueError("number of points must be at least 2")
    return _wrap(_core.cast(_np.logspace(start, stop, num, endpoint=endpoint, base=base), code))


def frombuffer(buffer: Any, *, dtype: int = _FLOAT, count: int = -1, offset: int = 0) -> ndarray:
    """An array of ``dtype`` over the bytes of ``buffer`` (``count`` elements from byte
    ``offset``; -1: all)."""
    code = _core.check_dtype(dtype)
    data = bytes(memoryview(buffer).cast("B"))
    itemsize = _np.dtype(_core.NUMPY_TYPE[code]).itemsize
    if offset < 0 or offset > len(data):
        raise ValueError("offset must be non-negative and no greater than buffer length")
    available = len(data) - offset
    if count < 0:
        if available % itemsize:
            raise ValueError("buffer size must be a multiple of element size")
        count = available // itemsize
    elif count * itemsize > available:
        raise ValueError("buffer is smaller than requested size")
    kind = _np.dtype(_core.NUMPY_TYPE[code]).newbyteorder("<")
    values = _np.frombuffer(data, dtype=kind, count=count, offset=offset)
    return _wrap(values.astype(_core.NUMPY_TYPE[code]))


def concatenate(arrays: tuple[ndarray, ...], *, axis: int = 0) -> ndarray:
    """Join a sequence of arrays along an existing axis."""
    if not builtins.all(isinstance(a, ndarray) for a in arrays):
        raise TypeError("only ndarrays can be concatenated")
    try:
        return _wrap(_np.concatenate([a._a for a in arrays], axis=axis))
    except ValueError:
        raise ValueError("input arrays are not compatible") from None


def diag(a: ndarray, *, k: int = 0) -> ndarray:
    """The ``k``-th diagonal of a 2-D array, or a 2-D array with ``a`` on that diagonal."""
    return _wrap(_np.diag(_arg(a)._a, k).copy())


# -- element-wise functions --------------------------------------------------------------------


def _elementwise(name: str, function: Callable[[Any], Any], doc: str) -> Callable[[Any], Any]:
    def apply(a: Any) -> Any:
        if isinstance(a, int | builtins.float) and not isinstance(a, builtins.bool):
            with _np.errstate(all="ignore"):
                return _core.board_float(function(_np.float32(a)))
        if not isinstance(a, ndarray | list | tuple | range):
            raise TypeError("wrong input type")
        values = _core.as_array(a)._a.astype(_np.float32)
        with _np.errstate(all="ignore"):
            return _wrap(function(values).astype(_np.float32))

    apply.__name__ = apply.__qualname__ = name
    apply.__doc__ = doc
    return apply


def _special(function: Callable[[builtins.float], builtins.float]) -> Callable[[Any], Any]:
    vector = _np.vectorize(function, otypes=[_np.float64])

    def apply(values: Any) -> Any:
        try:
            return vector(values)
        except (ValueError, OverflowError):
            return _np.array([_safe(function, v) for v in _np.ravel(values)]).reshape(
                _np.shape(values)
            )

    return apply


def _safe(function: Callable[[builtins.float], builtins.float], value: Any) -> builtins.float:
    try:
        return function(builtins.float(value))
    except (ValueError, OverflowError):
        return math.nan if value != math.inf else math.inf


acos = _elementwise("acos", _np.arccos, "Computes the inverse cosine function")
acosh = _elementwise("acosh", _np.arccosh, "Computes the inverse hyperbolic cosine function")
asin = _elementwise("asin", _np.arcsin, "Computes the inverse sine function")
asinh = _elementwise("asinh", _np.arcsinh, "Computes the inverse hyperbolic sine function")
atan = _elementwise("atan", _np.arctan, "Computes the inverse tangent function")
atanh = _elementwise("atanh", _np.arctanh, "Computes the inverse hyperbolic tangent function")
ceil = _elementwise("ceil", _np.ceil, "Rounds numbers up to the next whole number")
cos = _elementwise("cos", _np.cos, "Computes the cosine function")
cosh = _elementwise("cosh", _np.cosh, "Computes the hyperbolic cosine function")
degrees = _elementwise("degrees", _np.degrees, "Converts angles from radians to degrees")
erf = _elementwise("erf", _special(math.erf), "Computes the error function")
erfc = _elementwise("erfc", _special(math.erfc), "Computes the complementary error function")
exp = _elementwise("exp", _np.exp, "Computes the exponent function.")
expm1 = _elementwise("expm1", _np.expm1, "Computes $e^x-1$.")
floor = _elementwise("floor", _np.floor, "Rounds numbers down to the next whole number")
gamma = _elementwise("gamma", _special(math.gamma), "Computes the gamma function")
lgamma = _elementwise("lgamma", _special(math.lgamma), "Computes the log of the gamma function")
log = _elementwise("log", _np.log, "Computes the natural log")
log10 = _elementwise("log10", _np.log10, "Computes the log base 10")
log2 = _elementwise("log2", _np.log2, "Computes the log base 2")
radians = _elementwise("radians", _np.radians, "Converts angles from degrees to radians")
sin = _elementwise("sin", _np.sin, "Computes the sine function")
sinc = _elementwise("sinc", _np.sinc, "Computes the normalized sinc function")
sinh = _elementwise("sinh", _np.sinh, "Computes the hyperbolic sine")
sqrt = _elementwise("sqrt", _np.sqrt, "Computes the square root")
tan = _elementwise("tan", _np.tan, "Computes the tangent")
tanh = _elementwise("tanh", _np.tanh, "Computes the hyperbolic tangent")


def around(a: ndarray, *, decimals: int = 0) -> ndarray:
    """Returns a new float array in which each element is rounded to ``decimals`` places."""
    if not isinstance(a, ndarray):
        raise TypeError("first argument must be an ndarray")
    return _wrap(_np.around(a._a.astype(_np.float32), decimals).astype(_np.float32))


def arctan2(ya: Any, xa: Any) -> Any:
    """Computes the inverse tangent function of y/x; the return values are in the range
    [-pi, pi]."""
    return _float_binary(_np.arctan2, ya, xa)


def _float_binary(function: Callable[[Any, Any], Any], x: Any, y: Any) -> Any:
    if _scalar(x) and _scalar(y):
        return _core.board_float(function(_np.float32(x), _np.float32(y)))
    a, b = _core.as_array(x)._a, _core.as_array(y)._a
    try:
        with _np.errstate(all="ignore"):
            return _wrap(function(a.astype(_np.float32), b.astype(_np.float32)))
    except ValueError:
        raise ValueError("operands could not be broadcast together") from None


def _scalar(x: Any) -> builtins.bool:
    return isinstance(x, int | builtins.float)


def vectorize(f: Callable[[Any], Any], *, otypes: int | None = None) -> Callable[[Any], Any]:
    """Wrap a Python function ``f`` so that it can be applied to arrays or scalars (the
    results are of type ``otypes``: float when None)."""
    if not callable(f):
        raise TypeError("first argument must be a callable")
    code = _FLOAT if otypes is None else _core.check_dtype(otypes)

    def vectorized(values: Any) -> ndarray:
        source = _core.as_array(values)
        results = [f(v) for v in source._a.ravel().tolist()]
        out = _core.cast(_np.array(results, dtype=_np.float64), code)
        return _wrap(out.reshape(source._a.shape))

    return vectorized


# -- comparison ----------------------------------------------------------------------------------


def _both(x: Any, y: Any) -> tuple[Any, Any]:
    a = x._a if isinstance(x, ndarray) else _core.as_array(x)._a
    b = y._a if isinstance(y, ndarray) else _core.as_array(y)._a
    return a, b


def _compare(function: Callable[[Any, Any], Any], x: Any, y: Any) -> Any:
    if _scalar(x) and _scalar(y):
        return builtins.bool(function(x, y))
    a, b = _both(x, y)
    try:
        return _wrap(function(a.astype(_np.float64), b.astype(_np.float64)))
    except ValueError:
        raise ValueError("operands could not be broadcast together") from None


def equal(x: Any, y: Any) -> Any:
    """Returns ``x == y`` element-wise."""
    return _compare(_np.equal, x, y)


def not_equal(x: Any, y: Any) -> Any:
    """Returns ``x != y`` element-wise."""
    return _compare(_np.not_equal, x, y)


def isfinite(x: Any) -> Any:
    """Tests element-wise for finiteness (i.e., it should not be infinity or a NaN)."""
    if _scalar(x):
        return math.isfinite(x)
    if not isinstance(x, ndarray):
        raise TypeError("wrong input type")
    return _wrap(_np.isfinite(x._a))


def isinf(x: Any) -> Any:
    """Tests element-wise for positive or negative infinity."""
    if _scalar(x):
        return math.isinf(x)
    if not isinstance(x, ndarray):
        raise TypeError("wrong input type")
    return _wrap(_np.isinf(x._a))


def _extremum(function: Callable[[Any, Any], Any], x1: Any, x2: Any) -> Any:
    if _scalar(x1) and _scalar(x2):
        return _core.board_float(function(x1, x2))
    a = x1._a if isinstance(x1, ndarray) else _core.operand(x1, _FLOAT)
    b = x2._a if isinstance(x2, ndarray) else _core.operand(x2, _core.code_of(a))
    code = _core.upcast(_core.code_of(a), _core.code_of(b))
    try:
        result = function(a.astype(_core.NUMPY_TYPE[code]), b.astype(_core.NUMPY_TYPE[code]))
    except ValueError:
        raise ValueError("operands could not be broadcast together") from None
    return _wrap(result)


def maximum(x1: Any, x2: Any) -> Any:
    """Returns the element-wise maximum."""
    return _extremum(_np.maximum, x1, x2)


def minimum(x1: Any, x2: Any) -> Any:
    """Returns the element-wise minimum."""
    return _extremum(_np.minimum, x1, x2)


def clip(a: Any, a_min: Any, a_max: Any) -> Any:
    """Clips (limits) the values in an array to ``a_min`` .. ``a_max``."""
    return minimum(maximum(a, a_min), a_max)


def nonzero(x: Any) -> tuple[ndarray, ...]:
    """Returns the indices of elements that are non-zero (a tuple of arrays, one per
    dimension)."""
    values = _core.as_array(x)._a
    return tuple(_wrap(index.astype(_np.uint16)) for index in _np.nonzero(values))


def where(condition: Any, x: Any, y: Any) -> ndarray:
    """Returns elements from ``x`` where ``condition`` is truthy, and from ``y`` elsewhere."""
    c = _core.as_array(condition)._a
    a = x._a if isinstance(x, ndarray) else _core.operand(x, _FLOAT)
    b = y._a if isinstance(y, ndarray) else _core.operand(y, _core.code_of(a))
    code = _core.upcast(_core.code_of(a), _core.code_of(b))
    try:
        result = _np.where(c.astype(_np.bool_), a, b)
    except ValueError:
        raise ValueError("operands could not be broadcast together") from None
    return _wrap(_core.cast(result, code))


# -- numerical ----------------------------------------------------------------------------------


def _arg(array: Any) -> ndarray:
    if isinstance(array, ndarray):
        return array
    if isinstance(array, list | tuple | range):
        return _core.make(array)
    raise TypeError("input must be tuple, list, range, or ndarray")


def _axis(a: ndarray, axis: int | None) -> int | None:
    if axis is None:
        return None
    if not isinstance(axis, int):
        raise TypeError("axis must be None, or an integer")
    if not -a.ndim <= axis < a.ndim:
        raise ValueError("axis is out of bounds")
    return axis


def _reduce(array: Any, axis: int | None, function: Callable[..., Any], what: str) -> Any:
    a = _arg(array)
    ax = _axis(a, axis)
    if a.size == 0:
        raise ValueError(f"attempt to get {what} of an empty sequence")
    result = function(a._a, axis=ax)
    if ax is None:
        return _core.to_python(result)
    return _wrap(_np.asarray(result))


def max(array: Any, axis: int | None = None) -> Any:
    """Return the maximum element (of the whole array, or along ``axis``)."""
    return _reduce(array, axis, _np.max, "(arg)min/(arg)max")


def min(array: Any, axis: int | None = None) -> Any:
    """Return the minimum element (of the whole array, or along ``axis``)."""
    return _reduce(array, axis, _np.min, "(arg)min/(arg)max")


def argmax(array: Any, axis: int | None = None) -> Any:
    """Return the index of the maximum element."""
    result = _reduce(array, axis, _np.argmax, "argmin/argmax")
    return result if isinstance(result, int) else _wrap(result._a.astype(_np.uint16))


def argmin(array: Any, axis: int | None = None) -> Any:
    """Return the index of the minimum element."""
    result = _reduce(array, axis, _np.argmin, "argmin/argmax")
    return result if isinstance(result, int) else _wrap(result._a.astype(_np.uint16))


def sum(array: Any, axis: int | None = None) -> Any:
    """Return the sum of the array, as a number if axis is None, otherwise as an array."""
    a = _arg(array)
    ax = _axis(a, axis)
    if ax is None:
        total = _np.sum(a._a, dtype=_np.float64 if a.dtype == _FLOAT else _np.int64)
        return _core.to_python(_np.float32(total) if a.dtype == _FLOAT else total)
    return _wrap(_np.sum(a._a, axis=ax, dtype=a._a.dtype))


def mean(array: Any, axis: int | None = None) -> Any:
    """Return the mean element of the array, as a number if axis is None, otherwise as an
    array."""
    a = _arg(array)
    ax = _axis(a, axis)
    if ax is None:
        # (ulab's running mean of nothing is 0.0; numpy's is nan)
        return _core.board_float(_np.mean(a._a, dtype=_np.float64) if a.size else 0.0)
    return _wrap(_np.mean(a._a, axis=ax, dtype=_np.float64).astype(_np.float32))


def std(array: Any, axis: int | None = None, *, ddof: int = 0) -> Any:
    """Return the standard deviation of the array, as a number if axis is None, otherwise as
    an array."""
    a = _arg(array)
    ax = _axis(a, axis)
    n = a.size if ax is None else a.shape[ax]
    if ax is None and ddof > n:
        return 0.0  # ulab gives up with 0.0 rather than numpy's nan and warning
    values = _np.std(a._a, axis=ax, ddof=ddof, dtype=_np.float64)
    if ax is None:
        return _core.board_float(values)
    return _wrap(values.astype(_np.float32))


def median(array: ndarray, *, axis: int | None = -1) -> Any:
    """Find the median value in an array along the given axis, or along all axes if axis is
    None."""
    if not isinstance(array, ndarray):
        raise TypeError("first argument must be an ndarray")
    ax = _axis(array, axis)
    if array.size == 0:
        return _core.board_float(math.nan)
    result = _np.median(array._a.astype(_np.float64), axis=ax)
    if ax is None or array.ndim == 1:
        return _core.board_float(result)
    return _wrap(result.astype(_np.float32))


def sort(array: ndarray, *, axis: int | None = -1) -> ndarray:
    """A sorted copy of the array along ``axis`` (all elements when ``axis`` is None)."""
    if not isinstance(array, ndarray):
        raise TypeError("sort argument must be an ndarray")
    ax = _axis(array, axis)
    return _wrap(_np.sort(array._a, axis=ax))


def argsort(array: ndarray, *, axis: int = -1) -> ndarray:
    """Returns an array which gives indices into the input array from least to greatest."""
    if not isinstance(array, ndarray):
        raise TypeError("sort argument must be an ndarray")
    ax = _axis(array, axis)
    return _wrap(_np.argsort(array._a, axis=ax, kind="stable").astype(_np.uint16))


def roll(array: ndarray, distance: int, *, axis: int | None = None) -> ndarray:
    """The array shifted by ``distance`` positions (along ``axis``, or over all elements)."""
    if not isinstance(array, ndarray):
        raise TypeError("roll argument must be an ndarray")
    return _wrap(_np.roll(array._a, distance, axis=_axis(array, axis)))


def flip(array: ndarray, *, axis: int | None = None) -> ndarray:
    """Returns a new array that reverses the order of the elements along the given axis, or
    along all axes if axis is None."""
    if not isinstance(array, ndarray):
        raise TypeError("flip argument must be an ndarray")
    return _wrap(_np.flip(array._a, axis=_axis(array, axis)).copy())


def diff(array: ndarray, *, n: int = 1, axis: int = -1) -> ndarray:
    """The ``n``-th differences of successive elements along ``axis``, in the array's type."""
    if not isinstance(array, ndarray):
        raise TypeError("diff argument must be an ndarray")
    if not 0 <= n <= 9:
        raise ValueError("differentiation order out of range")
    ax = _axis(array, axis)
    with _np.errstate(all="ignore"):
        return _wrap(_np.diff(array._a, n=n, axis=-1 if ax is None else ax))


def cross(a: ndarray, b: ndarray) -> ndarray:
    """Return the cross product of two vectors of length 3."""
    if not (isinstance(a, ndarray) and isinstance(b, ndarray)):
        raise TypeError("arguments must be ndarrays")
    if a.shape != (3,) or b.shape != (3,):
        raise ValueError("cross is defined for 1D arrays of length 3")
    return _wrap(_np.cross(a._a.astype(_np.float32), b._a.astype(_np.float32)))


def all(a: Any, axis: int | None = None) -> Any:
    """True when every element is non-zero (along ``axis``: an array of bools)."""
    x = _arg(a)
    result = _np.all(x._a, axis=_axis(x, axis))
    return builtins.bool(result) if axis is None else _wrap(result)


def any(a: Any, axis: int | None = None) -> Any:
    """True when any element is non-zero (along ``axis``: an array of bools)."""
    x = _arg(a)
    result = _np.any(x._a, axis=_axis(x, axis))
    return builtins.bool(result) if axis is None else _wrap(result)


def convolve(a: ndarray, v: ndarray) -> ndarray:
    """The discrete, linear convolution of two 1-D arrays (full length, float)."""
    if not (isinstance(a, ndarray) and isinstance(v, ndarray)):
        raise TypeError("convolve arguments must be ndarrays")
    if a.ndim != 1 or v.ndim != 1:
        raise ValueError("convolve arguments must be linear arrays")
    return _wrap(_np.convolve(a._a.astype(_np.float32), v._a.astype(_np.float32)))


def interp(
    x: ndarray,
    xp: ndarray,
    fp: ndarray,
    *,
    left: Any = None,
    right: Any = None,
) -> ndarray:
    """Returns the one-dimensional piecewise linear interpolant to a function with given
    discrete data points (xp, fp), evaluated at x."""
    values, xs, fs = _arg(x), _arg(xp), _arg(fp)
    if xs.ndim != 1 or fs.ndim != 1 or xs.size != fs.size:
        raise ValueError("interp is defined for 1D iterables of equal length")
    result = _np.interp(values._a, xs._a, fs._a, left=left, right=right)
    return _wrap(result.astype(_np.float32))


def trapz(y: ndarray, x: ndarray | None = None, dx: Any = 1.0) -> Any:
    """Returns the integral of y(x) using the trapezoidal rule."""
    ys = _arg(y)
    if ys.ndim != 1:
        raise ValueError("trapz is defined for 1D iterables")
    if x is None:
        return _core.board_float(_np.trapezoid(ys._a.astype(_np.float64), dx=dx))
    xs = _arg(x)
    if xs.ndim != 1 or xs.size != ys.size:
        raise ValueError("trapz is defined for 1D arrays of equal length")
    return _core.board_float(_np.trapezoid(ys._a.astype(_np.float64), xs._a.astype(_np.float64)))


def polyval(p: Any, x: Any) -> Any:
    """The polynomial with coefficients ``p`` (highest power first) evaluated at ``x``."""
    coefficients = _arg(p)._a.astype(_np.float64)
    if _scalar(x):
        return _core.board_float(_np.polyval(coefficients, x))
    return _wrap(_np.polyval(coefficients, _arg(x)._a.astype(_np.float64)).astype(_np.float32))


def polyfit(*args: Any) -> ndarray:
    """``polyfit(x, y, deg)`` or ``polyfit(y, deg)``: the least-squares polynomial
    coefficients, highest power first."""
    if len(args) == 3:
        xs, ys, deg = _arg(args[0])._a, _arg(args[1])._a, args[2]
    elif len(args) == 2:
        ys, deg = _arg(args[0])._a, args[1]
        xs = _np.arange(len(ys))
    else:
        raise ValueError("number of arguments must be 2, or 3")
    if len(xs) != len(ys):
        raise ValueError("input vectors must be of equal length")
    if deg >= len(xs):
        raise ValueError("more degrees of freedom than data points")
    return _wrap(
        _np.polyfit(xs.astype(_np.float64), ys.astype(_np.float64), deg).astype(_np.float32)
    )


# -- linear algebra at the top level ----------------------------------------------------------


def dot(m1: ndarray, m2: ndarray) -> Any:
    """Computes the product of two matrices, or two vectors. In the latter case, the inner
    product is returned."""
    if not (isinstance(m1, ndarray) and isinstance(m2, ndarray)):
        raise TypeError("arguments must be ndarrays")
    try:
        result = _np.dot(m1._a.astype(_np.float64), m2._a.astype(_np.float64))
    except ValueError:
        raise ValueError("dimensions do not match") from None
    if _np.ndim(result) == 0:
        return _core.board_float(result)
    return _wrap(result.astype(_np.float32))


def trace(m: ndarray) -> Any:
    """Compute the trace of the matrix, the sum of its diagonal elements."""
    if not isinstance(m, ndarray):
        raise TypeError("input must be an ndarray")
    if m.ndim != 2 or m.shape[0] != m.shape[1]:
        raise ValueError("input must be square matrix")
    total = _np.trace(m._a.astype(_np.float64))
    return _core.board_float(total) if m.dtype == _FLOAT else int(total)


# -- printing ------------------------------------------------------------------------------------


def get_printoptions() -> dict[str, int]:
    """Get printing options"""
    return dict(_core.PRINT_OPTIONS)


def set_printoptions(threshold: int | None = None, edgeitems: int | None = None) -> None:
    """Set printing options: arrays longer than ``threshold`` print their first and last
    ``edgeitems`` elements around ``...``."""
    if threshold is not None:
        _core.PRINT_OPTIONS["threshold"] = int(threshold)
    if edgeitems is not None:
        _core.PRINT_OPTIONS["edgeitems"] = int(edgeitems)


def ndinfo(array: ndarray) -> None:
    """Print the internals of an array (class, shape, strides, itemsize, type)."""
    if not isinstance(array, ndarray):
        raise TypeError("function is defined for ndarrays only")
    print("class: ndarray")
    print("shape:", array.shape)
    print("strides:", array.strides)
    print("itemsize:", array.itemsize)
    print(f"data pointer: 0x{array._a.__array_interface__['data'][0]:x}")
    print(f"type: '{chr(array.dtype)}'")


from protoboard.bindings.ulab import _fft as fft  # noqa: E402
from protoboard.bindings.ulab import _linalg as linalg  # noqa: E402

# ``import ulab.numpy.fft`` finds them as submodules (they live beside this module, so that
# ulab's modules can be found without numpy installed)
__path__: list[str] = []  # a package to the import system, so it looks the names below up
sys.modules[__name__ + ".fft"] = fft
sys.modules[__name__ + ".linalg"] = linalg

__all__ = [
    "acos",
    "acosh",
    "all",
    "any",
    "arange",
    "arctan2",
    "argmax",
    "argmin",
    "argsort",
    "around",
    "array",
    "asarray",
    "asin",
    "asinh",
    "atan",
    "atanh",
    "bool",
    "ceil",
    "clip",
    "concatenate",
    "convolve",
    "cos",
    "cosh",
    "cross",
    "degrees",
    "diag",
    "diff",
    "dot",
    "e",
    "empty",
    "equal",
    "erf",
    "erfc",
    "exp",
    "expm1",
    "eye",
    "fft",
    "flip",
    "float",
    "floor",
    "frombuffer",
    "full",
    "gamma",
    "get_printoptions",
    "inf",
    "int8",
    "int16",
    "interp",
    "isfinite",
    "isinf",
    "lgamma",
    "linalg",
    "linspace",
    "log",
    "log2",
    "log10",
    "logspace",
    "max",
    "maximum",
    "mean",
    "median",
    "min",
    "minimum",
    "nan",
    "ndarray",
    "ndinfo",
    "nonzero",
    "not_equal",
    "ones",
    "pi",
    "polyfit",
    "polyval",
    "radians",
    "roll",
    "set_printoptions",
    "sin",
    "sinc",
    "sinh",
    "sort",
    "sqrt",
    "std",
    "sum",
    "tan",
    "tanh",
    "trace",
    "trapz",
    "uint8",
    "uint16",
    "vectorize",
    "where",
    "zeros",
]  # fmt: skip
