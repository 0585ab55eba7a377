"""``protoboard ble``: files on a CircuitPython board over Bluetooth LE (file-transfer protocol).

Every command but ``scan`` connects to ``--device NAME_OR_ADDRESS`` (default: the only board
found), runs, and disconnects. Paths on the board are absolute (CircuitPython's convention);
relative ones are taken from ``/``.

For tests and demos without a radio, the hidden option ``--loopback DIR`` serves DIR in this
process with the same device engine a board runs (``--loopback-read-only`` makes it refuse
changes, as a board whose drive USB owns).
"""

from __future__ import annotations

import asyncio
import fnmatch
import os
import posixpath
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from protoboard.ble.client import (
    DirEntry,
    FileTransferClient,
    FileTransferError,
    NotFoundError,
    Operation,
    ReadOnlyError,
)
from protoboard.ble.transport import (
    DEFAULT_TIMEOUT,
    LinkTransport,
    Transport,
    TransportError,
    run_operation,
)

T = TypeVar("T")
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
READ_ONLY_HINT = (
    "the board's drive is in use by USB or by your program: eject CIRCUITPY on "
    "the computer (or call storage.disable_usb_drive() in boot.py), then retry"
)
#: names sync skips on both sides unless --all is given
DEFAULT_EXCLUDES = (".*", "__pycache__", "*.pyc", "System Volume Information")
_TWO_SECONDS = 2_000_000_000  # FAT keeps times to 2 s


def fail(message: str, hint: str | None = None) -> None:
    """Stop with the CLI's friendly message format (exit status 2)."""
    from protoboard.cli import fail as cli_fail

    cli_fail(message, hint)


def remote_path(path: str) -> str:
    """An absolute, normalised board path ('lib/x.py' -> '/lib/x.py'; '..' stops at '/')."""
    path = path.replace("\\", "/")
    normal = posixpath.normpath("/" + path.lstrip("/"))
    while normal.startswith("/.."):
        normal = normal[3:] or "/"
    return "/" + normal.lstrip("/")


def _join(folder: str, name: str) -> str:
    return folder.rstrip("/") + "/" + name


# --- a connected board -------------------------------------------------------------------


class Board:
    """File operations on one connected board (async; one per command)."""

    def __init__(self, transport: Transport, *, timeout: float = DEFAULT_TIMEOUT) -> None:
        self.transport = transport
        self.client = FileTransferClient()
        self.timeout = timeout

    async def run(self, op: Operation[T], progress: Callable[[int, int], None] | None = None) -> T:
        return await run_operation(self.transport, op, timeout=self.timeout, progress=progress)

    async def listdir(self, path: str) -> list[DirEntry]:
        return await self.run(self.client.listdir(path))

    async def stat(self, path: str) -> DirEntry | None:
        """The entry for ``path`` (from its parent's listing), or None if it does not exist."""
        if path == "/":
            return DirEntry("/", True, 0, 0)
        parent, name = posixpath.split(path)
        try:
            entries = await self.listdir(parent)
        except NotFoundError:
            return None
        return next((e for e in entries if e.name == name), None)

    async def require(self, path: str) -> DirEntry:
        entry = await self.stat(path)
        if entry is None:
            fail(
                f"{path} does not exist on {self.transport.name}",
                f"list its folder with: protoboard ble ls {posixpath.dirname(path)}",
            )
        assert entry is not None
        return entry

    async def walk(self, path: str) -> list[tuple[str, DirEntry]]:
        """Every entry below folder ``path``, parents before children."""
        out: list[tuple[str, DirEntry]] = []
        for entry in await self.listdir(path):
            full = _join(path, entry.name)
            out.append((full, entry))
            if entry.is_dir:
                out += await self.walk(full)
        return out

    async def makedirs(self, path: str) -> None:
        """Make ``path`` and its parents; fine if it exists as a folder."""
        entry = await self.stat(path)
        if entry is not None:
            if not entry.is_dir:
                fail(f"{path} exists on the board and is a file, not a folder")
            return
        await self.run(self.client.mkdir(path, parents=True))


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
            fail(f"the --loopback folder '{conn.loopback}' does not exist")
        return LinkTransport.serve(conn.loopback, read_only=conn.loopback_read_only)
    from protoboard.ble.bleak_transport import BleakTransport

    return await BleakTransport.connect(conn.device, scan_timeout=conn.scan_timeout)


