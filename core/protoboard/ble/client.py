"""The client side of the BLE file-transfer protocol v4, sans-IO and transport-agnostic.

Each call on :class:`FileTransferClient` returns an :class:`Operation`. Drive it with::

    op = client.write_file("/code.py", data, progress=print)
    for chunk in op.start():
        transport.write(chunk)           # one GATT write each (split to the MTU if needed;
                                         # never join two chunks into one write)
    while not op.done:
        for chunk in op.feed(transport.next_notification()):
            transport.write(chunk)
    result = op.result

:meth:`Operation.feed` accepts notifications split or joined at any byte. A non-OK status raises
a :class:`FileTransferError` naming the operation, the path, the status and what to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from protoboard.ble import protocol as p
from protoboard.errors import UserError

T = TypeVar("T")
_RECV = object()  # what an operation's generator yields to wait for the next packet

ADVICE = {
    p.STATUS_ERROR: "check that the path exists (its parent folder for writes) and is the right "
    "kind (file or folder)",
    p.STATUS_ERROR_NO_FILE: "check the folder name with listdir of its parent",
    p.STATUS_ERROR_PROTOCOL: "the client and device disagree about the transaction; reconnect "
    "and retry",
    p.STATUS_ERROR_READONLY: "the drive is read-only to BLE (USB owns it): eject CIRCUITPY on "
    "the computer, or remount it from boot.py, and retry",
}


class FileTransferError(UserError):
    """The device refused an operation."""

    def __init__(self, operation: str, path: str, status: int, detail: str = "") -> None:
        name = p.STATUS_NAMES.get(status, "unknown status")
        advice = detail or ADVICE.get(status, "")
        super().__init__(
            f"{operation} {path}: the device answered status {status:02x} ({name})"
            + (f"; {advice}" if advice else "")
        )
        self.operation, self.path, self.status = operation, path, status


class NotFoundError(FileTransferError):
    pass


class ReadOnlyError(FileTransferError):
    pass


class ClientProtocolError(FileTransferError):
    """The device sent something the protocol does not allow here."""


def _raise(operation: str, path: str, status: int) -> None:
    cls = {
        p.STATUS_ERROR_NO_FILE: NotFoundError,
        p.STATUS_ERROR_READONLY: ReadOnlyError,
        p.STATUS_ERROR_PROTOCOL: ClientProtocolError,
    }.get(status, FileTransferError)
    raise cls(operation, path, status)


@dataclass(frozen=True)
class DirEntry:
    name: str
    is_dir: bool
    size: int
    mtime_ns: int


class Operation(Generic[T]):
    """One client operation as a state machine: :meth:`start` gives the first writes,
    :meth:`feed` takes notifications and gives the next writes; ``done`` and ``result`` tell
    the outcome. Errors raise out of :meth:`start`/:meth:`feed`."""

    def __init__(self, name: str, path: str, gen: Generator[Any, Any, T]) -> None:
        self.name, self.path = name, path
        self._gen = gen
        self._stream = p.ResponseStream()
        self._started = False
        self.done = False
        self.result: T | None = None

    def start(self) -> list[bytes]:
        if self._started:
            raise RuntimeError("operation already started")
        self._started = True
        return self._advance(None)

    def feed(self, notification: bytes) -> list[bytes]:
        if not self._started:
            raise RuntimeError("call start() first")
        out: list[bytes] = []
        for packet in self._stream.feed(notification):
            if self.done:
                raise ClientProtocolError(
                    self.name, self.path, 0, f"unexpected packet after the end: {packet}"
                )
            out += self._advance(packet)
        return out

    def _advance(self, value: Any) -> list[bytes]:
        out: list[bytes] = []
        while True:
            try:
                item = self._gen.send(value)
            except StopIteration as stop:
                self.done, self.result = True, stop.value
                return out
            value = None
            if item is _RECV:
                return out
            out.append(item)


def _expect(operation: str, path: str, packet: Any, cls: type) -> Any:
    if isinstance(packet, p.ProtocolErrorReply):
        raise ClientProtocolError(
            operation,
            path,
            packet.status,
            f"the device still expected command 0x{packet.expected:02x}; reconnect and retry",
        )
    if not isinstance(packet, cls):
        raise ClientProtocolError(
            operation, path, getattr(packet, "status", 0), f"expected {cls.__name__}, got {packet}"
        )
    return packet


class FileTransferClient:
    """Builds operations. ``now_ns`` stamps writes and mkdirs without an explicit time."""

    def __init__(
        self, *, now_ns: Callable[[], int] = time.time_ns, read_chunk: int = p.CLIENT_READ_CHUNK
    ) -> None:
        self.now_ns = now_ns
        self.read_chunk = read_chunk

    # --- operations ---------------------------------------------------------------------

    def read_file(self, path: str, *, offset: int = 0) -> Operation[bytes]:
        return Operation("read", path, self._read(path, offset))

    def write_file(
        self,
        path: str,
        data: bytes,
        *,
        offset: int = 0,
        mtime_ns: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> Operation[int]:
        """Result: the time the device stored (truncated). ``progress(sent, total)`` is called
        as data goes out and once when the device confirms."""
        return Operation("write", path, self._write(path, bytes(data), offset, mtime_ns, progress))

    def listdir(self, path: str) -> Operation[list[DirEntry]]:
        return Operation("listdir", path, self._listdir(path))

    def mkdir(
        self, path: str, *, mtime_ns: int | None = None, parents: bool = False
    ) -> Operation[int]:
        """Result: the stored time. The device makes one level; ``parents=True`` sends a MKDIR
        for each ancestor first, ignoring their errors (most often: it exists)."""
        return Operation("mkdir", path, self._mkdir(path, mtime_ns, parents))

    def delete(self, path: str) -> Operation[None]:
        """Deletes a file or a folder with everything in it."""
        return Operation(
            "delete", path, self._simple(p.Delete(path), p.DeleteStatus, "delete", path)
        )

    def move(self, old_path: str, new_path: str) -> Operation[None]:
        return Operation(
            "move",
            old_path,
            self._simple(
                p.Move(old_path, new_path), p.MoveStatus, "move", f"{old_path} -> {new_path}"
            ),
        )

    # --- generators ---------------------------------------------------------------------

    def _read(self, path: str, offset: int) -> Generator[Any, Any, bytes]:
        data = bytearray()
        yield p.Read(path, offset, self.read_chunk).encode()
        while True:
            packet = _expect("read", path, (yield _RECV), p.ReadData)
            if packet.status != p.STATUS_OK:
                _raise("read", path, packet.status)
            data += packet.data
            position = packet.chunk_offset + len(packet.data)
            if position >= packet.total_length:
                return bytes(data)
            if not packet.data:
                raise ClientProtocolError(
                    "read", path, packet.status, "the device sent an empty chunk before the end"
                )
            size = min(self.read_chunk, packet.total_length - position)
            yield p.ReadPacing(position, size).encode()

    def _write(
        self,
        path: str,
        data: bytes,
        offset: int,
        mtime_ns: int | None,
        progress: Callable[[int, int], None] | None,
    ) -> Generator[Any, Any, int]:
        total = offset + len(data)
        stamp = self.now_ns() if mtime_ns is None else mtime_ns
        yield p.Write(path, total, offset, stamp).encode()
        while True:
            packet = _expect("write", path, (yield _RECV), p.WritePacing)
            if packet.status != p.STATUS_OK:
                _raise("write", path, packet.status)
            if packet.free_space == 0:
                if packet.offset != total:
                    raise ClientProtocolError(
                        "write",
                        path,
                        packet.status,
                        f"the device stopped at {packet.offset} of {total}",
                    )
                if progress:
                    progress(len(data), len(data))
                return packet.truncated_time
            start = packet.offset - offset
            if not 0 <= start < len(data):
                raise ClientProtocolError(
                    "write", path, packet.status, f"the device asked for offset {packet.offset}"
                )
            chunk = data[start : start + packet.free_space]
            yield p.WriteData(packet.offset, chunk).encode()
            if progress:
                progress(start + len(chunk), len(data))

    def _listdir(self, path: str) -> Generator[Any, Any, list[DirEntry]]:
        entries: list[DirEntry] = []
        yield p.Listdir(path).encode()
        while True:
            packet = _expect("listdir", path, (yield _RECV), p.ListdirEntry)
            if packet.status != p.STATUS_OK:
                _raise("listdir", path, packet.status)
            if packet.is_last:
                return entries
            entries.append(DirEntry(packet.name, packet.is_dir, packet.file_size, packet.mtime_ns))

    def _mkdir(self, path: str, mtime_ns: int | None, parents: bool) -> Generator[Any, Any, int]:
        stamp = self.now_ns() if mtime_ns is None else mtime_ns
        if parents:
            parts = [part for part in path.split("/") if part]
            for i in range(1, len(parts)):
                yield p.Mkdir("/" + "/".join(parts[:i]), stamp).encode()
                _expect("mkdir", path, (yield _RECV), p.MkdirStatus)
        yield p.Mkdir(path, stamp).encode()
        packet = _expect("mkdir", path, (yield _RECV), p.MkdirStatus)
        if packet.status != p.STATUS_OK:
            _raise("mkdir", path, packet.status)
        return packet.truncated_time

    def _simple(
        self, request: p.Packet, cls: type, name: str, path: str
    ) -> Generator[Any, Any, None]:
        yield request.encode()
        packet = _expect(name, path, (yield _RECV), cls)
        if packet.status != p.STATUS_OK:
            _raise(name, path, packet.status)
        return None
