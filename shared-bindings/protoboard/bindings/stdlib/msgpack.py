"""`msgpack` module: pack objects into the msgpack format and back, as CircuitPython does.

The msgpack format is similar to JSON, except that the encoded data is binary. CircuitPython's
module is its own (a subset of PyPI's ``msgpack``: ``pack(obj, stream)`` and ``unpack(stream)``
on streams, no ``packb``), and so is its encoding; Protoboard writes the same bytes a board
writes:

* integers are packed only in the board's small-int range (-2**30 to 2**30-1), in the shortest
  of fixint / int8 / int16 / int32; a bigger integer needs ``default`` (or raises
  ``ValueError: no default packer``), as on a board;
* every float is packed as a 32-bit float (0xca); 64-bit floats are read, never written;
* strings of fewer than 32 bytes are fixstr, longer ones str8/16/32; buffers (``bytes``,
  ``bytearray``, ``array``, ``memoryview``) are bin8/16/32;
* ``default`` is called once for an object with no msgpack form, and what it returns is packed
  without ``default`` again;
* reading stops with ``EOFError`` when the stream is at its end, ``ValueError: short read`` when
  it ends inside an object and ``ValueError: Invalid format`` for a byte no msgpack object starts
  with.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any, Protocol

from protoboard.bindings import _validate

__all__ = ["ExtType", "pack", "unpack"]

_SMALL_INT_MIN = -(1 << 30)
_SMALL_INT_MAX = (1 << 30) - 1
#: a board reads bytes and strings in pieces of this size (UART drivers limit a read)
_CHUNK = 256


class _Reader(Protocol):
    def read(self, size: int, /) -> bytes | None: ...


class _Writer(Protocol):
    def write(self, data: bytes, /) -> int | None: ...


class ExtType:
    """ExtType represents ext type in msgpack."""

    def __init__(self, code: int, data: bytes) -> None:
        """Constructor

        :param int code: type code in range 0~127.
        :param bytes data: representation."""
        self._code = _validate.int_range(code, 0, 127, "code")
        self._data = data

    @property
    def code(self) -> int:
        """The type code, in range 0~127."""
        return self._code

    @code.setter
    def code(self, value: int) -> None:
        code = _validate.to_int(value, "code")
        if not 0 <= code <= 127:
            raise AttributeError("code outside range 0~127")
        self._code = code

    @property
    def data(self) -> bytes:
        """Data."""
        return self._data

    @data.setter
    def data(self, value: bytes) -> None:
        self._data = value


def pack(
    obj: object,
    stream: Any,
    *,
    default: Callable[[object], object] | None = None,
) -> None:
    """Output object to stream in msgpack format.

    :param object obj: Object to convert to msgpack format.
    :param ~circuitpython_typing.ByteStream stream: stream to write to
    :param Optional[~circuitpython_typing.Callable[[object], None]] default:
          function called for python objects that do not have
          a representation in msgpack format.
    """
    if default is not None and not callable(default):
        raise ValueError("default is not a function")
    _Packer(_writer(stream)).pack(obj, default)


def unpack(
    stream: Any,
    *,
    ext_hook: Callable[[int, bytes], object] | None = None,
    use_list: bool = True,
) -> object:
    """Unpack and return one object from stream.

    :param ~circuitpython_typing.ByteStream stream: stream to read from
    :param Optional[~circuitpython_typing.Callable[[int, bytes], object]] ext_hook: function
           called for objects in msgpack ext format.
    :param Optional[bool] use_list: return array as list or tuple (use_list=False).
    :return object: object read from stream.
    """
    if ext_hook is not None and not callable(ext_hook):
        raise ValueError("ext_hook is not a function")
    return _Unpacker(_reader(stream), ext_hook, bool(use_list)).unpack()


def _writer(stream: Any) -> _Writer:
    if not callable(getattr(stream, "write", None)):
        raise OSError("stream operation not supported")
    writer: _Writer = stream
    return writer


def _reader(stream: Any) -> _Reader:
    if not callable(getattr(stream, "read", None)):
        raise OSError("stream operation not supported")
    reader: _Reader = stream
    return reader


# -- packing ------------------------------------------------------------------------------------


class _Packer:
    def __init__(self, stream: _Writer) -> None:
        self.stream = stream

    def write(self, data: bytes) -> None:
        if self.stream.write(data) == 0:
            raise EOFError

    def size(self, code: int, size: int) -> None:
        """A length in the shortest of three forms: ``code``, ``code + 1``, ``code + 2``."""
        if size < 0x100:
            self.write(struct.pack(">BB", code, size))
        elif size < 0x10000:
            self.write(struct.pack(">BH", code + 1, size))
        else:
            self.write(struct.pack(">BI", code + 2, size))

    def pack(self, obj: object, default: Callable[[object], object] | None) -> None:
        if type(obj) is int and _SMALL_INT_MIN <= obj <= _SMALL_INT_MAX:
            self.integer(obj)
        elif isinstance(obj, str):
            self.string(obj.encode("utf-8", "surrogatepass"))
        elif isinstance(obj, ExtType):
            self.ext(obj)
        elif isinstance(obj, (tuple, list)):
            self.header(len(obj), 0x90, 0xDC)
            for item in obj:
                self.pack(item, default)
        elif isinstance(obj, dict):
            self.header(len(obj), 0x80, 0xDE)
            for key, value in obj.items():
                self.pack(key, default)
                self.pack(value, default)
        else:
            self.other(obj, default)

    def other(self, obj: object, default: Callable[[object], object] | None) -> None:
        if isinstance(obj, float):
            self.write(b"\xca" + struct.pack(">f", _to_f32(obj)))
        elif obj is None:
            self.write(b"\xc0")
        elif obj is False:
            self.write(b"\xc2")
        elif obj is True:
            self.write(b"\xc3")
        elif (buffer := _buffer(obj)) is not None:
            self.size(0xC4, len(buffer))
            if buffer:
                self.write(buffer)
        elif default is not None:
            # packed without ``default``: no endless recursion (a board does the same)
            self.pack(default(obj), None)
        else:
            raise ValueError("no default packer")

    def integer(self, x: int) -> None:
        if -32 < x < 128:
            self.write(struct.pack(">b" if x < 0 else ">B", x))
        elif -128 <= x <= 127:
            self.write(struct.pack(">Bb", 0xD0, x))
        elif -32768 <= x <= 32767:
            self.write(struct.pack(">Bh", 0xD1, x))
        else:
            self.write(struct.pack(">Bi", 0xD2, x))

    def string(self, data: bytes) -> None:
        if len(data) < 32:
            self.write(bytes([0xA0 | len(data)]))
        else:
            self.size(0xD9, len(data))
        if data:
            self.write(data)

    def header(self, length: int, fix: int, code16: int) -> None:
        if length < 16:
            self.write(bytes([fix | length]))
        elif length < 0x10000:
            self.write(struct.pack(">BH", code16, length))
        else:
            self.write(struct.pack(">BI", code16 + 1, length))

    def ext(self, ext: ExtType) -> None:
        data = _buffer(ext.data)
        if data is None:
            raise TypeError(f"object with buffer protocol required, not {type(ext.data).__name__}")
        fixed = {1: 0xD4, 2: 0xD5, 4: 0xD6, 8: 0xD7, 16: 0xD8}.get(len(data))
        if fixed is not None:
            self.write(bytes([fixed]))
        else:
            self.size(0xC7, len(data))
        self.write(struct.pack(">b", ext.code if ext.code < 128 else ext.code - 256))
        if data:
            self.write(data)


def _buffer(obj: object) -> bytes | None:
    try:
        return bytes(memoryview(obj))  # type: ignore[arg-type]
    except TypeError:
        return None


def _to_f32(value: float) -> float:
    try:
        result: float = struct.unpack(">f", struct.pack(">f", value))[0]
    except OverflowError:
        return float("inf") if value > 0 else float("-inf")
    return result


# -- unpacking ----------------------------------------------------------------------------------

_FIXED_EXT = {0xD4: 1, 0xD5: 2, 0xD6: 4, 0xD7: 8, 0xD8: 16}
_NUMBERS = {
    0xCC: ">B",
    0xD0: ">b",
    0xCD: ">H",
    0xD1: ">h",
    0xCE: ">I",
    0xD2: ">i",
    0xCF: ">Q",
    0xD3: ">q",
    0xCA: ">f",
    0xCB: ">d",
}


class _Unpacker:
    def __init__(
        self, stream: _Reader, ext_hook: Callable[[int, bytes], object] | None, use_list: bool
    ) -> None:
        self.stream = stream
        self.ext_hook = ext_hook
        self.use_list = use_list

    def read(self, size: int) -> bytes:
        if size == 0:
            return b""
        data = self.stream.read(size)
        if not data:
            raise EOFError
        if len(data) < size:
            raise ValueError("short read")
        return bytes(data)

    def read_size(self, index: int) -> int:
        fmt = (">B", ">H", ">I")[index]
        value: int = struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]
        return value

    def read_chunked(self, size: int) -> bytes:
        parts = []
        while size > 0:
            n = min(size, _CHUNK)
            parts.append(self.read(n))
            size -= n
        return b"".join(parts)

    def unpack(self) -> object:
        code = self.read(1)[0]
        if code < 0x80 or code >= 0xE0:
            return code - 256 if code >= 0x80 else code
        if code & 0xE0 == 0xA0:
            return _text(self.read(code & 0x1F))
        if code & 0xF0 == 0x90:
            return self.array(code & 0x0F)
        if code & 0xF0 == 0x80:
            return self.mapping(code & 0x0F)
        return self.typed(code)

    def typed(self, code: int) -> object:
        if code == 0xC0:
            return None
        if code in (0xC2, 0xC3):
            return code == 0xC3
        if code in (0xC4, 0xC5, 0xC6):
            return self.read_chunked(self.read_size(code - 0xC4))
        if code in _NUMBERS:
            fmt = _NUMBERS[code]
            return struct.unpack(fmt, self.read(struct.calcsize(fmt)))[0]
        if code in (0xD9, 0xDA, 0xDB):
            return _text(self.read(self.read_size(code - 0xD9)))
        if code in (0xDE, 0xDF):
            return self.mapping(self.read_size(code - 0xDE + 1))
        if code in (0xDC, 0xDD):
            return self.array(self.read_size(code - 0xDC + 1))
        if code in _FIXED_EXT:
            return self.ext(_FIXED_EXT[code])
        if code in (0xC7, 0xC8, 0xC9):
            return self.ext(self.read_size(code - 0xC7))
        raise ValueError("Invalid format")

    def array(self, size: int) -> list[object] | tuple[object, ...]:
        items = [self.unpack() for _ in range(size)]
        return items if self.use_list else tuple(items)

    def mapping(self, size: int) -> dict[Any, object]:
        result: dict[Any, object] = {}
        for _ in range(size):
            key = self.unpack()
            result[key] = self.unpack()
        return result

    def ext(self, size: int) -> object:
        code = struct.unpack(">b", self.read(1))[0]
        data = self.read_chunked(size)
        if self.ext_hook is not None:
            return self.ext_hook(code, data)
        ext = ExtType.__new__(ExtType)
        ext._code, ext._data = code, data  # a board keeps a negative code as it was read
        return ext


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise UnicodeError() from None