def run_with_board(conn: Connection, work: Callable[[Board], Awaitable[T]]) -> T:
    """Connect, run ``work``, disconnect; every failure becomes a friendly message."""

    async def session() -> T:
        transport = await open_transport(conn)
        try:
            return await work(Board(transport, timeout=conn.timeout))
        finally:
            await transport.close()

    return _friendly(lambda: asyncio.run(session()))


def _friendly(call: Callable[[], T]) -> T:
    try:
        return call()
    except TransportError as exc:
        fail(exc.message, exc.hint)
    except ReadOnlyError as exc:
        fail(
            f"{exc.operation} {exc.path}: the board's drive is read-only over Bluetooth",
            READ_ONLY_HINT,
        )
    except NotFoundError as exc:
        fail(
            f"{exc.operation} {exc.path}: no such file or folder on the board",
            f"check the path with: protoboard ble ls {posixpath.dirname(exc.path) or '/'}",
        )
    except FileTransferError as exc:
        fail(str(exc))
    raise AssertionError("unreachable")  # pragma: no cover


def _connection_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option(
            "--device",
            "-d",
            metavar="NAME_OR_ADDRESS",
            help="The board to use: its Bluetooth name (e.g. CIRCUITPYa1b2) or "
            "address. Default: the only CircuitPython board advertising.",
        ),
        click.option(
            "--timeout",
            type=float,
            default=DEFAULT_TIMEOUT,
            show_default=True,
            metavar="SECONDS",
            help="Give up when the board is silent this long.",
        ),
        click.option(
            "--scan-timeout",
            type=float,
            default=5.0,
            show_default=True,
            metavar="SECONDS",
            help="How long to look for the board.",
        ),
        click.option(
            "--loopback",
            type=click.Path(path_type=Path, file_okay=False),
            hidden=True,
            help="Serve this folder in-process instead of a radio.",
        ),
        click.option("--loopback-read-only", is_flag=True, hidden=True),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _conn(kw: dict[str, Any]) -> Connection:
    return Connection(
        kw.pop("device"),
        kw.pop("loopback"),
        kw.pop("loopback_read_only"),
        kw.pop("timeout"),
        kw.pop("scan_timeout"),
    )


def _progress() -> Any:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
        TransferSpeedColumn,
    )

    console = Console(stderr=True)
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
        console=console,
        disable=not console.is_terminal,
        transient=True,
    )


def _mtime(ns: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ns / 1e9)) if ns else "-"


# --- the command group -------------------------------------------------------------------


@click.group(context_settings=CONTEXT)
def ble() -> None:
    """Files on a CircuitPython board over Bluetooth LE (no USB cable).

    \b
    protoboard ble scan                      find boards
    protoboard ble ls /lib                   list a folder
    protoboard ble put code.py               copy a file (or folder) to the board
    protoboard ble get /code.py              copy it back
    protoboard ble sync my_project/          send only what changed
    protoboard ble rm /old.py
    protoboard ble mkdir -p /lib/sensors
    protoboard ble mv /a.py /b.py

    The board must run CircuitPython with the BLE workflow. The first connection pairs with
    it. Needs the bleak package: pip install 'protoboard[ble]'.
    """


@ble.command(context_settings=CONTEXT)
@click.option(
    "--timeout",
    type=float,
    default=5.0,
    show_default=True,
    metavar="SECONDS",
    help="How long to listen.",
)
@click.option(
    "--all",
    "everything",
    is_flag=True,
    help="List every Bluetooth LE device, not only CircuitPython boards.",
)
def scan(timeout: float, everything: bool) -> None:
    """List boards advertising CircuitPython's BLE file-transfer service."""
    from protoboard.ble.bleak_transport import scan as do_scan

    found = _friendly(lambda: asyncio.run(do_scan(timeout, everything=everything)))
    for f in found:
        rssi = f"{f.rssi} dBm" if f.rssi is not None else "?"
        mark = "" if not everything or not f.file_transfer else "  [file transfer]"
        click.echo(f"{f.name or '(no name)':<24} {f.address:<40} {rssi:>8}{mark}")
    if not found:
        click.echo(
            "No CircuitPython board found. Press reset while its LED blinks blue to "
            "make it advertise (discovery mode).",
            err=True,
        )


