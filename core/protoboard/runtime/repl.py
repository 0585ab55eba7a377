"""The REPL, as a CircuitPython board runs it over its serial console.

The board, not the terminal, edits the line: the VM reads raw keys from its console and echoes
them, so every endpoint (a terminal, a pty opened by screen or tio, a TCP client) gets the same
editing as MicroPython's ``readline``: arrows and history, Emacs keys (Ctrl-A/E/B/F/K/U/W/N/P),
Tab completion, auto-indent, Ctrl-E paste mode, Ctrl-C to cancel a line, Ctrl-D on an empty line
for a soft reboot, Ctrl-A on an empty line for the raw REPL tools use (:mod:`.rawrepl`). CR, LF
and CR LF are each one Enter.
"""

from __future__ import annotations
import __future__

import codeop
import re
import rlcompleter
import sys
import traceback
from collections.abc import Callable
from typing import Any

from protoboard.runtime.replhelp import make_help

PROMPT = ">>> "
CONTINUATION = "... "
PASTE_PROMPT = "=== "
PASTE_BANNER = "\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\n"

CTRL_A, CTRL_B, CTRL_C, CTRL_D, CTRL_E, CTRL_F = 1, 2, 3, 4, 5, 6
CTRL_K, CTRL_N, CTRL_P, CTRL_U, CTRL_W = 11, 14, 16, 21, 23
TAB, BACKSPACE, DELETE, ESC, LF, CR = 9, 8, 127, 27, 10, 13
INDENT = "    "


class SoftReboot(Exception):
    """Ctrl-D on an empty line."""


class PasteMode(Exception):
    """Ctrl-E on an empty line."""


class RawMode(Exception):
    """Ctrl-A on an empty line: the raw REPL tools use (:mod:`.rawrepl`)."""


class _Line:
    """The line being edited: its characters and the cursor."""

    def __init__(self, text: str) -> None:
        self.chars = list(text)
        self.cursor = len(self.chars)

    @property
    def text(self) -> str:
        return "".join(self.chars)


