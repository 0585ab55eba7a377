"""The supervisor's control socket: ``protoboard sim set BME280.temperature 30`` and friends.

A Unix socket per drive, one JSON request and one JSON reply per connection. The web board view
will use the same requests.

Where the socket lives
    In ``$XDG_RUNTIME_DIR`` (a private folder the login session makes), else in
    ``$TMPDIR/protoboard-<uid>``. In a shared ``/tmp`` another user could create that folder
    first, or a symlink with its name, and catch or fake the socket; so the folder is made with
    mode 0700 and, before each use (by the server and by every client), checked with ``lstat``:
    a real folder, not a symlink, owned by this user and closed to everyone else. If it is not,
    the supervisor refuses to start and says what to remove. An ``XDG_RUNTIME_DIR`` that fails
    the same check (a ``sudo`` that kept another user's) is passed over. A client connects only
    to a socket this user owns.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import pwd
import socket
import stat
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from protoboard.errors import UserError
from protoboard.runtime.messages import ControlReply, ControlRequest, parse_request

#: the longest request the server reads, in bytes (a request is a few hundred)
MAX_REQUEST = 1 << 20
#: seconds a client has to send its whole request
REQUEST_TIMEOUT = 5.0
#: AF_UNIX paths must be shorter than 108 bytes; leave room
_MAX_PATH = 100


class ControlFolderError(UserError, RuntimeError):
    """The folder of the control socket (or the socket) is not safe to use; the message says
    which, why, and what to do."""


def socket_path(drive: Path) -> Path:
    """Where the supervisor serving ``drive`` listens (short enough for AF_UNIX)."""
    key = hashlib.sha256(str(Path(drive).absolute()).encode()).hexdigest()[:12]
    name = f"protoboard-{key}.sock"
    folders = [Path(tempfile.gettempdir()), Path("/tmp")]
    folders = [folder / f"protoboard-{os.getuid()}" for folder in folders]
    runtime = os.environ.get("XDG_RUNTIME_DIR", "")
    if os.path.isabs(runtime) and unsafe(Path(runtime)) is None:
        folders.insert(0, Path(runtime))
    for folder in folders:
        if len(str(folder / name)) < _MAX_PATH:
            return folder / name
    return folders[-1] / name


def unsafe(folder: Path) -> str | None:
    """What makes ``folder`` unfit for the control socket (seen with lstat), or None."""
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return "does not exist"
    if stat.S_ISLNK(info.st_mode):
        return f"is a symbolic link (to {os.readlink(folder)}), not a folder"
    if not stat.S_ISDIR(info.st_mode):
        return "is not a folder"
    if info.st_uid != os.getuid():
        return f"belongs to {_user(info.st_uid)}, not to you ({_user(os.getuid())})"
    if info.st_mode & 0o077:
        return f"can be used by other users (its mode is {stat.S_IMODE(info.st_mode):o}, not 700)"
    return None


def ensure_private_folder(folder: Path) -> None:
    """Make ``folder`` (mode 0700) if missing; ControlFolderError if it is not safe."""
    with contextlib.suppress(FileExistsError):
        os.mkdir(folder, 0o700)
    problem = unsafe(folder)
    if problem is not None:
        raise ControlFolderError(_folder_message(folder, problem))


def _folder_message(folder: Path, problem: str) -> str:
    if problem.startswith("can be used"):
        fix = f"if you made it, run 'chmod 700 {folder}'; if not, remove it"
    else:
        fix = f"remove it (as its owner, or with sudo: rm -r {folder})"
    return (
        f"the folder for protoboard's control socket, {folder}, {problem}; another user could "
        f"have made it to catch or fake your board's control socket. To go on, {fix} and start "
        "again, or set XDG_RUNTIME_DIR to a folder only you can use"
    )


def _user(uid: int) -> str:
    try:
        return f"user {pwd.getpwuid(uid).pw_name} ({uid})"
    except KeyError:
        return f"user {uid}"


class ControlServer:
    """Serves requests with ``handler(request) -> reply`` on a thread; each JSON request
    reaches the handler as its typed :class:`~protoboard.runtime.messages.ControlRequest`."""

    def __init__(self, path: Path, handler: Callable[[ControlRequest], ControlReply]) -> None:
        self.path = path
        self.handler = handler
        ensure_private_folder(path.parent)
        _clear_stale(path)
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self._socket.bind(str(path))
        os.chmod(path, 0o600)
        self._socket.listen(8)
        self._thread = threading.Thread(target=self._serve, name="control", daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                client, _ = self._socket.accept()
            except OSError:
                return
            with client:
                client.settimeout(REQUEST_TIMEOUT)
                try:
                    request = _read_all(client, MAX_REQUEST, time.monotonic() + REQUEST_TIMEOUT)
                    reply = self.handler(parse_request(json.loads(request)))
                except Exception as exc:  # a bad request never stops the server
                    reply = {"ok": False, "error": f"bad request: {exc}"}
                with contextlib.suppress(OSError):
                    client.sendall(json.dumps(reply).encode())

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self._socket.close()
        with contextlib.suppress(OSError):
            self.path.unlink()


def _clear_stale(path: Path) -> None:
    """Remove what is left at ``path`` from a run that ended (never following a symlink);
    refuse if a board still answers there or the entry is another user's."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return
    if info.st_uid != os.getuid():
        raise ControlFolderError(
            f"{path} belongs to {_user(info.st_uid)}, not to you; remove it (with sudo: "
            f"rm {path}) and start again"
        )
    if stat.S_ISSOCK(info.st_mode) and _alive(path):
        raise RuntimeError(
            "another 'protoboard run' is already using this drive; stop it first, or "
            "use --drive with another folder"
        )
    path.unlink()


