"""An image in memory as the file pyfatfs reads and writes, without hidden copies (an
``io.BytesIO`` over ``bytes`` copies all of it at the first read or write: 64 MiB per parse)."""

from __future__ import annotations

import errno
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer, WriteableBuffer


class ImageBytes(io.RawIOBase):
    """Read-only over ``bytes`` (or with ``read_only``), read-write over a ``bytearray``
    (which never grows: a write past the end is an error, as on a disk). :meth:`close` keeps
    the bytes, in :attr:`data`."""

    def __init__(self, data: bytes | bytearray, read_only: bool = False) -> None:
        super().__init__()
        self.data = data
        self._read_only = read_only or not isinstance(data, bytearray)
        self._data = data
        self._view = memoryview(data)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def writable(self) -> bool:
        return not self._read_only

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        target = memoryview(buffer).cast("B")
        count = max(0, min(len(target), len(self._data) - self._pos))
        target[:count] = self._view[self._pos : self._pos + count]
        self._pos += count
        return count

    def write(self, buffer: ReadableBuffer) -> int:
        if not self.writable():
            raise io.UnsupportedOperation("the image is read-only")
        source = memoryview(buffer).cast("B")
        end = self._pos + len(source)
        if end > len(self._data):
            raise OSError(errno.ENOSPC, "a write past the end of the image")
        self._view[self._pos : end] = source
        self._pos = end
        return len(source)

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: len(self._data)}[whence]
        if base + offset < 0:
            raise OSError(errno.EINVAL, "a seek before the start of the image")
        self._pos = base + offset
        return self._pos

    def tell(self) -> int:
        return self._pos

    def close(self) -> None:
        pass  # pyfatfs closes its file; the bytes stay readable
