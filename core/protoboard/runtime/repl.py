"""The REPL, as a CircuitPython board runs it over its serial console.

The board, not the terminal, edits the line: the VM reads raw keys from its console and echoes
them, so every endpoint (a terminal, a pty opened by screen or tio, a TCP client) gets the same
editing: arrows, history, Tab completion, Ctrl-E paste mode, Ctrl-C to cancel a line, Ctrl-D
on an empty line for a soft reboot.
"""

from __future__ import annotations

import codeop
import rlcompleter
import sys
import traceback
from collections.abc import Callable
from typing import Any

PROMPT = ">>> "
CONTINUATION = "... "
PASTE_PROMPT = "=== "
PASTE_BANNER = "\npaste mode; Ctrl-C to cancel, Ctrl-D to finish\n"

CTRL_C, CTRL_D, CTRL_E, TAB, BACKSPACE, DELETE, ESC = 3, 4, 5, 9, 8, 127, 27


class SoftReboot(Exception):
    """Ctrl-D on an empty line."""


class LineEditor:
    """Reads one line from a raw console, with history and completion."""

    def __init__(
        self, read: Callable[[], int], write: Callable[[str], None], namespace: dict[str, Any]
    ) -> None:
        self.read = read
        self.write = write
        self.history: list[str] = []
        self.completer = rlcompleter.Completer(namespace)

    def _redraw(self, prompt: str, buffer: list[str], cursor: int) -> None:
        text = "".join(buffer)
        back = len(buffer) - cursor
        self.write("\r" + prompt + text + "\x1b[K" + (f"\x1b[{back}D" if back else ""))

    def read_line(self, prompt: str) -> str:
        """A line without its newline. Raises SoftReboot (Ctrl-D on an empty line),
        KeyboardInterrupt (Ctrl-C), PasteMode (Ctrl-E on an empty line)."""
        self.write(prompt)
        buffer: list[str] = []
        cursor = 0
        recall = len(self.history)
        while True:
            key = self.read()
            if key in (10, 13):
                self.write("\n")
                line = "".join(buffer)
                if line.strip() and (not self.history or self.history[-1] != line):
                    self.history.append(line)
                return line
            if key == CTRL_D:
                if not buffer:
                    raise SoftReboot()
                continue
            if key == CTRL_C:  # when the console does not turn Ctrl-C into SIGINT
                raise KeyboardInterrupt
            if key == CTRL_E and not buffer:
                raise PasteMode()
            if key in (BACKSPACE, DELETE):
                if cursor:
                    del buffer[cursor - 1]
                    cursor -= 1
                    self._redraw(prompt, buffer, cursor)
                continue
            if key == TAB:
                cursor = self._complete(prompt, buffer, cursor)
                continue
            if key == ESC:
                buffer, cursor, recall = self._edit(self._escape(), buffer, cursor, recall)
                self._redraw(prompt, buffer, cursor)
                continue
            if key >= 32:
                char = self._decode(key)
                buffer.insert(cursor, char)
                cursor += 1
                if cursor == len(buffer):
                    self.write(char)
                else:
                    self._redraw(prompt, buffer, cursor)

    def _edit(
        self, action: str, buffer: list[str], cursor: int, recall: int
    ) -> tuple[list[str], int, int]:
        """Apply an escape sequence's ``action`` (arrows: history and cursor; Home, End,
        Delete) to the line; returns the new buffer, cursor and history position."""
        if action in ("A", "B") and self.history:
            recall = max(0, recall - 1) if action == "A" else min(len(self.history), recall + 1)
            text = self.history[recall] if recall < len(self.history) else ""
            return list(text), len(text), recall
        if action == "C" and cursor < len(buffer):
            cursor += 1
        elif action == "D" and cursor:
            cursor -= 1
        elif action in ("H", "1~"):
            cursor = 0
        elif action in ("F", "4~"):
            cursor = len(buffer)
        elif action == "3~" and cursor < len(buffer):
            del buffer[cursor]
        return buffer, cursor, recall

    def _decode(self, first: int) -> str:
        """A UTF-8 character starting with byte ``first``."""
        if first < 0x80:
            return chr(first)
        length = 2 if first < 0xE0 else 3 if first < 0xF0 else 4
        data = bytes([first] + [self.read() for _ in range(length - 1)])
        return data.decode("utf-8", "replace")

    def _escape(self) -> str:
        if self.read() != ord("["):
            return ""
        sequence = ""
        while True:
            char = chr(self.read())
            sequence += char
            if char.isalpha() or char == "~":
                return sequence

    def _complete(self, prompt: str, buffer: list[str], cursor: int) -> int:
        text = "".join(buffer[:cursor])
        start = len(text)
        while start and (text[start - 1].isalnum() or text[start - 1] in "._"):
            start -= 1
        word = text[start:]
        if not word:
            buffer[cursor:cursor] = list("    ")
            self._redraw(prompt, buffer, cursor + 4)
            return cursor + 4
        matches: list[str] = []
        for state in range(200):
            match = self.completer.complete(word, state)
            if match is None:
                break
            if match not in matches:
                matches.append(match)
        if not matches:
            return cursor
        common = _common_prefix(matches)
        if len(common) > len(word):
            addition = common[len(word) :]
            buffer[cursor:cursor] = list(addition)
            cursor += len(addition)
        elif len(matches) > 1:
            self.write("\n" + "  ".join(m.rsplit(".", 1)[-1] for m in matches) + "\n")
        self._redraw(prompt, buffer, cursor)
        return cursor


