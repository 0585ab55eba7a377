"""The REPL of a running board, typed into its console as a user types: help, completion,
auto-indent, Ctrl-C on a loop, Emacs keys and the line ends terminals send."""

from __future__ import annotations

import re


def _repl(start_board):
    board = start_board({"code.py": "pass\n"})
    board.wait_for("Press any key")
    board.type(b"\r")
    board.wait_for(">>> ")
    return board


def test_help_as_a_board_answers_it(start_board):
    board = _repl(start_board)
    board.type(b"help()\r")
    board.wait_for(
        r"Welcome to Protoboard \S+!\n\nVisit circuitpython\.org for more information\.\n\n"
        r'To list built-in modules type `help\("modules"\)`\.\n>>> '
    )
    board.type(b'help("modules")\r')
    listing = board.wait_for(r"Plus any modules on the filesystem\n>>> ")
    names = set(re.findall(r"[\w.]+", listing.split('help("modules")')[-1]))
    assert {"board", "digitalio", "microcontroller", "time", "os"} <= names
    assert "pydoc" not in names and "asyncio" not in names  # not the computer's modules
    board.type(b"import board\rhelp(board)\r")
    board.wait_for(r"object <module 'board'.*> is of type module\n(  \w+ -- .*\n)+>>> ")


def test_completion_shows_only_the_public_api(start_board):
    board = _repl(start_board)
    board.type(b"import digitalio\r")
    board.wait_for(">>> ")
    board.type(b"digitalio.\t")
    choices = board.wait_for(r"DigitalInOut.*\n")
    assert "Direction" in choices and "Pull" in choices
    for internal in ("Protocol", "hal", "runtime_checkable", "_validate", "annotations"):
        assert not re.search(rf"\b{internal}\b", choices), internal
    board.type(b"\x15")  # Ctrl-U: clear the line


def test_auto_indent_lets_a_guide_be_typed_as_printed(start_board):
    board = _repl(start_board)
    board.type(b"for i in range(3):\r")
    board.wait_for(r"\.\.\.     ")
    board.type(b"if i == 1:\r")
    board.wait_for(r"\.\.\.         ")
    board.type(b"print('one')\r\x08print(i)\r\r\r\r")
    board.wait_for(r"0\none\n1\n2\n>>> ")
    assert "IndentationError" not in board.output


def test_ctrl_c_on_a_loop_at_the_prompt_says_keyboard_interrupt(start_board):
    board = _repl(start_board)
    board.type(b"import time\rwhile True:\r")
    board.wait_for(r"\.\.\.     ")
    board.type(b"print('spin')\rtime.sleep(0.1)\r\r\r\r")
    board.wait_for("spin\n")
    board.type(b"\x03")
    board.wait_for(r'Traceback \(most recent call last\):\n  File "<stdin>".*\nKeyboardInterrupt')
    board.wait_for(">>> ")
    board.type(b"6 * 7\r")
    board.wait_for(r"42\n>>> ")


def test_emacs_keys_and_line_ends(start_board):
    board = _repl(start_board)
    board.type(b"rint(5)\x01p\r")  # Ctrl-A, then insert at the start
    board.wait_for(r"5\n>>> ")
    board.type(b"oops\x153 + 3\r\n")  # Ctrl-U; CR LF as miniterm sends it
    board.wait_for(r"6\n>>> ")
    board.type(b"4 + 4\n")  # LF alone
    board.wait_for(r"8\n>>> ")
    board.type(b"1 + 1\r")
    board.wait_for(r"2\n>>> ")
    assert ">>> \n>>> " not in board.output  # no Enter was counted twice


def test_reset_and_erase_at_the_prompt_restart_the_board(start_board):
    board = _repl(start_board)
    board.type(b"import microcontroller\rmicrocontroller.reset()\r")
    board.wait_for(r"code\.py output:")
    board.wait_for("Press any key")
    board.type(b"\r")
    board.wait_for(">>> ")
    (board.drive / "mine.py").write_text("x = 1\n")
    board.type(b"import storage\rstorage.erase_filesystem()\r")
    board.wait_for(r"code\.py output:\nHello World!")  # a new board's code.py
    assert not (board.drive / "mine.py").exists()
    board.wait_for("Press any key")
    board.type(b"\r")
    board.wait_for(">>> ")  # the board still answers keys
    board.type(b"1 + 2\r")
    board.wait_for(r"3\n>>> ")


def test_annotations_are_not_evaluated_at_the_prompt(start_board):
    board = _repl(start_board)
    board.type(b"def f(x: Undefined) -> AlsoUndefined:\r")  # fine on a board
    board.wait_for(r"\.\.\.     ")
    board.type(b"return 2 * x\r\r\r\r")
    board.wait_for(">>> ")
    board.type(b"f(21)\r")
    board.wait_for(r"42\n>>> ")