@ble.command(context_settings=CONTEXT)
@click.argument("path", default="/")
@click.option("-r", "--recursive", is_flag=True, help="List sub-folders too.")
@_connection_options
def ls(path: str, recursive: bool, **kw: Any) -> None:
    """List a folder on the board (default /): size, modification time, name."""
    path = remote_path(path)

    async def work(board: Board) -> None:
        entry = await board.require(path)
        if not entry.is_dir:
            rows = [(path, entry)]
        elif recursive:
            rows = await board.walk(path)
        else:
            rows = [(_join(path, e.name), e) for e in await board.listdir(path)]
        base = path if entry.is_dir else posixpath.dirname(path)
        for full, e in rows:
            shown = posixpath.relpath(full, base) + ("/" if e.is_dir else "")
            size = "" if e.is_dir else str(e.size)
            click.echo(f"{size:>10}  {_mtime(e.mtime_ns)}  {shown}")

    run_with_board(_conn(kw), work)


@ble.command(context_settings=CONTEXT)
@click.argument("remote")
@click.argument("local", required=False, type=click.Path(path_type=Path))
@_connection_options
def get(remote: str, local: Path | None, **kw: Any) -> None:
    """Copy REMOTE (a file or a whole folder) from the board to LOCAL.

    LOCAL defaults to REMOTE's name in the current folder; an existing folder receives it.
    """
    remote = remote_path(remote)

    async def work(board: Board) -> None:
        entry = await board.require(remote)
        name = posixpath.basename(remote) or "CIRCUITPY"
        target = Path(name) if local is None else local
        if local is not None and local.is_dir():
            target = local / name  # into an existing folder, as cp does
        if not entry.is_dir and target.is_dir():
            fail(f"{target} is a folder here; give a file name to copy {remote} to")
        if not entry.is_dir:
            files = [(remote, target, entry.size)]
            folders: list[Path] = []
        else:
            tree = await board.walk(remote)
            folders = [target] + [
                target / posixpath.relpath(f, remote) for f, e in tree if e.is_dir
            ]
            files = [
                (f, target / posixpath.relpath(f, remote), e.size) for f, e in tree if not e.is_dir
            ]
        for folder in folders:
            folder.mkdir(parents=True, exist_ok=True)
        with _progress() as bars:
            task = bars.add_task("get", total=sum(size for *_, size in files))
            done = 0
            for source, dest, size in files:
                bars.update(task, description=source)

                def moved(_sent: int, received: int, base: int = done, size: int = size) -> None:
                    bars.update(task, completed=base + min(received, size))

                data = await board.run(board.client.read_file(source), progress=moved)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(data)
                done += size
                bars.update(task, completed=done)
        click.echo(f"{len(files)} file(s), {sum(s for *_, s in files)} bytes -> {target}")

    run_with_board(_conn(kw), work)


async def _upload(board: Board, bars: Any, task: Any, source: Path, dest: str, done: int) -> int:
    data = source.read_bytes()
    bars.update(task, description=dest)

    def sent(count: int, _total: int) -> None:
        bars.update(task, completed=done + count)

    await board.run(
        board.client.write_file(dest, data, mtime_ns=source.stat().st_mtime_ns, progress=sent)
    )
    bars.update(task, completed=done + len(data))
    return done + len(data)


def _local_tree(root: Path, excludes: tuple[str, ...]) -> tuple[list[Path], list[Path]]:
    """(folders, files) below ``root``, relative, sorted, skipping names matching ``excludes``."""
    folders: list[Path] = []
    files: list[Path] = []
    for here, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _excluded(d, excludes))
        rel = Path(here).relative_to(root)
        folders += [rel / d for d in dirs]
        files += [rel / n for n in sorted(names) if not _excluded(n, excludes)]
    return folders, files


def _excluded(name: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in patterns)