def _read_all(
    client: socket.socket, limit: int | None = None, deadline: float | None = None
) -> bytes:
    """Read to EOF; ValueError past ``limit`` bytes, TimeoutError past ``deadline``."""
    chunks: list[bytes] = []
    size = 0
    while True:
        if deadline is not None and time.monotonic() > deadline:
            raise TimeoutError(f"no whole request within {REQUEST_TIMEOUT:.0f} seconds")
        chunk = client.recv(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if limit is not None and size > limit:
            raise ValueError(f"the request is larger than {limit} bytes")
        chunks.append(chunk)


def _alive(path: Path) -> bool:
    probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        probe.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        probe.close()


def request(drive: Path, message: dict[str, Any], timeout: float = 5.0) -> ControlReply:
    """Send one request to the supervisor of ``drive``; ConnectionError if none runs."""
    return request_at(socket_path(drive), message, timeout, drive=drive)


def request_at(
    path: Path, message: dict[str, Any], timeout: float = 5.0, *, drive: Path | None = None
) -> ControlReply:
    """Send one request to the control socket at ``path``; ConnectionError if none answers."""
    problem = unsafe(path.parent)
    if problem is None and _foreign(path):
        problem = f"holds {path.name}, which is not a socket of yours"
    if problem is not None and problem != "does not exist":
        raise ConnectionError(_folder_message(path.parent, problem))
    client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    client.settimeout(timeout)
    try:
        client.connect(str(path))
    except OSError:
        client.close()
        what = f"the drive {drive}" if drive is not None else f"the socket {path}"
        raise ConnectionError(f"no 'protoboard run' is serving {what}; start it first") from None
    with client:
        client.sendall(json.dumps(message).encode())
        client.shutdown(socket.SHUT_WR)
        reply: ControlReply = json.loads(
            _read_all(client, MAX_REQUEST) or b'{"ok": false, "error": "no reply"}'
        )
        return reply


#: the most control sockets looked at when finding the running boards
MAX_SOCKETS = 64


def running_boards() -> list[tuple[Path, Path]]:
    """(socket, drive) of every ``protoboard run`` of this user that answers, found through
    the control sockets in the (safe) folder :func:`socket_path` uses."""
    # Every board of this environment (XDG_RUNTIME_DIR, TMPDIR) puts its socket in one folder.
    folder = socket_path(Path("/")).parent
    found: list[tuple[Path, Path]] = []
    if unsafe(folder) is None:
        for path in sorted(folder.glob("protoboard-*.sock"))[:MAX_SOCKETS]:
            if _foreign(path):
                continue
            try:
                status = request_at(path, {"op": "status"}, timeout=2.0)
            except (ConnectionError, OSError, ValueError):
                continue
            if status.get("ok") and isinstance(status.get("drive"), str):
                found.append((path, Path(status["drive"])))
    return found


def find_board(drive: Path | None, cwd: Path | None = None) -> tuple[Path, Path]:
    """(socket, drive) of the board to act on: the one serving ``drive``, else the one whose
    drive holds ``cwd``, else the only one running. ConnectionError says what to do."""
    if drive is not None:
        return socket_path(drive), drive
    boards = running_boards()
    here = (cwd or Path.cwd()).resolve()
    inside = [(s, d) for s, d in boards if here.is_relative_to(d.resolve())]
    if inside:
        return max(inside, key=lambda board: len(board[1].parts))
    if len(boards) == 1:
        return boards[0]
    if not boards:
        raise ConnectionError("no 'protoboard run' is running; start one first")
    drives = ", ".join(str(d) for _, d in boards)
    raise ConnectionError(
        f"{len(boards)} boards are running (drives: {drives}); cd into one's drive or give "
        "--drive DIR"
    )


def _foreign(path: Path) -> bool:
    """True if something other than a socket of this user is at ``path``."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return False
    return not stat.S_ISSOCK(info.st_mode) or info.st_uid != os.getuid()