class LineEditor:
    """Reads one line from a raw console, with history, Emacs keys and completion."""

    def __init__(
        self, read: Callable[[], int], write: Callable[[str], None], namespace: dict[str, Any]
    ) -> None:
        self.read = read
        self.write = write
        self.history: list[str] = []
        self.completer = rlcompleter.Completer(namespace)
        # The key that opened the REPL was most likely Enter: a terminal sending CR LF must not
        # give a second, empty prompt.
        self._last_key = CR
        self._recall = 0
        self._keys: dict[int, Callable[[_Line], None]] = {
            CTRL_A: self._home,
            CTRL_B: self._left,
            CTRL_E: self._end,
            CTRL_F: self._right,
            CTRL_K: self._kill_to_end,
            CTRL_U: self._kill_to_start,
            CTRL_W: self._kill_word,
            CTRL_N: self._next,
            CTRL_P: self._previous,
            CTRL_D: self._delete,
            BACKSPACE: self._backspace,
            DELETE: self._backspace,
            TAB: self._complete,
            ESC: self._escape,
        }

    def _key(self) -> int:
        """The next key, with the LF of a CR LF pair dropped."""
        key = self.read()
        if key == LF and self._last_key == CR:
            key = self.read()
        self._last_key = key
        return key

    def read_line(self, prompt: str, indent: str = "") -> str:
        """A line without its newline, started with ``indent`` (auto-indent). Raises
        SoftReboot (Ctrl-D on an empty line), KeyboardInterrupt (Ctrl-C), PasteMode (Ctrl-E on
        an empty line)."""
        self.write(prompt + indent)
        self.prompt = prompt
        line = _Line(indent)
        self._recall = len(self.history)
        while True:
            key = self._key()
            if key in (CR, LF):
                self.write("\n")
                if line.text.strip() and (not self.history or self.history[-1] != line.text):
                    self.history.append(line.text)
                return line.text
            if key == CTRL_C:  # when the console does not turn Ctrl-C into SIGINT
                raise KeyboardInterrupt
            if not line.chars and key == CTRL_D:
                raise SoftReboot()
            if not line.chars and key == CTRL_E:
                raise PasteMode()
            if not line.chars and key == CTRL_A:
                raise RawMode()
            action = self._keys.get(key)
            if action is not None:
                action(line)
            elif key >= 32:
                self._insert(line, self._decode(key))

    # -- editing --------------------------------------------------------------------------

    def _redraw(self, line: _Line) -> None:
        back = len(line.chars) - line.cursor
        self.write("\r" + self.prompt + line.text + "\x1b[K" + (f"\x1b[{back}D" if back else ""))

    def _insert(self, line: _Line, text: str) -> None:
        line.chars[line.cursor : line.cursor] = list(text)
        line.cursor += len(text)
        if line.cursor == len(line.chars):
            self.write(text)
        else:
            self._redraw(line)

    def _move(self, line: _Line, cursor: int) -> None:
        line.cursor = max(0, min(len(line.chars), cursor))
        self._redraw(line)

    def _home(self, line: _Line) -> None:
        self._move(line, 0)

    def _end(self, line: _Line) -> None:
        self._move(line, len(line.chars))

    def _left(self, line: _Line) -> None:
        self._move(line, line.cursor - 1)

    def _right(self, line: _Line) -> None:
        self._move(line, line.cursor + 1)

    def _kill_to_end(self, line: _Line) -> None:
        del line.chars[line.cursor :]
        self._redraw(line)

    def _kill_to_start(self, line: _Line) -> None:
        del line.chars[: line.cursor]
        self._move(line, 0)

    def _kill_word(self, line: _Line) -> None:
        start = line.cursor
        while start and line.chars[start - 1] == " ":
            start -= 1
        while start and line.chars[start - 1] != " ":
            start -= 1
        del line.chars[start : line.cursor]
        self._move(line, start)

    def _delete(self, line: _Line) -> None:
        if line.cursor < len(line.chars):
            del line.chars[line.cursor]
            self._redraw(line)

    def _backspace(self, line: _Line) -> None:
        """One character, or a whole indent level in the leading spaces (as MicroPython)."""
        if not line.cursor:
            return
        before = line.chars[: line.cursor]
        count = len(INDENT) if len(before) >= len(INDENT) and not "".join(before).strip() else 1
        del line.chars[line.cursor - count : line.cursor]
        self._move(line, line.cursor - count)

    def _show_history(self, line: _Line, recall: int) -> None:
        self._recall = max(0, min(len(self.history), recall))
        text = self.history[self._recall] if self._recall < len(self.history) else ""
        line.chars = list(text)
        self._move(line, len(text))

    def _previous(self, line: _Line) -> None:
        if self.history:
            self._show_history(line, self._recall - 1)

    def _next(self, line: _Line) -> None:
        if self.history:
            self._show_history(line, self._recall + 1)

    def _escape(self, line: _Line) -> None:
        """Arrow keys (history, cursor), Home, End and Delete as terminals send them."""
        if self._key() != ord("["):
            return
        sequence = ""
        while not (sequence[-1:].isalpha() or sequence[-1:] == "~"):
            sequence += chr(self._key())
        actions: dict[str, Callable[[_Line], None]] = {
            "A": self._previous,
            "B": self._next,
            "C": self._right,
            "D": self._left,
            "H": self._home,
            "1~": self._home,
            "F": self._end,
            "4~": self._end,
            "3~": self._delete,
        }
        action = actions.get(sequence)
        if action is not None:
            action(line)

    def _decode(self, first: int) -> str:
        """A UTF-8 character starting with byte ``first``."""
        if first < 0x80:
            return chr(first)
        length = 2 if first < 0xE0 else 3 if first < 0xF0 else 4
        data = bytes([first] + [self.read() for _ in range(length - 1)])
        return data.decode("utf-8", "replace")

    def _complete(self, line: _Line) -> None:
        """Tab: complete the word before the cursor, list the choices, or indent."""
        text = line.text[: line.cursor]
        start = len(text)
        while start and (text[start - 1].isalnum() or text[start - 1] in "._"):
            start -= 1
        word = text[start:]
        if not word:
            self._insert(line, INDENT)
            return
        matches = self._matches(word)
        if not matches:
            return
        common = _common_prefix(matches)
        if len(common) > len(word):
            self._insert(line, common[len(word) :])
        elif len(matches) > 1:
            self.write("\n" + "  ".join(m.rsplit(".", 1)[-1] for m in matches) + "\n")
            self._redraw(line)

    def _matches(self, word: str) -> list[str]:
        matches: list[str] = []
        for state in range(200):
            match = self.completer.complete(word, state)
            if match is None:
                break
            match = match.removesuffix("(")  # CPython marks callables; a board does not
            if match not in matches:
                matches.append(match)
        return matches


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


# -- statements over several lines -------------------------------------------------------------

_COMPOUND = re.compile(r"(@|(if|elif|else|for|while|with|def|class|try|except|finally|async)\b)")


def auto_indent(lines: list[str]) -> str:
    """The indent MicroPython gives the next line of a statement: the last line's, one level
    more after a ``:``, and none once two lines in a row were left blank."""
    last = lines[-1]
    if len(lines) > 1 and not last.strip() and not lines[-2].strip():
        return ""
    level = (len(last) - len(last.lstrip(" "))) // len(INDENT)
    if last.rstrip().endswith(":"):
        level += 1
    return INDENT * level


