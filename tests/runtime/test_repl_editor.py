"""The REPL's line editor on scripted keys: history, cursor movement, Home/End/Delete."""

from __future__ import annotations

from protoboard.runtime.repl import LineEditor


def editor(keys: bytes) -> tuple[LineEditor, list[str]]:
    pending = list(keys)
    shown: list[str] = []
    return LineEditor(lambda: pending.pop(0), shown.append, {}), shown


def test_history_and_cursor_keys():
    ed, _ = editor(
        b"first\r"
        b"second\r"
        b"\x1b[A\x1b[A\r"  # up twice: "first"
        b"abc\x1b[D\x1b[DX\r"  # left twice, insert: "aXbc"
        b"abc\x1b[H>\x1b[F<\r"  # Home, End
        b"abc\x1b[H\x1b[3~\r"  # Home, Delete: "bc"
        b"\x1b[A\x1b[B\r"  # up then down again: an empty line
    )
    lines = [ed.read_line(">>> ") for _ in range(7)]
    assert lines == ["first", "second", "first", "aXbc", ">abc<", "bc", ""]
    assert ed.history == ["first", "second", "first", "aXbc", ">abc<", "bc"]
