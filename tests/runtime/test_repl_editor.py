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


def test_emacs_keys():
    ed, _ = editor(
        b"rint(1)\x01p\r"  # Ctrl-A: home
        b"garbage\x152+2\r"  # Ctrl-U: kill to the start
        b"3+3junk\x01\x06\x06\x06\x0b\r"  # Ctrl-F three times, Ctrl-K: kill to the end
        b"ab\x02\x02X\x05Y\r"  # Ctrl-B twice, Ctrl-E: end
        b"one two\x17three\r"  # Ctrl-W: the word before the cursor
        b"\x10\x10\x0e\r"  # Ctrl-P twice, Ctrl-N: history
        b"ab\x02\x04\r"  # Ctrl-D on a non-empty line deletes under the cursor
    )
    lines = [ed.read_line(">>> ") for _ in range(7)]
    assert lines == ["print(1)", "2+2", "3+3", "XabY", "one three", "one three", "a"]


def test_cr_lf_and_crlf_are_each_one_enter():
    # The first LF follows the key that opened the REPL (a terminal's CR LF): not a line.
    ed, _ = editor(b"\na\r\nb\nc\rd\r\n")
    assert [ed.read_line(">>> ") for _ in range(4)] == ["a", "b", "c", "d"]


def test_auto_indent_and_backspace_dedent():
    ed, shown = editor(b"x\r\x08y\r")
    assert ed.read_line("... ", "        ") == "        x"
    assert ed.read_line("... ", "        ") == "    y"  # one backspace removes a level
    assert "".join(shown).startswith("...         x")


def test_statements_end_as_micropython_ends_them():
    from protoboard.runtime.repl import auto_indent, needs_more

    assert auto_indent(["for i in range(3):"]) == "    "
    assert auto_indent(["for i in range(3):", "    if i:"]) == "        "
    assert auto_indent(["for i in range(3):", "    print(i)"]) == "    "
    # two lines of spaces in a row: the next line starts at the margin, and Enter runs it
    assert auto_indent(["for i in range(3):", "    print(i)", "    "]) == "    "
    assert auto_indent(["for i in range(3):", "    print(i)", "    ", "    "]) == ""
    assert needs_more(["for i in range(3):", "    print(i)", "    ", "    "])
    assert not needs_more(["for i in range(3):", "    print(i)", "    ", "    ", ""])
    assert needs_more(["x = [1,"])
    assert not needs_more(["x = [1,", "2]"])
    assert not needs_more(["1 +"])  # an error, reported when it is compiled


def test_help_modules_columns_as_micropython_prints_them():
    from protoboard.runtime.replhelp import format_columns

    names = ["__main__", "adafruit_bus_device.i2c_device", "board", "digitalio", "os", "time"]
    assert format_columns(names) == (
        "__main__          board             os\n"
        "adafruit_bus_device.i2c_device      digitalio         time\n"
    )
