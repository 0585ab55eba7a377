"""ulab's ``ndarray`` on top of a numpy array: ulab's types, upcasting, printing and errors.

The numpy array (``_a``) only ever holds one of ulab's six element types; every result is
computed in the type ulab's C code gives it, so integer results wrap around as on a board.
"""

from __future__ import annotations

import builtins
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as _np

# ulab's type codes (the ``dtype`` of an array is one of these integers, as in ulab built
# without dtype objects; a bool array's dtype is bool's code)
BOOL = ord("?")
UINT8 = ord("B")
INT8 = ord("b")
UINT16 = ord("H")
INT16 = ord("h")
FLOAT = ord("f")  # a board's float is 32-bit

NUMPY_TYPE: dict[int, Any] = {
    BOOL: _np.bool_,
    UINT8: _np.uint8,
    INT8: _np.int8,
    UINT16: _np.uint16,
    INT16: _np.int16,
    FLOAT: _np.float32,
}
_CODE_OF = {_np.dtype(t): code for code, t in NUMPY_TYPE.items()}
_NAME = {BOOL: "bool", UINT8: "uint8", INT8: "int8", UINT16: "uint16", INT16: "int16"}

#: printing options (ulab's defaults)
PRINT_OPTIONS = {"threshold": 10, "edgeitems": 3}
#: ulab's ULAB_MAX_DIMS in CircuitPython
MAX_DIMS = 2

# The result type of ``+ - *`` (and ``//``, ``%``) for two types, from ulab's
# ndarray_operators.c; a bool array counts as uint8 in arithmetic.
_UPCAST: dict[frozenset[int], int] = {
    frozenset({UINT8}): UINT8,
    frozenset({INT8}): INT8,
    frozenset({UINT16}): UINT16,
    frozenset({INT16}): INT16,
    frozenset({UINT8, INT8}): INT16,
    frozenset({UINT8, UINT16}): UINT16,
    frozenset({UINT8, INT16}): INT16,
    frozenset({INT8, UINT16}): INT16,
    frozenset({INT8, INT16}): INT16,
    frozenset({UINT16, INT16}): FLOAT,
}


def upcast(a: int, b: int) -> int:
    a = UINT8 if a == BOOL else a
    b = UINT8 if b == BOOL else b
    if FLOAT in (a, b):
        return FLOAT
    return _UPCAST[frozenset({a, b})]


def check_dtype(dtype: Any) -> int:
    if isinstance(dtype, int) and not isinstance(dtype, bool) and dtype in NUMPY_TYPE:
        return dtype
    raise TypeError("data type not understood")


def code_of(array: Any) -> int:
    return _CODE_OF[array.dtype]


def scalar_code(value: Any, other: int = 0) -> int:
    """The type ulab makes of a Python number next to an array of type ``other``
    (ndarray_from_mp_obj: the smallest integer type that holds it, else float)."""
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, int):
        if value < -32767 or value > 32767:
            return FLOAT
        if value < 0:
            return INT8 if value > -128 else INT16
        if other in (INT8, INT16):
            return INT8 if value < 128 else INT16
        return UINT8 if value < 256 else UINT16
    return FLOAT


def cast(values: Any, code: int) -> Any:
    """``values`` as a numpy array of ulab type ``code``, converting as ulab's C code does
    (C casts: floats truncate, integers wrap around)."""
    source = _np.asarray(values)
    target = NUMPY_TYPE[code]
    if code == BOOL:
        return source.astype(_np.bool_)
    if source.dtype.kind == "f" and code != FLOAT:
        with _np.errstate(invalid="ignore"):
            source = _np.trunc(_np.nan_to_num(source, nan=0.0, posinf=0.0, neginf=0.0))
        source = source.astype(_np.int64)
    elif source.dtype.kind in "iub" and code != FLOAT:
        source = source.astype(_np.int64)
    return source.astype(target)


def to_python(value: Any) -> Any:
    """One element as the board's Python object: int, bool, or the float a board prints."""
    if isinstance(value, _np.bool_ | bool):
        return builtins.bool(value)
    if isinstance(value, _np.integer | int):
        return int(value)
    return board_float(value)


def board_float(value: Any) -> float:
    """A 32-bit float as a Python float that prints as the board prints it (``0.1``, not
    ``0.10000000149011612``): the shortest decimal that reads back as the same float32."""
    f32 = _np.float32(value)
    if not math.isfinite(f32):
        return builtins.float(f32)
    return builtins.float(_np.format_float_positional(f32, unique=True, trim="0"))