def needs_more(lines: list[str]) -> bool:
    """Whether the statement goes on: brackets or a string still open, or a compound statement
    (``for``, ``def``...) not yet ended by an empty line."""
    source = "\n".join(lines)
    if _COMPOUND.match(lines[0]) and lines[-1] != "":
        return True
    try:
        return codeop.compile_command(source, "<stdin>", "single") is None
    except (SyntaxError, ValueError, OverflowError):
        return False  # compiling it again reports the error


# A board ignores annotations (``def f(x: Undefined)`` works at its prompt): compile typed code
# with PEP 563's flag, so annotations are kept as text and never evaluated.
_COMPILE = codeop.CommandCompiler()
_COMPILE.compiler.flags |= __future__.annotations.compiler_flag


def _read_statement(editor: LineEditor) -> str:
    lines = [editor.read_line(PROMPT)]
    while needs_more(lines):
        try:
            lines.append(editor.read_line(CONTINUATION, auto_indent(lines)))
        except SoftReboot:  # Ctrl-D on an empty continuation line: run what was typed
            editor.write("\n")
            break
    return "\n".join(lines) + "\n"


# -- the loop ------------------------------------------------------------------------------


def _show_exception(write: Callable[[str], None]) -> None:
    from protoboard.vm import format_traceback

    exc = sys.exc_info()[1]
    assert exc is not None
    tb = exc.__traceback__
    # Drop the REPL's own frame so the traceback starts at the user's code, as on a board.
    if tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        exc = exc.with_traceback(tb.tb_next)
    write(format_traceback(exc, []))


def _execute(code: Any, namespace: dict[str, Any], write: Callable[[str], None]) -> None:
    """Run one statement, printing the value of an expression as the board does."""

    def display(value: Any) -> None:
        if value is not None:
            namespace["_"] = value
            write(repr(value) + "\n")

    previous_hook = sys.displayhook
    sys.displayhook = display
    try:
        exec(code, namespace)
    except (SoftReboot, SystemExit):
        raise
    except BaseException as exc:
        if not isinstance(exc, Exception | KeyboardInterrupt):
            raise  # the board's own signals (reset, reload) are not the program's errors
        _show_exception(write)
    finally:
        sys.displayhook = previous_hook


def run(
    read: Callable[[], int],
    write: Callable[[str], None],
    namespace: dict[str, Any],
    banner: str,
    *,
    raw: bool = False,
    keys: Callable[..., None] | None = None,
) -> None:
    """Read-eval-print until Ctrl-D on an empty line (raises SoftReboot). ``raw``: start in
    the raw REPL (after a soft reboot asked for there). ``keys(interrupts=bool)`` turns
    Ctrl-C as an interrupt off and on (the raw REPL reads it as a byte)."""
    editor = LineEditor(read, write, namespace)
    namespace.setdefault("__name__", "__main__")
    namespace.setdefault("help", make_help(write))
    if raw:
        from protoboard.runtime import rawrepl

        rawrepl.run(read, write, namespace, keys)
    write(f"\n{banner}\n")
    while True:
        try:
            try:
                source = _read_statement(editor)
                code = _COMPILE(source, "<stdin>", "single")
            except PasteMode:
                source = _read_paste(read, write)
                code = _compile_paste(source)
        except RawMode:
            from protoboard.runtime import rawrepl

            write("\n")
            rawrepl.run(read, write, namespace, keys)
            write(f"{banner}\n")
            continue
        except KeyboardInterrupt:  # Ctrl-C while typing: drop the line
            write("\n")
            continue
        except (SyntaxError, ValueError, OverflowError):
            # No frames to show for a syntax error typed at the prompt.
            write("".join(traceback.format_exception_only(*sys.exc_info()[:2])))
            continue
        if code is not None:
            _execute(code, namespace, write)


def _compile_paste(source: str) -> Any:
    if not source.strip():
        return None
    flags = __future__.annotations.compiler_flag
    return compile(source, "<stdin>", "exec", flags=flags, dont_inherit=True)


def _read_paste(read: Callable[[], int], write: Callable[[str], None]) -> str:
    """Ctrl-E paste mode: raw lines until Ctrl-D (run them) or Ctrl-C (cancel)."""
    write(PASTE_BANNER + PASTE_PROMPT)
    data = bytearray()
    last = 0
    while True:
        key = read()
        if key == CTRL_D:
            write("\n")
            return data.decode("utf-8", "replace")
        if key == CTRL_C:
            write("\n")
            raise KeyboardInterrupt
        if key == LF and last == CR:
            pass  # CR LF is one line end
        elif key in (LF, CR):
            data += b"\n"
            write("\n" + PASTE_PROMPT)
        else:
            data.append(key)
            write(chr(key) if key < 128 else "")
        last = key
