"""Types for annotations that ``typing`` lacks, as the PyPI package ``circuitpython_typing``
names them (a frozen module of Protoboard's board: see :mod:`protoboard.frozen`)."""

from __future__ import annotations

import array
from typing import Protocol

__version__ = "1.13.0"

ReadableBuffer = array.array | bytearray | bytes | memoryview
"""Objects with the readable buffer protocol."""

WriteableBuffer = array.array | bytearray | memoryview
"""Objects with the writeable buffer protocol."""


class ByteStream(Protocol):
    """Byte-stream I/O: ``io.BytesIO``, a binary file, ``busio.UART``, ``usb_cdc.Serial``."""

    def read(self, count: int | None = None, /) -> bytes | None: ...

    def write(self, buf: ReadableBuffer, /) -> int | None: ...


class BlockDevice(Protocol):
    """A block device for ``storage.VfsFat``."""

    def count(self) -> int: ...

    def readblocks(self, start_block: int, buf: WriteableBuffer) -> None: ...

    def writeblocks(self, start_block: int, buf: ReadableBuffer) -> None: ...


class CameraSensor(Protocol):
    """A camera sensor driver."""


FrameBuffer = ReadableBuffer
Alarm = object
AudioSample = object
VideoSource = object

__all__ = [
    "Alarm",
    "AudioSample",
    "BlockDevice",
    "ByteStream",
    "CameraSensor",
    "FrameBuffer",
    "ReadableBuffer",
    "VideoSource",
    "WriteableBuffer",
]
