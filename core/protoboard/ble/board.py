"""File operations on one board connected over BLE, in the words ``protoboard ble`` uses.

:class:`Board` wraps a :class:`~protoboard.ble.transport.Transport` and the sans-IO client: it
runs operations, walks folders and makes them, and turns the device's "not found" and
"read-only" answers into :class:`BoardError` (a :class:`~protoboard.errors.UserError`) with what
to do. Paths on the board are absolute (CircuitPython's convention); :func:`remote_path` makes
relative ones absolute from ``/``.
"""

from __future__ import annotations

import asyncio
import posixpath
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from protoboard.ble.client import (
    DirEntry,
    FileTransferClient,
    FileTransferError,
    NotFoundError,
    Operation,
    ReadOnlyError,
)
from protoboard.ble.transport import DEFAULT_TIMEOUT, LinkTransport, Transport, run_operation
from protoboard.errors import UserError

__all__ = [
    "READ_ONLY_HINT",
    "Board",
    "BoardError",
    "Connection",
    "join",
    "open_transport",
    "remote_path",
    "run_with_board",
]

T = TypeVar("T")
READ_ONLY_HINT = (
    "the board's drive is in use by USB or by your program: eject CIRCUITPY on "
    "the computer (or call storage.disable_usb_drive() in boot.py), then retry"
)


class BoardError(UserError):
    """A file operation the board cannot do as asked (missing path, read-only drive, ...)."""


def remote_path(path: str) -> str:
    """An absolute, normalised board path ('lib/x.py' -> '/lib/x.py'; '..' stops at '/')."""
    path = path.replace("\\", "/")
    normal = posixpath.normpath("/" + path.lstrip("/"))
    while normal.startswith("/.."):
        normal = normal[3:] or "/"
    return "/" + normal.lstrip("/")


def join(folder: str, name: str) -> str:
    return folder.rstrip("/") + "/" + name


def _read_only(exc: ReadOnlyError) -> BoardError:
    return BoardError(
        f"{exc.operation} {exc.path}: the board's drive is read-only over Bluetooth",
        READ_ONLY_HINT,
    )


def _refused(what: str) -> BoardError:
    """The board answered a plain error: most often its drive is read-only."""
    return BoardError(
        f"could not {what} (the board refused)", "if the drive is read-only: " + READ_ONLY_HINT
    )