def float_repr(value: Any) -> str:
    """A board's ``repr`` of a float (shortest digits of the 32-bit value, Python's layout)."""
    f32 = _np.float32(value)
    if math.isnan(f32):
        return "nan"
    if math.isinf(f32):
        return "inf" if f32 > 0 else "-inf"
    return repr(board_float(f32))


def _element_repr(value: Any, code: int) -> str:
    if code == BOOL:
        return "True" if value else "False"
    if code == FLOAT:
        return float_repr(value)
    return str(int(value))


def _row(values: Any, code: int) -> str:
    n = len(values)
    threshold, edge = PRINT_OPTIONS["threshold"], PRINT_OPTIONS["edgeitems"]
    if n <= threshold or n <= 2 * edge:
        return "[" + ", ".join(_element_repr(v, code) for v in values) + "]"
    head = ", ".join(_element_repr(v, code) for v in values[:edge])
    tail = ", ".join(_element_repr(v, code) for v in values[n - edge :])
    return f"[{head}, ..., {tail}]"


def array_repr(array: Any) -> str:
    code = code_of(array)
    if array.size == 0:
        body = "[]"
        if array.ndim > 1:
            body += ", shape=(" + ",".join(str(s) for s in array.shape[:-1])
            body += f",{array.shape[-1]})"
    elif array.ndim == 1:
        body = _row(array, code)
    else:
        body = "[" + ",\n       ".join(_row(row, code) for row in array) + "]"
    name = _NAME.get(code, "float32")
    return f"array({body}, dtype={name})"


def _shape_of_nested(values: Any) -> Any:
    """Values given to ``array()`` as a numpy array of floats/ints/bools, refusing what ulab
    refuses."""
    if isinstance(values, ndarray):
        return values._a
    if isinstance(values, bytes | bytearray | str):
        raise TypeError("wrong input type")
    try:
        items = list(values)
    except TypeError:
        raise TypeError("wrong input type") from None
    if items and all(_is_sequence(item) for item in items):
        rows = [[_number(v) for v in item] for item in items]
        if len({len(r) for r in rows}) > 1:
            raise ValueError("iterables are not of the same length")
        return _np.array(rows, dtype=_np.float64)
    return _np.array([_number(v) for v in items], dtype=_np.float64)


def _is_sequence(item: Any) -> bool:
    return isinstance(item, ndarray | list | tuple | range)


def _number(value: Any) -> float:
    if isinstance(value, ndarray):
        raise ValueError("too many dimensions")
    if isinstance(value, list | tuple | range):
        raise ValueError("too many dimensions")
    try:
        return builtins.float(value)
    except (TypeError, ValueError):
        raise TypeError(f"can't convert {type(value).__name__} to float") from None


def make(values: Any, dtype: int = FLOAT) -> ndarray:
    """``numpy.array(values, dtype=...)`` as ulab makes it."""
    code = check_dtype(dtype)
    if isinstance(values, ndarray):
        return ndarray._wrap(cast(values._a, code).copy())
    source = _shape_of_nested(values)
    if source.ndim > MAX_DIMS:
        raise ValueError("too many dimensions")
    return ndarray._wrap(cast(source, code))


def operand(value: Any, other: int) -> Any:
    """The numpy array ulab makes of the other operand of a binary operation."""
    if isinstance(value, ndarray):
        return value._a
    if isinstance(value, int | builtins.float | builtins.bool):
        return cast(_np.array([value]), scalar_code(value, other))
    if isinstance(value, list | tuple | range):
        return make(value)._a
    raise TypeError("unsupported types")


def _broadcast_error(exc: ValueError) -> ValueError:
    return ValueError("operands could not be broadcast together")


