"""Hostile folders around the control socket (issue 10, case 13): without XDG_RUNTIME_DIR the
socket goes to ``$TMPDIR/protoboard-<uid>``, which another user may have made first.

Real folders, symlinks, ownership (the tests run as root: another user is uid 65534), real Unix
sockets and a real ``protoboard run``; no mocks.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import stat
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from board_process import BoardProcess

from protoboard.runtime import control
from protoboard.runtime.messages import ControlReply, ControlRequest

OTHER_UID = 65534
needs_root = pytest.mark.skipif(os.getuid() != 0, reason="chown to another user needs root")


@pytest.fixture
def tmpdir_only(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """No XDG_RUNTIME_DIR and a TMPDIR of our own: the shared-/tmp case. The folder is made
    directly in /tmp: under pytest's long tmp_path a socket path would pass the 108-byte limit
    of Unix sockets, and the code would (rightly) fall back to /tmp itself."""
    shared = Path(tempfile.mkdtemp(prefix="pb-", dir="/tmp"))
    shared.chmod(0o1777)  # like /tmp: anyone may create entries
    monkeypatch.delenv("XDG_RUNTIME_DIR", raising=False)
    monkeypatch.setenv("TMPDIR", str(shared))
    monkeypatch.setattr(tempfile, "tempdir", None)  # tempfile caches TMPDIR on first use
    try:
        yield shared
    finally:
        tempfile.tempdir = None
        shutil.rmtree(shared, ignore_errors=True)


def echo(request: ControlRequest) -> ControlReply:
    return {"ok": True, "echo": type(request).__name__}


def folder_of(shared: Path) -> Path:
    return shared / f"protoboard-{os.getuid()}"


# ---------------------------------------------------------------------- the folder


def test_a_new_folder_is_made_private(tmpdir_only: Path, tmp_path: Path) -> None:
    path = control.socket_path(tmp_path / "drive")
    assert path.parent == folder_of(tmpdir_only)
    server = control.ControlServer(path, echo)
    try:
        info = os.lstat(path.parent)
        assert stat.S_IMODE(info.st_mode) == 0o700 and info.st_uid == os.getuid()
        assert control.request(tmp_path / "drive", {"op": "world"})["ok"]
    finally:
        server.close()


def make_other_users_folder(folder: Path) -> None:
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    os.chown(folder, OTHER_UID, OTHER_UID)


def make_open_folder(folder: Path) -> None:
    folder.mkdir()
    folder.chmod(0o777)


def make_symlink(folder: Path) -> None:
    target = folder.parent / "elsewhere"
    target.mkdir(mode=0o700)
    folder.symlink_to(target)


def make_file(folder: Path) -> None:
    folder.write_text("not a folder")


HOSTILE_FOLDERS = {
    "another user's folder": (make_other_users_folder, "belongs to user nobody (65534)"),
    "a folder open to all": (make_open_folder, "can be used by other users (its mode is 777"),
    "a symlink": (make_symlink, "is a symbolic link"),
    "a file": (make_file, "is not a folder"),
}


@needs_root
@pytest.mark.hostile
@pytest.mark.parametrize("kind", sorted(HOSTILE_FOLDERS))
def test_a_pre_made_folder_is_refused(tmpdir_only: Path, tmp_path: Path, kind: str) -> None:
    make, problem = HOSTILE_FOLDERS[kind]
    folder = folder_of(tmpdir_only)
    make(folder)
    drive = tmp_path / "drive"
    path = control.socket_path(drive)
    with pytest.raises(control.ControlFolderError) as refused:
        control.ControlServer(path, echo).close()
    assert problem in str(refused.value)
    assert str(folder) in str(refused.value)
    assert not os.path.lexists(folder / path.name)
    if folder.is_symlink():
        assert list(folder.resolve().iterdir()) == []  # nothing made through the link
    with pytest.raises(ConnectionError, match="another user could have made it"):
        control.request(drive, {"op": "world"})


@needs_root
@pytest.mark.hostile
def test_run_refuses_to_start_with_another_users_folder(tmpdir_only: Path, tmp_path: Path) -> None:
    shared = tmpdir_only  # short: under tmp_path the socket would fall back to /tmp
    folder = folder_of(shared)
    make_other_users_folder(folder)
    drive = tmp_path / "CIRCUITPY"
    drive.mkdir()
    (drive / "code.py").write_text("print('hello')\n")
    board = BoardProcess(drive, env={"XDG_RUNTIME_DIR": "", "TMPDIR": str(shared)})
    try:
        code = board.proc.wait(15)
    finally:
        board.stop()
    assert code == 2
    assert f"{folder}, belongs to user nobody (65534)" in board.errors
    assert list(folder.iterdir()) == []


@needs_root
def test_an_xdg_runtime_dir_of_another_user_is_passed_over(
    tmpdir_only: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runtime = tmp_path / "run-user-1000"
    runtime.mkdir(mode=0o700)
    os.chown(runtime, OTHER_UID, OTHER_UID)  # what 'sudo' keeps from the user who called it
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(runtime))
    assert control.socket_path(tmp_path / "drive").parent == folder_of(tmpdir_only)
    mine = tmp_path / "mine"
    mine.mkdir(mode=0o700)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(mine))
    assert control.socket_path(tmp_path / "drive").parent == mine


def test_a_long_tmpdir_falls_back_to_a_checked_folder(
    tmpdir_only: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    deep = tmpdir_only / ("x" * 60) / ("y" * 60)
    deep.mkdir(parents=True)
    monkeypatch.setenv("TMPDIR", str(deep))
    tempfile.tempdir = None
    path = control.socket_path(tmp_path / "drive")
    assert path.parent == Path("/tmp") / f"protoboard-{os.getuid()}"  # never /tmp itself


# ---------------------------------------------------------------------- the socket


@needs_root
@pytest.mark.hostile
def test_a_socket_of_another_user_is_refused_by_server_and_client(
    tmpdir_only: Path, tmp_path: Path
) -> None:
    drive = tmp_path / "drive"
    path = control.socket_path(drive)
    control.ensure_private_folder(path.parent)
    fake = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    fake.bind(str(path))
    fake.listen(1)
    fake.settimeout(0.5)
    os.chown(path, OTHER_UID, OTHER_UID, follow_symlinks=False)
    try:
        with pytest.raises(ConnectionError, match="not a socket of yours"):
            control.request(drive, {"op": "set", "part": "x", "attribute": "y", "value": 1})
        with pytest.raises(TimeoutError):
            fake.accept()  # the client never connected
        with pytest.raises(control.ControlFolderError, match="belongs to user nobody"):
            control.ControlServer(path, echo)
    finally:
        fake.close()


@pytest.mark.hostile
def test_a_symlink_or_stale_socket_at_the_socket_path_is_replaced(
    tmpdir_only: Path, tmp_path: Path
) -> None:
    drive = tmp_path / "drive"
    path = control.socket_path(drive)
    control.ensure_private_folder(path.parent)
    victim = tmp_path / "victim"
    victim.write_text("keep me")
    path.symlink_to(victim)
    server = control.ControlServer(path, echo)
    try:
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
        assert victim.read_text() == "keep me" and stat.S_IMODE(victim.stat().st_mode) != 0o600
        assert control.request(drive, {"op": "world"}) == {"ok": True, "echo": "WorldRequest"}
    finally:
        server.close()
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(path))
    stale.close()  # a run that was killed: the socket file stays, nobody answers
    server = control.ControlServer(path, echo)
    try:
        assert control.request(drive, {"op": "world"})["ok"]
    finally:
        server.close()


@pytest.mark.hostile
def test_an_oversized_request_gets_an_error_and_the_server_goes_on(
    tmpdir_only: Path, tmp_path: Path
) -> None:
    drive = tmp_path / "drive"
    server = control.ControlServer(control.socket_path(drive), echo)
    try:
        client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        client.settimeout(10)
        client.connect(str(server.path))
        reply = b""
        sent = 0

        def send() -> None:
            nonlocal sent
            try:
                while sent < 8 * control.MAX_REQUEST:
                    sent += client.send(b"[" * 65536)
            except OSError:
                pass

        sender = threading.Thread(target=send)
        sender.start()
        with contextlib.suppress(ConnectionResetError):  # the server left our bytes unread
            while chunk := client.recv(4096):
                reply += chunk
        sender.join()
        client.close()
        assert json.loads(reply) == {
            "ok": False,
            "error": f"bad request: the request is larger than {control.MAX_REQUEST} bytes",
        }
        assert sent < 8 * control.MAX_REQUEST  # it stopped reading
        assert control.request(drive, {"op": "world"})["ok"]
    finally:
        server.close()