@ble.command(context_settings=CONTEXT)
@click.argument("local", type=click.Path(path_type=Path, exists=True))
@click.argument("remote", required=False)
@_connection_options
def put(local: Path, remote: str | None, **kw: Any) -> None:
    """Copy LOCAL (a file or a whole folder) to REMOTE on the board.

    REMOTE defaults to /NAME; an existing folder on the board receives it. Folders are made
    as needed. The board keeps each file's modification time.
    """

    async def work(board: Board) -> None:
        target = remote_path(remote if remote is not None else local.name)
        existing = await board.stat(target)
        if remote is not None and existing is not None and existing.is_dir:
            target = _join(target, local.name)  # into an existing folder, as cp does
            existing = await board.stat(target)
        if existing is not None and existing.is_dir and local.is_file():
            fail(f"{target} is a folder on the board; give a file name to copy {local} to")
        if local.is_file():
            plan = [(local, target)]
            folders = []
        else:
            dirs, files = _local_tree(local, ())
            folders = [target] + [_join(target, d.as_posix()) for d in dirs]
            plan = [(local / f, _join(target, f.as_posix())) for f in files]
        parent = posixpath.dirname(plan[0][1]) if plan else target
        if local.is_file() and await board.stat(parent) is None:
            fail(
                f"the folder {parent} does not exist on the board",
                f"make it first: protoboard ble mkdir -p {parent}",
            )
        for folder in folders:
            await board.makedirs(folder)
        with _progress() as bars:
            task = bars.add_task("put", total=sum(s.stat().st_size for s, _ in plan))
            done = 0
            for source, dest in plan:
                done = await _upload(board, bars, task, source, dest, done)
        click.echo(f"{len(plan)} file(s), {done} bytes -> {target}")

    run_with_board(_conn(kw), work)


@ble.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True)
@click.option("-y", "--yes", is_flag=True, help="Do not ask before deleting a folder.")
@_connection_options
def rm(paths: tuple[str, ...], yes: bool, **kw: Any) -> None:
    """Delete files or folders (with everything in them) on the board."""

    async def work(board: Board) -> None:
        targets = [remote_path(x) for x in paths]
        for target in targets:
            if target == "/":
                fail(
                    "refusing to delete the whole drive (/)",
                    "delete its files one by one, or: protoboard ble rm /code.py /lib",
                )
            entry = await board.require(target)
            if entry.is_dir and not yes:
                count = len(await board.walk(target))
                click.confirm(
                    f"Delete the folder {target} and the {count} item(s) in it?",
                    abort=True,
                    err=True,
                )
            try:
                await board.run(board.client.delete(target))
            except FileTransferError as exc:
                if isinstance(exc, NotFoundError | ReadOnlyError):
                    raise
                # CircuitPython answers a plain error (02) for DELETE on a read-only drive
                fail(
                    f"could not delete {target} (the board refused)",
                    "if the drive is read-only: " + READ_ONLY_HINT,
                )
            click.echo(f"deleted {target}")

    run_with_board(_conn(kw), work)


@ble.command(context_settings=CONTEXT)
@click.argument("path")
@click.option(
    "-p",
    "--parents",
    is_flag=True,
    help="Make missing parent folders too; no error if PATH already exists.",
)
@_connection_options
def mkdir(path: str, parents: bool, **kw: Any) -> None:
    """Make a folder on the board."""
    path = remote_path(path)

    async def work(board: Board) -> None:
        if parents:
            await board.makedirs(path)
            return
        if await board.stat(path) is not None:
            fail(f"{path} already exists on the board")
        parent = posixpath.dirname(path)
        if await board.stat(parent) is None:
            fail(
                f"the folder {parent} does not exist on the board",
                f"use -p to make it too: protoboard ble mkdir -p {path}",
            )
        try:
            await board.run(board.client.mkdir(path))
        except FileTransferError as exc:
            if isinstance(exc, ReadOnlyError):
                raise
            fail(
                f"could not make {path} (the board refused)",
                "if the drive is read-only: " + READ_ONLY_HINT,
            )

    run_with_board(_conn(kw), work)


@ble.command(context_settings=CONTEXT)
@click.argument("source")
@click.argument("dest")
@_connection_options
def mv(source: str, dest: str, **kw: Any) -> None:
    """Move or rename SOURCE to DEST on the board (into DEST if it is a folder)."""
    source, dest = remote_path(source), remote_path(dest)

    async def work(board: Board) -> None:
        await board.require(source)
        target = await board.stat(dest)
        if target is not None and target.is_dir:
            final = _join(dest, posixpath.basename(source))
            exists = await board.stat(final) is not None
        else:
            final, exists = dest, target is not None
        if exists:
            fail(f"{final} already exists on the board", "delete it first, or pick another name")
        if await board.stat(posixpath.dirname(final)) is None:
            fail(
                f"the folder {posixpath.dirname(final)} does not exist on the board",
                f"make it first: protoboard ble mkdir -p {posixpath.dirname(final)}",
            )
        await board.run(board.client.move(source, final))
        click.echo(f"{source} -> {final}")

    run_with_board(_conn(kw), work)