class Board:
    """File operations on one connected board (async; one per command)."""

    def __init__(self, transport: Transport, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.transport = transport
        self.client = FileTransferClient()
        self.timeout = timeout

    async def _call(
        self, op: Operation[T], progress: Callable[[int, int], None] | None = None
    ) -> T:
        return await run_operation(self.transport, op, timeout=self.timeout, progress=progress)

    async def run(self, op: Operation[T], progress: Callable[[int, int], None] | None = None) -> T:
        """Run one operation; "read-only" and "not found" answers become a BoardError."""
        try:
            return await self._call(op, progress)
        except ReadOnlyError as exc:
            raise _read_only(exc) from exc
        except NotFoundError as exc:
            raise BoardError(
                f"{exc.operation} {exc.path}: no such file or folder on the board",
                f"check the path with: protoboard ble ls {posixpath.dirname(exc.path) or '/'}",
            ) from exc

    async def listdir(self, path: str) -> list[DirEntry]:
        return await self.run(self.client.listdir(path))

    async def stat(self, path: str) -> DirEntry | None:
        """The entry for ``path`` (from its parent's listing), or None if it does not exist."""
        if path == "/":
            return DirEntry("/", True, 0, 0)
        parent, name = posixpath.split(path)
        try:
            entries = await self._call(self.client.listdir(parent))
        except NotFoundError:
            return None
        return next((e for e in entries if e.name == name), None)

    async def require(self, path: str) -> DirEntry:
        entry = await self.stat(path)
        if entry is None:
            raise BoardError(
                f"{path} does not exist on {self.transport.name}",
                f"list its folder with: protoboard ble ls {posixpath.dirname(path)}",
            )
        return entry

    async def require_folder(self, path: str, hint: str) -> None:
        """Refuse a write into a folder that does not exist (``hint``: how to make it)."""
        if await self.stat(path) is None:
            raise BoardError(f"the folder {path} does not exist on the board", hint)

    async def walk(self, path: str) -> list[tuple[str, DirEntry]]:
        """Every entry below folder ``path``, parents before children."""
        out: list[tuple[str, DirEntry]] = []
        for entry in await self.listdir(path):
            full = join(path, entry.name)
            out.append((full, entry))
            if entry.is_dir:
                out += await self.walk(full)
        return out

    async def makedirs(self, path: str) -> None:
        """Make ``path`` and its parents; fine if it exists as a folder."""
        entry = await self.stat(path)
        if entry is not None:
            if not entry.is_dir:
                raise BoardError(f"{path} exists on the board and is a file, not a folder")
            return
        await self.run(self.client.mkdir(path, parents=True))

    async def mkdir(self, path: str) -> None:
        """Make one folder whose parent exists."""
        if await self.stat(path) is not None:
            raise BoardError(f"{path} already exists on the board")
        await self.require_folder(
            posixpath.dirname(path), f"use -p to make it too: protoboard ble mkdir -p {path}"
        )
        try:
            await self._call(self.client.mkdir(path))
        except ReadOnlyError as exc:
            raise _read_only(exc) from exc
        except FileTransferError:
            raise _refused(f"make {path}") from None

    async def delete(self, path: str, confirm: Callable[[str, int], None] | None = None) -> None:
        """Delete a file, or a folder with everything in it (never ``/``). ``confirm(path,
        items)`` is asked first for a folder; it raises to stop."""
        if path == "/":
            raise BoardError(
                "refusing to delete the whole drive (/)",
                "delete its files one by one, or: protoboard ble rm /code.py /lib",
            )
        entry = await self.require(path)
        if entry.is_dir and confirm is not None:
            confirm(path, len(await self.walk(path)))
        try:
            await self.run(self.client.delete(path))
        except FileTransferError:
            # CircuitPython answers a plain error (02) for DELETE on a read-only drive
            raise _refused(f"delete {path}") from None

    async def move(self, source: str, dest: str) -> str:
        """Move ``source`` to ``dest`` (into it if it is a folder); the final path."""
        await self.require(source)
        target = await self.stat(dest)
        if target is not None and target.is_dir:
            final = join(dest, posixpath.basename(source))
            exists = await self.stat(final) is not None
        else:
            final, exists = dest, target is not None
        if exists:
            raise BoardError(
                f"{final} already exists on the board", "delete it first, or pick another name"
            )
        parent = posixpath.dirname(final)
        await self.require_folder(parent, f"make it first: protoboard ble mkdir -p {parent}")
        await self.run(self.client.move(source, final))
        return final

    async def upload(self, source: Path, dest: str, sent: Callable[[int], None]) -> int:
        """Send one local file (keeping its modification time); its size. ``sent(count)``
        follows the transfer."""
        data = source.read_bytes()
        await self.run(
            self.client.write_file(
                dest,
                data,
                mtime_ns=source.stat().st_mtime_ns,
                progress=lambda count, _total: sent(count),
            )
        )
        return len(data)


@dataclass
class Connection:
    device: str | None
    loopback: Path | None
    loopback_read_only: bool
    timeout: float
    scan_timeout: float


async def open_transport(conn: Connection) -> Transport:
    if conn.loopback is not None:
        if not conn.loopback.is_dir():
            raise BoardError(f"the --loopback folder '{conn.loopback}' does not exist")
        return LinkTransport.serve(conn.loopback, read_only=conn.loopback_read_only)
    from protoboard.ble.bleak_transport import BleakTransport

    return await BleakTransport.connect(conn.device, scan_timeout=conn.scan_timeout)


def run_with_board(conn: Connection, work: Callable[[Board], Awaitable[T]]) -> T:
    """Connect, run ``work``, disconnect."""

    async def session() -> T:
        transport = await open_transport(conn)
        try:
            return await work(Board(transport, timeout=conn.timeout))
        finally:
            await transport.close()

    return asyncio.run(session())
