from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from board_process import BoardProcess


@pytest.fixture
def start_board(tmp_path):
    """``start_board(files={"code.py": ...}, args=[...])`` runs ``protoboard run`` on a fresh
    drive folder; stopped (and checked for leftover processes) after the test."""
    boards: list[BoardProcess] = []

    def start(
        files: dict[str, str] | None = None, args: tuple[str, ...] = (), drive: Path | None = None
    ) -> BoardProcess:
        folder = drive or tmp_path / "CIRCUITPY"
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in (files or {}).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text)
        board = BoardProcess(folder, *args)
        boards.append(board)
        return board

    yield start
    for board in boards:
        board.stop()