class ndarray:  # noqa: N801  (ulab's name)
    """An array of numbers of one type (``dtype``), of one or two dimensions.

    Make one with :func:`ulab.numpy.array` (``ndarray(...)`` takes the same arguments).
    Indexing with an integer gives a number (of a 1-D array) or a row (of a 2-D array);
    slices are views that share the array's memory, as in ulab."""

    __slots__ = ("_a",)
    _a: Any
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, values: Any = (), *, dtype: int = FLOAT) -> None:
        self._a = make(values, dtype)._a

    @classmethod
    def _wrap(cls, array: Any) -> ndarray:
        self = object.__new__(cls)
        self._a = array
        return self

    # -- properties ------------------------------------------------------------------------

    @property
    def dtype(self) -> int:
        """The type code of the elements (``ulab.numpy.uint8``... ``ulab.numpy.float``). A
        bool array's is ``uint8``'s, as in ulab (which keeps bools as flagged bytes)."""
        code = code_of(self._a)
        return UINT8 if code == BOOL else code

    @property
    def shape(self) -> tuple[int, ...]:
        """The length of each dimension."""
        return tuple(int(n) for n in self._a.shape)

    @property
    def size(self) -> int:
        """The number of elements."""
        return int(self._a.size)

    @property
    def itemsize(self) -> int:
        """The size of one element in bytes."""
        return int(self._a.itemsize)

    @property
    def ndim(self) -> int:
        """The number of dimensions."""
        return int(self._a.ndim)

    @property
    def strides(self) -> tuple[int, ...]:
        """The step in bytes between elements along each dimension."""
        return tuple(int(n) for n in self._a.strides)

    @property
    def T(self) -> ndarray:
        """The transposed array."""
        return self.transpose()

    @property
    def flat(self) -> Iterator[Any]:
        """An iterator over every element, row after row."""
        return (to_python(v) for v in self._a.flat)

    # -- methods -----------------------------------------------------------------------------

    def copy(self) -> ndarray:
        """A copy of the array (its own memory)."""
        return ndarray._wrap(self._a.copy())

    def flatten(self, *, order: str = "C") -> ndarray:
        """A 1-D copy of the array, row by row (``order="C"``) or column by column (``"F"``)."""
        if order not in ("C", "F"):
            raise ValueError("flattening order must be either 'C', or 'F'")
        return ndarray._wrap(self._a.flatten(order=order))

    def reshape(self, shape: Any) -> ndarray:
        """The array with a new shape (an int or a tuple of ints) and the same elements."""
        if isinstance(shape, int):
            shape = (shape,)
        if not isinstance(shape, tuple) or not all(isinstance(n, int) for n in shape):
            raise TypeError("shape must be a tuple")
        if len(shape) > MAX_DIMS:
            raise ValueError("maximum number of dimensions is " + str(MAX_DIMS))
        if shape.count(-1) > 1:
            raise ValueError("can only specify one unknown dimension")
        try:
            return ndarray._wrap(self._a.reshape(shape))
        except ValueError:
            raise ValueError("cannot reshape array") from None

    def transpose(self) -> ndarray:
        """The array with rows and columns swapped."""
        return ndarray._wrap(self._a.T)

    def tobytes(self) -> bytearray:
        """The elements' bytes (a ``bytearray``), as in memory on the board (little-endian)."""
        if not self._a.flags["C_CONTIGUOUS"]:
            raise ValueError("tobytes can be invoked for dense arrays only")
        return bytearray(self._a.astype(self._a.dtype.newbyteorder("<")).tobytes())

    def tolist(self) -> list[Any]:
        """The elements as a (nested) list of Python numbers."""
        if self._a.ndim == 1 and code_of(self._a) == FLOAT:
            # numpy's text of a float32 is its shortest form: what board_float makes, faster
            return [builtins.float(text) for text in self._a.astype(str)]
        if self._a.ndim == 1:
            return [to_python(v) for v in self._a]
        return [ndarray._wrap(row).tolist() for row in self._a]

    def sort(self, *, axis: int | None = -1) -> None:
        """Sort the array in place along ``axis``."""
        if axis is None:
            flat = _np.sort(self._a, axis=None)
            self._a[...] = flat.reshape(self._a.shape)
        else:
            self._a.sort(axis=axis)

    def byteswap(self, *, inplace: bool = False) -> ndarray:
        """The array with the bytes of each element swapped (in place with ``inplace``)."""
        swapped = self._a.byteswap(inplace=inplace)
        return self if inplace else ndarray._wrap(swapped)

    # -- Python protocols -------------------------------------------------------------------

    def __buffer__(self, flags: int) -> memoryview:
        """The elements' memory, shared (PEP 688): what a board's buffer protocol gives, so a
        synthio waveform or an audio sample made of an array follows changes to it."""
        return memoryview(self._a)

    def __repr__(self) -> str:
        return array_repr(self._a)

    __str__ = __repr__

    def __len__(self) -> int:
        return int(self._a.shape[0])

    def __bool__(self) -> bool:
        # a board's truth test of an array is its length (numpy refuses for more than one)
        return len(self) != 0

    def __iter__(self) -> Iterator[Any]:
        if self._a.ndim == 1:
            return (to_python(v) for v in self._a)
        return (ndarray._wrap(row) for row in self._a)

    def _index(self, index: Any) -> Any:
        if isinstance(index, ndarray):
            if code_of(index._a) == BOOL:
                if index._a.shape != self._a.shape[: index._a.ndim]:
                    raise IndexError("wrong length of condition array")
                return index._a
            return index._a.astype(_np.intp)
        if isinstance(index, list):
            return _np.asarray(index, dtype=_np.intp)
        if isinstance(index, tuple):
            if len(index) > self._a.ndim:
                raise IndexError("too many indices")
            return tuple(self._index(i) for i in index)
        if isinstance(index, int | slice) or index is Ellipsis:
            return index
        raise IndexError("wrong index type")

    def __getitem__(self, index: Any) -> Any:
        try:
            result = self._a[self._index(index)]
        except IndexError as exc:
            if "out of bounds" in str(exc):
                raise IndexError("index is out of bounds") from None
            raise
        if isinstance(result, _np.ndarray):
            return ndarray._wrap(result)
        return to_python(result)

    def __setitem__(self, index: Any, value: Any) -> None:
        code = code_of(self._a)
        if isinstance(value, ndarray):
            source = cast(value._a, code)
        else:
            try:
                source = cast(_np.asarray(value, dtype=_np.float64), code)
            except (TypeError, ValueError):
                raise TypeError("wrong input type") from None
        try:
            self._a[self._index(index)] = source
        except IndexError as exc:
            if "out of bounds" in str(exc):
                raise IndexError("index is out of bounds") from None
            raise
        except ValueError:
            raise ValueError("could not broadcast input array from shape") from None

    def __delitem__(self, index: Any) -> None:
        raise TypeError("cannot delete array elements")

    # -- arithmetic ------------------------------------------------------------------------

    def _binary(self, other: Any, op: Callable[[Any, Any], Any], kind: str, swap: bool) -> Any:
        code = code_of(self._a)
        try:
            theirs = operand(other, code)
        except TypeError:
            return NotImplemented
        lhs, rhs = (theirs, self._a) if swap else (self._a, theirs)
        if kind == "compare":
            result_code = BOOL
            lhs, rhs = _comparable(lhs, rhs)
        elif kind == "float":
            result_code = FLOAT
            lhs, rhs = lhs.astype(_np.float32), rhs.astype(_np.float32)
        elif kind == "bits":
            if FLOAT in (code_of(lhs), code_of(rhs)):
                raise TypeError("not supported for input types")
            result_code = upcast(code_of(lhs), code_of(rhs))
            target = NUMPY_TYPE[result_code]
            lhs, rhs = lhs.astype(target), rhs.astype(target)
        else:
            result_code = upcast(code_of(lhs), code_of(rhs))
            if op is _np.subtract and (code_of(lhs), code_of(rhs)) == (UINT16, INT8):
                result_code = UINT16  # ulab's one asymmetric entry: uint16 - int8 is uint16
            target = NUMPY_TYPE[result_code]
            lhs, rhs = lhs.astype(target), rhs.astype(target)
        try:
            with _np.errstate(all="ignore"):
                result = op(lhs, rhs)
        except ValueError as exc:
            raise _broadcast_error(exc) from None
        return ndarray._wrap(cast(result, result_code))

    def __add__(self, other: Any) -> Any:
        return self._binary(other, _np.add, "int", False)

    def __radd__(self, other: Any) -> Any:
        return self._binary(other, _np.add, "int", True)

    def __sub__(self, other: Any) -> Any:
        return self._binary(other, _np.subtract, "int", False)

    def __rsub__(self, other: Any) -> Any:
        return self._binary(other, _np.subtract, "int", True)

    def __mul__(self, other: Any) -> Any:
        return self._binary(other, _np.multiply, "int", False)

    def __rmul__(self, other: Any) -> Any:
        return self._binary(other, _np.multiply, "int", True)

    def __truediv__(self, other: Any) -> Any:
        return self._binary(other, _np.true_divide, "float", False)

    def __rtruediv__(self, other: Any) -> Any:
        return self._binary(other, _np.true_divide, "float", True)

    def __floordiv__(self, other: Any) -> Any:
        return self._binary(other, _np.floor_divide, "int", False)

    def __rfloordiv__(self, other: Any) -> Any:
        return self._binary(other, _np.floor_divide, "int", True)

    def __mod__(self, other: Any) -> Any:
        return self._binary(other, _np.fmod, "int", False)

    def __rmod__(self, other: Any) -> Any:
        return self._binary(other, _np.fmod, "int", True)

    def __pow__(self, other: Any) -> Any:
        return self._binary(other, _np.power, "float", False)

    def __rpow__(self, other: Any) -> Any:
        return self._binary(other, _np.power, "float", True)

    def __and__(self, other: Any) -> Any:
        return self._binary(other, _np.bitwise_and, "bits", False)

    __rand__ = __and__

    def __or__(self, other: Any) -> Any:
        return self._binary(other, _np.bitwise_or, "bits", False)

    __ror__ = __or__

    def __xor__(self, other: Any) -> Any:
        return self._binary(other, _np.bitwise_xor, "bits", False)

    __rxor__ = __xor__

    def __lshift__(self, other: Any) -> Any:
        return self._binary(other, _np.left_shift, "bits", False)

    def __rshift__(self, other: Any) -> Any:
        return self._binary(other, _np.right_shift, "bits", False)

    def __lt__(self, other: Any) -> Any:
        return self._binary(other, _np.less, "compare", False)

    def __le__(self, other: Any) -> Any:
        return self._binary(other, _np.less_equal, "compare", False)

    def __gt__(self, other: Any) -> Any:
        return self._binary(other, _np.greater, "compare", False)

    def __ge__(self, other: Any) -> Any:
        return self._binary(other, _np.greater_equal, "compare", False)

    def __eq__(self, other: Any) -> Any:
        return self._binary(other, _np.equal, "compare", False)

    def __ne__(self, other: Any) -> Any:
        return self._binary(other, _np.not_equal, "compare", False)

    def _inplace(self, result: Any) -> ndarray:
        if result is NotImplemented:
            raise TypeError("unsupported types")
        converted = cast(result._a, code_of(self._a))
        try:
            self._a[...] = converted
        except ValueError:
            raise ValueError("operands could not be broadcast together") from None
        return self

    def __iadd__(self, other: Any) -> ndarray:
        return self._inplace(self.__add__(other))

    def __isub__(self, other: Any) -> ndarray:
        return self._inplace(self.__sub__(other))

    def __imul__(self, other: Any) -> ndarray:
        return self._inplace(self.__mul__(other))

    def __itruediv__(self, other: Any) -> ndarray:
        if self.dtype != FLOAT:
            raise TypeError("results cannot be cast to specified type")
        return self._inplace(self.__truediv__(other))

    def __ipow__(self, other: Any) -> ndarray:
        if self.dtype != FLOAT:
            raise TypeError("results cannot be cast to specified type")
        return self._inplace(self.__pow__(other))

    def __neg__(self) -> ndarray:
        if code_of(self._a) == BOOL:
            return ndarray._wrap(cast(-(self._a.astype(_np.int16)), UINT8))
        with _np.errstate(all="ignore"):
            return ndarray._wrap(_np.negative(self._a))

    def __pos__(self) -> ndarray:
        return self.copy()

    def __abs__(self) -> ndarray:
        if code_of(self._a) == BOOL:
            return self.copy()
        with _np.errstate(all="ignore"):
            return ndarray._wrap(_np.abs(self._a))

    def __invert__(self) -> ndarray:
        if self.dtype == FLOAT:
            raise ValueError("operation is not supported for given type")
        return ndarray._wrap(_np.invert(self._a))


def _comparable(lhs: Any, rhs: Any) -> tuple[Any, Any]:
    """Both sides in a type that holds either exactly (numpy compares mixed types right)."""
    return lhs.astype(_np.float64), rhs.astype(_np.float64)


def as_array(value: Any) -> ndarray:
    """An argument that may be a number, a list or an array, as a float ndarray unless it is
    one already."""
    if isinstance(value, ndarray):
        return value
    if isinstance(value, int | builtins.float):
        return ndarray._wrap(_np.array([value], dtype=_np.float32))
    return make(value)


def wrap(array: Any) -> ndarray:
    return ndarray._wrap(array)
