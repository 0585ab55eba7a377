"""Non-volatile memory.

The ``nvm`` module allows you to store whatever raw bytes you wish in a reserved section of
non-volatile memory. On Protoboard's simulated board the bytes live in a file next to the drive,
so they outlast reloads as on a real board.
"""

from __future__ import annotations

from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.hal import microcontroller as hal


class ByteArray:
    """Presents a stretch of non-volatile memory as a bytearray.

    Non-volatile memory is available as a byte array that persists over reloads and power
    cycles. Each assignment causes an erase and write cycle so its recommended to assign all
    values to change at once.

    Usage::

       import microcontroller
       microcontroller.nvm[0:3] = b"\\xcc\\x10\\x00"
    """

    __slots__ = ("_impl",)
    _impl: hal.NVM

    def __new__(cls, *args: Any, **kwargs: Any) -> ByteArray:
        raise _validate.cannot_create("nvm.ByteArray")

    @classmethod
    def _create(cls, impl: hal.NVM) -> ByteArray:
        obj = object.__new__(cls)
        obj._impl = impl
        return obj

    def __bool__(self) -> bool:
        return self._impl.size != 0

    def __len__(self) -> int:
        """Return the length. This is used by (`len`)"""
        return self._impl.size

    def _index(self, index: Any) -> int:
        size = self._impl.size
        number = _validate.to_int(index, "index")
        if number < 0:
            number += size
        if not 0 <= number < size:
            raise IndexError("ByteArray index out of range")
        return number

    def _range(self, index: slice) -> tuple[int, int]:
        start, stop, step = index.indices(self._impl.size)
        if step != 1:
            raise NotImplementedError("only slices with step=1 (aka None) are supported")
        return start, max(start, stop)

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start, stop = self._range(index)
            return bytearray(self._impl.read(start, stop))
        position = self._index(index)
        return self._impl.read(position, position + 1)[0]

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            start, stop = self._range(index)
            data = bytes(memoryview(value).cast("B"))
            if len(data) != stop - start:
                raise ValueError("Slice and value different lengths.")
            self._impl.write(start, data)
            return
        position = self._index(index)
        byte = _validate.int_range(value, 0, 255, "value")
        self._impl.write(position, bytes((byte,)))


_enum.publish("nvm", ByteArray)
