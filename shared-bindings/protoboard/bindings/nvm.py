"""Non-volatile memory.

The ``nvm`` module allows you to store whatever raw bytes you wish in a reserved section of
non-volatile memory. Under ``protoboard run`` the bytes live in a hidden file beside the drive
folder (or the image), so they outlast reloads, ``microcontroller.reset()`` and restarts as on a
real board; under ``protoboard exec`` they last for the run only.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from protoboard.bindings import _enum, _errors, _validate
from protoboard.hal import microcontroller as hal
from protoboard.runtime import nvmstore as _nvmstore
from protoboard.runtime import state as _state


class ByteArray:
    """Presents a stretch of non-volatile memory as a bytearray.

    Non-volatile memory is available as a byte array that persists over reloads and power
    cycles. Each assignment causes an erase and write cycle so its recommended to assign all
    values to change at once.

    Usage::

       import microcontroller
       microcontroller.nvm[0:3] = b"\\xcc\\x10\\x00"
    """

    __slots__ = ("_file", "_impl")
    _impl: hal.NVM
    _file: Path | None

    def __new__(cls, *args: Any, **kwargs: Any) -> ByteArray:
        raise _validate.cannot_create("nvm.ByteArray")

    @classmethod
    def _create(cls, impl: hal.NVM) -> ByteArray:
        obj = object.__new__(cls)
        obj._impl = impl
        obj._file = _state.current.nvm_file
        if obj._file is not None and impl.size:
            stored = _nvmstore.load(obj._file, impl.size)
            if stored:
                impl.write(0, stored)
        return obj

    def _store(self) -> None:
        """Keep the whole NVM where the next run finds it (one atomic file write per
        assignment, as each assignment is one erase-and-write cycle on a board)."""
        if self._file is not None:
            _nvmstore.save(self._file, self._impl.read(0, self._impl.size))

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
            with _errors.translate():  # a port's storage can fail (the NVM file of a Linux board)
                return bytearray(self._impl.read(start, stop))
        position = self._index(index)
        with _errors.translate():
            return self._impl.read(position, position + 1)[0]

    def __setitem__(self, index: Any, value: Any) -> None:
        if isinstance(index, slice):
            start, stop = self._range(index)
            data = bytes(memoryview(value).cast("B"))
            if len(data) != stop - start:
                raise ValueError("Slice and value different lengths.")
            with _errors.translate():
                self._impl.write(start, data)
            self._store()
            return
        position = self._index(index)
        byte = _validate.int_range(value, 0, 255, "value")
        with _errors.translate():
            self._impl.write(position, bytes((byte,)))
        self._store()


_enum.publish("nvm", ByteArray)
