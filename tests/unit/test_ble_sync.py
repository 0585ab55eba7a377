"""``protoboard ble sync``'s algorithm without click: plans from two trees, and a plan carried
out on a board served in-process (the loopback transport)."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import pytest

from protoboard.ble.board import Board, BoardError
from protoboard.ble.client import DirEntry
from protoboard.ble.sync import DEFAULT_EXCLUDES, apply_sync, plan_sync, remote_tree
from protoboard.ble.transport import LinkTransport


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    (root / "lib").mkdir(parents=True)
    (root / "code.py").write_text("print('hello')\n")
    (root / "lib" / "util.py").write_text("X = 1\n")
    (root / ".git").mkdir()
    (root / ".git" / "HEAD").write_text("ref\n")
    return root


def _entry(path: Path) -> DirEntry:
    st = path.stat()
    return DirEntry(path.name, path.is_dir(), 0 if path.is_dir() else st.st_size, st.st_mtime_ns)


def test_an_empty_board_gets_everything_but_the_excluded(project: Path) -> None:
    plan = plan_sync(project, None, DEFAULT_EXCLUDES)
    assert plan.make_root
    assert plan.mkdir == ["lib"]
    assert plan.send == ["code.py", "lib/util.py"]
    assert plan.bytes_to_send == len("print('hello')\n") + len("X = 1\n")
    assert (plan.delete, plan.extra, plan.unchanged) == ([], [], 0)


def test_only_changes_are_sent_and_extras_deleted_only_when_asked(project: Path) -> None:
    remote = {
        "code.py": _entry(project / "code.py"),
        "lib": _entry(project / "lib"),
        "lib/util.py": DirEntry("util.py", False, 99, 0),  # another size: changed
        "old.py": DirEntry("old.py", False, 3, 0),
        "lib/gone": DirEntry("gone", True, 0, 0),
    }
    kept = plan_sync(project, remote, DEFAULT_EXCLUDES)
    assert (kept.send, kept.mkdir, kept.unchanged) == (["lib/util.py"], [], 1)
    assert kept.extra == ["old.py", "lib/gone"] and kept.delete == []
    assert not kept.make_root
    deleting = plan_sync(project, remote, DEFAULT_EXCLUDES, delete=True)
    assert deleting.delete == ["lib/gone", "old.py"]


def test_a_file_where_a_folder_should_be_is_replaced(project: Path) -> None:
    remote = {"lib": DirEntry("lib", False, 5, 0), "code.py": DirEntry("code.py", True, 0, 0)}
    plan = plan_sync(project, remote, DEFAULT_EXCLUDES)
    assert plan.delete == ["code.py", "lib"]
    assert plan.mkdir == ["lib"] and "code.py" in plan.send


def test_apply_on_a_loopback_board(project: Path, tmp_path: Path) -> None:
    device = tmp_path / "device"
    device.mkdir()
    (device / "old.py").write_text("x")
    steps: list[tuple[str, str]] = []
    sent: list[int] = []

    async def run() -> None:
        board = Board(LinkTransport.serve(device))
        try:
            remote = await remote_tree(board, "/app", DEFAULT_EXCLUDES)
            assert remote is None
            plan = plan_sync(project, remote, DEFAULT_EXCLUDES)
            await apply_sync(
                board,
                plan,
                project,
                "/app",
                step=lambda action, where: steps.append((action, where)),
                sent=lambda _where, done: sent.append(done),
            )
            again = plan_sync(
                project, await remote_tree(board, "/app", DEFAULT_EXCLUDES), DEFAULT_EXCLUDES
            )
            assert again.send == [] and again.unchanged == 2
            with pytest.raises(BoardError, match="is a file on the board"):
                await remote_tree(board, "/old.py", DEFAULT_EXCLUDES)
        finally:
            await board.transport.close()

    asyncio.run(run())
    assert steps == [("mkdir", "/app/lib"), ("send", "/app/code.py"), ("send", "/app/lib/util.py")]
    assert sent[-1] == os.path.getsize(project / "code.py") + os.path.getsize(
        project / "lib/util.py"
    )
    assert (device / "app" / "lib" / "util.py").read_text() == "X = 1\n"
    assert not (device / "app" / ".git").exists()
