"""``protoboard ble``: files on a CircuitPython board over Bluetooth LE (file-transfer protocol).

Every command but ``scan`` connects to ``--device NAME_OR_ADDRESS`` (default: the only board
found), runs, and disconnects. Paths on the board are absolute (CircuitPython's convention);
relative ones are taken from ``/``. The commands only parse, call and print: the file
operations are :class:`~protoboard.ble.board.Board`'s, sync's algorithm is
:mod:`protoboard.ble.sync`, and every expected failure is a :class:`~protoboard.errors.UserError`
printed as a message and a hint (exit status 2).

For tests and demos without a radio, the hidden option ``--loopback DIR`` serves DIR in this
process with the same device engine a board runs (``--loopback-read-only`` makes it refuse
changes, as a board whose drive USB owns).
"""

from __future__ import annotations

import asyncio
import posixpath
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

from protoboard.ble.board import (
    Board,
    Connection,
    join,
    remote_path,
    run_with_board,
)
from protoboard.ble.copy import download, plan_download, plan_upload, upload
from protoboard.ble.sync import (
    DEFAULT_EXCLUDES,
    apply_sync,
    plan_sync,
    remote_tree,
)
from protoboard.ble.transport import DEFAULT_TIMEOUT
from protoboard.cli import CONTEXT, fail
from protoboard.errors import UserError

__all__ = ["ble", "remote_path"]

T = TypeVar("T")


def _friendly(call: Callable[[], T]) -> T:
    """Run ``call``; an expected error becomes its message and hint (exit status 2)."""
    try:
        return call()
    except UserError as exc:
        fail(str(exc), exc.hint)
    raise AssertionError("unreachable")  # pragma: no cover


def _on_board(kw: dict[str, Any], work: Callable[[Board], Awaitable[T]]) -> T:
    """Connect as the connection options say, run ``work``, disconnect."""
    return _friendly(lambda: run_with_board(_conn(kw), work))


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


def _progress() -> Progress:
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


def _show(bars: Progress, task: TaskID, path: str, done: int) -> None:
    bars.update(task, description=path, completed=done)


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
            rows = [(join(path, e.name), e) for e in await board.listdir(path)]
        base = path if entry.is_dir else posixpath.dirname(path)
        for full, e in rows:
            shown = posixpath.relpath(full, base) + ("/" if e.is_dir else "")
            size = "" if e.is_dir else str(e.size)
            click.echo(f"{size:>10}  {_mtime(e.mtime_ns)}  {shown}")

    _on_board(kw, work)


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
        plan = await plan_download(board, remote, local)
        with _progress() as bars:
            task = bars.add_task("get", total=plan.size)
            await download(board, plan, lambda path, done: _show(bars, task, path, done))
        click.echo(f"{len(plan.files)} file(s), {plan.size} bytes -> {plan.target}")

    _on_board(kw, work)


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
        plan = await plan_upload(board, local, remote)
        with _progress() as bars:
            task = bars.add_task("put", total=plan.size)
            sent = await upload(board, plan, lambda path, done: _show(bars, task, path, done))
        click.echo(f"{len(plan.files)} file(s), {sent} bytes -> {plan.target}")

    _on_board(kw, work)


@ble.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True)
@click.option("-y", "--yes", is_flag=True, help="Do not ask before deleting a folder.")
@_connection_options
def rm(paths: tuple[str, ...], yes: bool, **kw: Any) -> None:
    """Delete files or folders (with everything in them) on the board."""

    def confirm(folder: str, count: int) -> None:
        if not yes:
            click.confirm(
                f"Delete the folder {folder} and the {count} item(s) in it?", abort=True, err=True
            )

    async def work(board: Board) -> None:
        for target in [remote_path(x) for x in paths]:
            await board.delete(target, confirm)
            click.echo(f"deleted {target}")

    _on_board(kw, work)


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
        else:
            await board.mkdir(path)

    _on_board(kw, work)


@ble.command(context_settings=CONTEXT)
@click.argument("source")
@click.argument("dest")
@_connection_options
def mv(source: str, dest: str, **kw: Any) -> None:
    """Move or rename SOURCE to DEST on the board (into DEST if it is a folder)."""
    source, dest = remote_path(source), remote_path(dest)

    async def work(board: Board) -> None:
        final = await board.move(source, dest)
        click.echo(f"{source} -> {final}")

    _on_board(kw, work)


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
        remote = await remote_tree(board, remote_dir, patterns)
        plan = plan_sync(local_dir, remote, patterns, delete=delete)
        with _progress() as bars:
            task = bars.add_task("sync", total=plan.bytes_to_send)

            await apply_sync(
                board,
                plan,
                local_dir,
                remote_dir,
                dry_run=dry_run,
                step=lambda action, where: click.echo(f"{action:<7} {where}"),
                sent=lambda path, done: _show(bars, task, path, done),
            )
        left = (
            f", {len(plan.extra)} extra on the board (use --delete)"
            if plan.extra and not delete
            else ""
        )
        verb = "would send" if dry_run else "sent"
        click.echo(
            f"{verb} {len(plan.send)} file(s) ({plan.bytes_to_send} bytes), "
            f"{plan.unchanged} unchanged{left}"
        )

    _on_board(kw, work)


if __name__ == "__main__":  # pragma: no cover
    ble(sys.argv[1:])