def _common_prefix(words: list[str]) -> str:
    first, last = min(words), max(words)
    size = 0
    while size < min(len(first), len(last)) and first[size] == last[size]:
        size += 1
    return first[:size]


class PasteMode(Exception):
    """Ctrl-E on an empty line."""


def _show_exception(write: Callable[[str], None]) -> None:
    from protoboard.vm import format_traceback

    exc = sys.exc_info()[1]
    assert exc is not None
    tb = exc.__traceback__
    # Drop the REPL's own frame so the traceback starts at the user's code, as on a board.
    if tb is not None and tb.tb_frame.f_code.co_filename == __file__:
        exc = exc.with_traceback(tb.tb_next)
    write(format_traceback(exc, []))


def run(
    read: Callable[[], int], write: Callable[[str], None], namespace: dict[str, Any], banner: str
) -> None:
    """Read-eval-print until Ctrl-D on an empty line (raises SoftReboot)."""
    editor = LineEditor(read, write, namespace)
    namespace.setdefault("__name__", "__main__")

    def display(value: Any) -> None:
        if value is not None:
            namespace["_"] = value
            write(repr(value) + "\n")

    write(f"\n{banner}\n")
    while True:
        try:
            try:
                source = editor.read_line(PROMPT)
                while True:
                    code = codeop.compile_command(source, "<stdin>", "single")
                    if code is not None:
                        break
                    source += "\n" + editor.read_line(CONTINUATION)
            except PasteMode:
                source = _read_paste(read, write)
                code = compile(source, "<stdin>", "exec") if source.strip() else None
            if code is None:
                continue
            previous_hook = sys.displayhook
            sys.displayhook = display
            try:
                exec(code, namespace)
            finally:
                sys.displayhook = previous_hook
        except SoftReboot:
            raise
        except KeyboardInterrupt:
            write("\n")
        except SyntaxError:
            # No frames to show for a syntax error typed at the prompt.
            write("".join(traceback.format_exception_only(*sys.exc_info()[:2])))
        except Exception:
            _show_exception(write)


def _read_paste(read: Callable[[], int], write: Callable[[str], None]) -> str:
    """Ctrl-E paste mode: raw lines until Ctrl-D (run them) or Ctrl-C (cancel)."""
    write(PASTE_BANNER + PASTE_PROMPT)
    data = bytearray()
    while True:
        key = read()
        if key == CTRL_D:
            write("\n")
            return data.decode("utf-8", "replace")
        if key == CTRL_C:
            write("\n")
            raise KeyboardInterrupt
        if key in (10, 13):
            data += b"\n"
            write("\n" + PASTE_PROMPT)
        else:
            data.append(key)
            write(chr(key) if key < 128 else "")
