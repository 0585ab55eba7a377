"""The device (server) side of the BLE file-transfer protocol v4, sans-IO: bytes written by the
client go in through :meth:`DeviceSession.receive`, the notifications to send come out. It
serves a folder (the CIRCUITPY drive) and never touches anything outside it.

Behaviour follows CircuitPython's ``supervisor/shared/bluetooth/file_transfer.c``; where its
README (the spec) and its code disagree, the code wins:

* DELETE is recursive and answers ``02`` (never ``05``) when the drive is read-only;
* MKDIR makes one level only; an existing path, a missing parent or a read-only drive give ``02``;
* LISTDIR of a missing (or refused) directory gives ``03``;
* WRITE and MOVE answer ``05`` while ``read_only()`` is True.

Where CircuitPython's behaviour is undefined or a bug, this engine is deterministic and safe:

* every WRITE is atomic: data goes to a temporary file (named with
  :data:`~protoboard.runtime.drive.TEMP_PREFIX`) beside the target, which is renamed over the
  target when the last byte arrives; bytes before the start offset are copied from the old file
  (a window at a time). An abandoned write (disconnect, a new command, an error) removes the
  temporary file and leaves the old file untouched;
* every length a peer sends is bounded, so no packet can make the device allocate or write
  more than a window (see :doc:`/ble`, "Limits"):

  - a WRITE whose ``total_length`` is more than the drive's free space plus the size of the
    file it replaces gets ``02`` (CircuitPython's answer when ``f_write`` runs out of space);
  - a WRITE whose offset is past the end of the existing file, or past ``total_length``, gets
    ``02`` (CircuitPython zero-fills the gap; here no sparse or zero-filled file is made);
  - WRITE_DATA that starts past the bytes written so far (a hole) or runs past
    ``total_length`` gets ``02``; a retried window (an offset already written) is accepted;
  - a READ or READ_PACING gets at most :attr:`DeviceSession.max_read_chunk` bytes, however
    large its ``chunk_size``; the client continues from ``chunk_offset + data_size`` as the
    protocol allows;
  - running out of space in the middle of a write (``ENOSPC``) gets ``02``;
* a header cut short by the end of a write (see :mod:`protoboard.ble.protocol`) and an oversize
  length field are answered with the command's response carrying ``02``, and any transaction in
  progress is abandoned;
* READ_PACING or WRITE_DATA with no transaction in progress gets READ_DATA / WRITE_PACING ``02``
  (CircuitPython would use a closed file);
* after a protocol error ``[expected, 04]`` the offending write is dropped and the transaction
  still awaits its packet (CircuitPython keeps the bad bytes in its buffer and repeats ``04``
  until the link drops);
* bytes after a complete command in the same write are processed as further commands (the spec's
  "several commands may share one write"; CircuitPython's loop drops them);
* READ_PACING ends the transaction when ``offset + size >= total`` (CircuitPython compares the
  bytes sent in the chunk, a bug);
* a path is refused (``02``; ``03`` for LISTDIR) when it is not absolute, holds NUL, a backslash,
  ``.`` or ``..`` components, invalid UTF-8, a name over 255 bytes, a name starting with
  ``TEMP_PREFIX``, or resolves (through symlinks) outside the volume. Empty components are
  collapsed, so one trailing ``/`` is accepted on every command (v4); ``/`` is the volume root,
  which cannot be written, deleted or moved;
* LISTDIR sorts names, hides temporary files and symlinks that lead outside the volume;
* a modification time of 0 (v2 clients) is replaced by ``now_ns()``.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from protoboard.ble import protocol as p
from protoboard.deltree import remove_tree
from protoboard.runtime.drive import TEMP_PREFIX
from protoboard.runtime.volume import PathRefused, WorkflowVolume, fat_truncate

#: bytes copied per step when a WRITE keeps the start of the old file
COPY_STEP = 64 * 1024


def _disk_free(root: str) -> Callable[[], int]:
    def free() -> int:
        st = os.statvfs(root)
        return st.f_bavail * st.f_frsize

    return free


@dataclass
class _WriteState:
    path: str  # normalised protocol path, for on_change
    target: Path
    temp: Path
    stream: BinaryIO
    total: int
    truncated_time: int
    written: int  # bytes from 0 that are in the temporary file (no holes past this)


class DeviceSession:
    """One connection's server engine.

    :param volume: the folder served as the drive root.
    :param read_only: called at each WRITE, DELETE, MKDIR and MOVE; True means the drive is owned
        elsewhere (USB), as CircuitPython's failed ``filesystem_lock()``.
    :param on_change: called with the protocol path (e.g. ``"/code.py"``) after each completed
        change; MOVE reports both paths.
    :param now_ns: clock for a missing (zero) modification time.
    :param fat_times: store and return times truncated to 2 s, as FAT does.
    :param write_window: the most bytes a client may send per WRITE_DATA (``free_space``).
        The first ``free_space`` of a WRITE is ``min(total - offset, W - offset % W)`` so later
        chunks start on a multiple of ``W``; later ones are ``min(remaining, W)``. With the
        default ``W = 512`` this is CircuitPython's sector-aligned rule exactly; a larger ``W``
        (best a multiple of 512) lets a fast link send more per round trip. WRITE_DATA may then
        carry up to ``max(1011, W)`` bytes.
    :param free_space: bytes the drive can still take (default: the folder's file system,
        ``os.statvfs``); a WRITE longer than this plus the file it replaces gets ``02``.
    :param max_read_chunk: the most file bytes one READ_DATA carries (default: the write
        window). :class:`~protoboard.ble.gatt_server.GattServer` raises it to one notification
        on a link whose MTU is larger.
    """

    def __init__(
        self,
        volume: os.PathLike | str,
        *,
        read_only: Callable[[], bool],
        on_change: Callable[[str], None],
        now_ns: Callable[[], int] = time.time_ns,
        fat_times: bool = False,
        write_window: int = p.SECTOR_SIZE,
        free_space: Callable[[], int] | None = None,
        max_read_chunk: int | None = None,
    ) -> None:
        if write_window < 1:
            raise ValueError("write_window must be at least 1 byte")
        self._volume = WorkflowVolume(volume)
        self.root = self._volume.root
        if not os.path.isdir(self.root):
            raise NotADirectoryError(f"the BLE volume {self.root} is not a folder")
        self.read_only = read_only
        self.on_change = on_change
        self.now_ns = now_ns
        self.fat_times = fat_times
        self.write_window = write_window
        self._max_data = max(p.WriteData.limit(), write_window)
        self.free_space = free_space or _disk_free(self.root)
        self.max_read_chunk = max_read_chunk or write_window
        self._pending = b""
        self._awaiting: int | None = None
        self._read_target: Path | None = None
        self._write: _WriteState | None = None
        #: the last unexpected exception a command raised (answered with 02), for debugging
        self.last_error: BaseException | None = None

    # --- public -------------------------------------------------------------------------

    @property
    def awaiting(self) -> int | None:
        """READ_PACING or WRITE_DATA while a transaction is open, else None."""
        return self._awaiting

    def receive(self, data: bytes) -> list[bytes]:
        """Handle one write from the client; return the notifications to send, in order.
        Each item is one whole response (header + data): a transport splits or coalesces them
        into packets of its MTU (:func:`protocol.split_listdir_header` for CircuitPython's
        16 + 12 rule)."""
        buf = self._pending + bytes(data)
        self._pending = b""
        out: list[bytes] = []
        pos = 0
        while pos < len(buf):
            command = buf[pos]
            expected = self._awaiting
            if expected is not None and command & 0x0F and command != expected:
                out.append(p.ProtocolErrorReply(expected).encode())
                break
            try:
                packet, used = p.parse_one(
                    buf[pos:], p.Direction.REQUEST, max_payload=self._max_data
                )
            except p.Incomplete:
                self._pending = buf[pos:]
                break
            except p.UnknownCommand:
                break  # CircuitPython ignores the packet
            except (p.PartialHeader, p.OversizeCommand):
                self._abandon()
                out.append(self._error_response(command))
                break
            pos += used
            assert isinstance(packet, p.Packet)  # only responses parse to a ProtocolErrorReply
            try:
                out.extend(self._dispatch(packet))
            except Exception as exc:  # a radio peer must never crash the supervisor
                self.last_error = exc
                self._abandon()
                out.append(self._error_response(command))
        return out

    def disconnect(self) -> None:
        """The link dropped: forget everything; an unfinished write leaves the old file."""
        self._pending = b""
        self._abandon()

    # --- dispatch -----------------------------------------------------------------------

    def _dispatch(self, packet: p.Packet) -> list[bytes]:
        if isinstance(packet, p.ReadPacing):
            if self._awaiting != p.READ_PACING:
                return [p.ReadData(p.STATUS_ERROR).encode()]
            return self._send_chunk(packet.chunk_offset, packet.chunk_size)
        if isinstance(packet, p.WriteData):
            if self._awaiting != p.WRITE_DATA:
                return [p.WritePacing(p.STATUS_ERROR).encode()]
            return self._write_data(packet)
        self._abandon()  # a new command abandons the transaction
        match packet:
            case p.Read():
                return self._read(packet)
            case p.Write():
                return self._start_write(packet)
            case p.Delete():
                return self._delete(packet)
            case p.Mkdir():
                return self._mkdir(packet)
            case p.Listdir():
                return self._listdir(packet)
            case p.Move():
                return self._move(packet)
        raise KeyError(type(packet))  # parse_one only makes the request types above

    @staticmethod
    def _error_response(command: int) -> bytes:
        cls = p.RESPONSE_TO.get(command)
        return cls(p.STATUS_ERROR).encode() if cls else b""

    # --- paths --------------------------------------------------------------------------

    def _inside(self, real: str) -> bool:
        return self._volume.inside(real)

    def _resolve(self, raw: str) -> tuple[str, Path] | None:
        """(normalised path, host path) or None if refused (the protocol has one error status
        for all refusals; see :class:`~protoboard.runtime.volume.WorkflowVolume`). Protocol
        paths are absolute."""
        if not raw.startswith("/"):
            return None
        try:
            return self._volume.resolve(raw)
        except PathRefused:
            return None

    def _time(self, mtime_ns: int) -> int:
        if mtime_ns == 0:
            mtime_ns = self.now_ns()
        return fat_truncate(mtime_ns) if self.fat_times else mtime_ns

    @staticmethod
    def _set_time(path: Path, mtime_ns: int) -> None:
        with contextlib.suppress(OSError, OverflowError, ValueError):
            os.utime(path, ns=(mtime_ns, mtime_ns))

    def _stored_time(self, st: os.stat_result) -> int:
        return fat_truncate(st.st_mtime_ns) if self.fat_times else st.st_mtime_ns

    # --- READ ---------------------------------------------------------------------------

    def _read(self, packet: p.Read) -> list[bytes]:
        resolved = self._resolve(packet.path)
        if resolved is None or resolved[1] == Path(self.root) or not resolved[1].is_file():
            return [p.ReadData(p.STATUS_ERROR).encode()]
        self._read_target = resolved[1]
        return self._send_chunk(packet.chunk_offset, packet.chunk_size)

    def _send_chunk(self, offset: int, size: int) -> list[bytes]:
        target = self._read_target
        assert target is not None
        try:
            with open(target, "rb") as stream:
                total = os.fstat(stream.fileno()).st_size
                size = max(0, min(size, total - offset, self.max_read_chunk))
                stream.seek(min(offset, total))
                data = stream.read(size)
        except OSError:
            self._abandon()
            return [p.ReadData(p.STATUS_ERROR).encode()]
        if offset + len(data) >= total:
            self._abandon()
        else:
            self._awaiting = p.READ_PACING
        return [p.ReadData(p.STATUS_OK, offset, total & 0xFFFFFFFF, data).encode()]

    # --- WRITE --------------------------------------------------------------------------

    def _start_write(self, packet: p.Write) -> list[bytes]:
        def error(status: int = p.STATUS_ERROR) -> list[bytes]:
            return [p.WritePacing(status, packet.offset).encode()]

        resolved = self._resolve(packet.path)
        if resolved is None or resolved[0] == "/":
            return error()
        if self.read_only():
            return error(p.STATUS_ERROR_READONLY)
        path, target = resolved
        offset, total = packet.offset, packet.total_length
        if offset > total or not target.parent.is_dir() or target.is_dir():
            return error()
        old_size = target.stat().st_size if target.is_file() else 0
        # no sparse or zero-filled files, and nothing longer than the drive can hold
        if offset > old_size or total > self.free_space() + old_size:
            return error()
        truncated = self._time(packet.mtime_ns)
        handle, temp = tempfile.mkstemp(
            dir=target.parent, prefix=f"{TEMP_PREFIX}{target.name}.", suffix=".tmp"
        )
        stream = os.fdopen(handle, "w+b")
        self._write = _WriteState(path, target, Path(temp), stream, total, truncated, offset)
        self._awaiting = p.WRITE_DATA
        if offset:
            self._copy_start(target, stream, offset)
        if offset == total:
            return self._finish_write(offset)
        window = self.write_window
        free = min(total - offset, window - offset % window)
        return [p.WritePacing(p.STATUS_OK, offset, truncated, free).encode()]

    @staticmethod
    def _copy_start(source: Path, stream: BinaryIO, length: int) -> None:
        """The first ``length`` bytes of ``source`` into ``stream``, a step at a time."""
        with open(source, "rb") as old:
            while length > 0:
                data = old.read(min(length, COPY_STEP))
                if not data:
                    raise OSError(f"{source} became shorter while it was copied")
                stream.write(data)
                length -= len(data)

    def _write_data(self, packet: p.WriteData) -> list[bytes]:
        state = self._write
        assert state is not None
        end = packet.offset + len(packet.data)
        if end > state.total or packet.offset > state.written:
            self._abandon()
            return [p.WritePacing(p.STATUS_ERROR, packet.offset).encode()]
        state.stream.seek(packet.offset)
        state.stream.write(packet.data)
        state.written = max(state.written, end)
        if end == state.total:
            return self._finish_write(end)
        free = min(state.total - end, self.write_window)
        return [p.WritePacing(p.STATUS_OK, end, state.truncated_time, free).encode()]

    def _finish_write(self, offset: int) -> list[bytes]:
        state = self._write
        assert state is not None
        state.stream.truncate(offset)
        state.stream.flush()
        os.fsync(state.stream.fileno())
        state.stream.close()
        self._set_time(state.temp, state.truncated_time)
        os.replace(state.temp, state.target)
        self._write = None
        self._awaiting = None
        self.on_change(state.path)
        return [p.WritePacing(p.STATUS_OK, offset, state.truncated_time, 0).encode()]

    def _abandon(self) -> None:
        state, self._write = self._write, None
        self._awaiting = None
        self._read_target = None
        if state is not None:
            with contextlib.suppress(OSError):
                state.stream.close()
            with contextlib.suppress(OSError):
                os.unlink(state.temp)

    # --- DELETE, MKDIR, LISTDIR, MOVE ---------------------------------------------------

    def _delete(self, packet: p.Delete) -> list[bytes]:
        resolved = self._resolve(packet.path)
        # CircuitPython overwrites the read-only result (05) with 02
        if resolved is None or resolved[0] == "/" or self.read_only():
            return [p.DeleteStatus(p.STATUS_ERROR).encode()]
        path, target = resolved
        try:
            if stat.S_ISDIR(target.lstat().st_mode):
                remove_tree(target.parent, target.name)
            else:
                os.unlink(target)
        except OSError:
            return [p.DeleteStatus(p.STATUS_ERROR).encode()]
        self.on_change(path)
        return [p.DeleteStatus(p.STATUS_OK).encode()]

    def _mkdir(self, packet: p.Mkdir) -> list[bytes]:
        truncated = self._time(packet.mtime_ns)
        resolved = self._resolve(packet.path)

        def status(code: int) -> list[bytes]:
            return [p.MkdirStatus(code, truncated).encode()]

        if resolved is None or os.path.lexists(resolved[1]) or self.read_only():
            return status(p.STATUS_ERROR)
        path, target = resolved
        try:
            os.mkdir(target)  # one level, as CircuitPython 9+
        except OSError:
            return status(p.STATUS_ERROR)
        self._set_time(target, truncated)
        self.on_change(path)
        return status(p.STATUS_OK)

    def _listdir(self, packet: p.Listdir) -> list[bytes]:
        resolved = self._resolve(packet.path)
        if resolved is None or not resolved[1].is_dir():
            return [p.ListdirEntry(p.STATUS_ERROR_NO_FILE).encode()]
        folder = resolved[1]
        try:
            entries = [
                (name, is_dir, 0 if is_dir else st.st_size & 0xFFFFFFFF, self._stored_time(st))
                for name, is_dir, st in self._volume.entries(folder)
            ]
        except OSError:
            return [p.ListdirEntry(p.STATUS_ERROR_NO_FILE).encode()]
        count = len(entries)
        out = [
            p.ListdirEntry(
                p.STATUS_OK,
                i,
                count,
                p.FLAG_DIRECTORY if is_dir else 0,
                mtime & 0xFFFFFFFFFFFFFFFF,
                size,
                name,
            ).encode()
            for i, (name, is_dir, size, mtime) in enumerate(entries)
        ]
        out.append(p.ListdirEntry(p.STATUS_OK, count, count).encode())
        return out

    def _move(self, packet: p.Move) -> list[bytes]:
        old = self._resolve(packet.old_path)
        new = self._resolve(packet.new_path)
        if old is None or new is None or "/" in (old[0], new[0]):
            return [p.MoveStatus(p.STATUS_ERROR).encode()]
        if self.read_only():
            return [p.MoveStatus(p.STATUS_ERROR_READONLY).encode()]
        (old_path, source), (new_path, dest) = old, new
        if not os.path.lexists(source) or os.path.lexists(dest) or not dest.parent.is_dir():
            return [p.MoveStatus(p.STATUS_ERROR).encode()]
        try:
            os.rename(source, dest)  # refuses a folder into itself (EINVAL)
        except OSError:
            return [p.MoveStatus(p.STATUS_ERROR).encode()]
        self.on_change(old_path)
        self.on_change(new_path)
        return [p.MoveStatus(p.STATUS_OK).encode()]