@ble.command(context_settings=CONTEXT)
@click.argument("local_dir", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.argument("remote_dir", default="/")
@click.option(
    "--delete",
    is_flag=True,
    help="Also delete files and folders on the board that LOCAL_DIR does not have.",
)
@click.option("-n", "--dry-run", is_flag=True, help="Only say what would change.")
@click.option(
    "--exclude",
    "excludes",
    multiple=True,
    metavar="PATTERN",
    help="Skip names matching this pattern (fnmatch) on both sides. Repeatable. "
    f"Always skipped: {', '.join(DEFAULT_EXCLUDES)}.",
)
@_connection_options
def sync(
    local_dir: Path,
    remote_dir: str,
    delete: bool,
    dry_run: bool,
    excludes: tuple[str, ...],
    **kw: Any,
) -> None:
    """Make REMOTE_DIR (default /) on the board match LOCAL_DIR, sending only what changed.

    A file is sent when it is new or its size or modification time differs from the board's
    (to FAT's 2 s). Nothing is deleted unless --delete is given.
    """
    remote_dir = remote_path(remote_dir)
    patterns = DEFAULT_EXCLUDES + excludes

    async def work(board: Board) -> None:
        root = await board.stat(remote_dir)
        if root is not None and not root.is_dir:
            fail(f"{remote_dir} is a file on the board, not a folder")
        remote: dict[str, DirEntry] = {}
        if root is not None:
            for full, entry in await board.walk(remote_dir):
                rel = posixpath.relpath(full, remote_dir)
                if not any(_excluded(part, patterns) for part in rel.split("/")):
                    remote[rel] = entry
        dirs, files = _local_tree(local_dir, patterns)
        mk = [
            d.as_posix()
            for d in dirs
            if d.as_posix() not in remote or not remote[d.as_posix()].is_dir
        ]
        send: list[str] = []
        for f in files:
            rel = f.as_posix()
            st = (local_dir / f).stat()
            there = remote.get(rel)
            if (
                there is None
                or there.is_dir
                or there.size != st.st_size
                or abs(there.mtime_ns - st.st_mtime_ns) >= _TWO_SECONDS
            ):
                send.append(rel)
        local_names = {d.as_posix() for d in dirs} | {f.as_posix() for f in files}
        local_dirs = {d.as_posix() for d in dirs} | {""}
        extra = [
            rel for rel in remote if rel not in local_names and posixpath.dirname(rel) in local_dirs
        ]  # topmost only
        conflicts = [
            rel for rel in send + mk if rel in remote and remote[rel].is_dir != (rel in mk)
        ]
        for rel in sorted(set(extra) if delete else set()) + conflicts:
            click.echo(f"delete  {_join(remote_dir, rel)}")
            if not dry_run:
                await board.run(board.client.delete(_join(remote_dir, rel)))
        if not dry_run and root is None:
            await board.makedirs(remote_dir)
        for rel in mk:
            click.echo(f"mkdir   {_join(remote_dir, rel)}")
            if not dry_run:
                await board.makedirs(_join(remote_dir, rel))
        total = sum((local_dir / rel).stat().st_size for rel in send)
        with _progress() as bars:
            task = bars.add_task("sync", total=total)
            done = 0
            for rel in send:
                click.echo(f"send    {_join(remote_dir, rel)}")
                if not dry_run:
                    done = await _upload(
                        board, bars, task, local_dir / rel, _join(remote_dir, rel), done
                    )
        kept = len(files) - len(send)
        left = f", {len(extra)} extra on the board (use --delete)" if extra and not delete else ""
        verb = "would send" if dry_run else "sent"
        click.echo(f"{verb} {len(send)} file(s) ({total} bytes), {kept} unchanged{left}")

    run_with_board(_conn(kw), work)


if __name__ == "__main__":  # pragma: no cover
    ble(sys.argv[1:])
