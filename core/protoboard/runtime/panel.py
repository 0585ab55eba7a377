"""The board in one line at the bottom of the terminal, under the console (``protoboard run``).

::

    LED ● · NEOPIXEL ■ · BUTTON ○ · D5 1 · A1 1.65 V

It reads the same board state as the browser's board view (a
:class:`~protoboard.web.boardview.hub.BoardStateHub` view, so the board sends nothing until
someone watches). The console keeps every line above it: the panel reserves the terminal's last
row with a scroll region and draws there with the cursor saved and restored, in one write each
time (a tty never splits one write among writers). It is only drawn on a terminal that can do
it: never into a pipe or a file, never with ``TERM=dumb``; it is taken down (the scroll region
reset, its row cleared) when ``run`` ends.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from typing import Any

from protoboard.web.boardview.hub import BoardStateHub, View, merge

#: redraws per second at most (a person reads no faster; the console output matters more)
RATE = 10
_ESC = "\x1b"
_SGR = re.compile(r"\x1b\[[0-9;]*m")


def wanted(fd: int) -> bool:
    """Can the panel be drawn on ``fd``: a terminal, not a dumb one, with room for it."""
    if not os.isatty(fd) or os.environ.get("TERM", "") in ("", "dumb"):
        return False
    try:
        return os.get_terminal_size(fd).lines >= 4
    except OSError:
        return False


def _colour(hex_colour: str, text: str) -> str:
    try:
        r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    except (ValueError, IndexError):
        return text
    return f"{_ESC}[38;2;{r};{g};{b}m{text}{_ESC}[0m"


_NAMED_COLOURS = {"red": "#ff3030", "green": "#30ff30", "blue": "#4060ff", "yellow": "#ffd020",
                  "white": "#ffffff", "orange": "#ff8020"}  # fmt: skip


def _part(name: str, values: dict[str, Any]) -> str | None:
    """One part as the panel shows it, or None for a part with nothing to show."""
    settable = values.get("settable") or {}
    if isinstance(values.get("pixels"), list):
        pixels = values["pixels"][:16]
        more = "…" if len(values["pixels"]) > 16 else ""
        shown = "".join("□" if p == "#000000" else _colour(str(p), "■") for p in pixels)
        return f"{name} {shown}{more}"
    if "brightness" in values:
        colour = _NAMED_COLOURS.get(str(settable.get("color", "red")), "#ff3030")
        lit = isinstance(values["brightness"], int | float) and values["brightness"] > 0
        return f"{name} " + (_colour(colour, "●") if lit else "○")
    if values.get("angle") is not None:
        return f"{name} {values['angle']:.0f}°"
    if "pressed" in settable:
        return f"{name} {'●' if settable['pressed'] else '○'}"
    if isinstance(settable.get("position"), int | float):
        return f"{name} {settable['position']:.2f}"
    return None


def _pin(name: str, values: dict[str, Any] | None) -> str:
    if not values:
        return f"{name} -"
    if values.get("pwm") is not None:
        return f"{name} {100 * float(values['pwm']):.0f}%"
    level = values.get("level")
    return f"{name} {'-' if level is None else int(level)}"


def render(state: dict[str, Any], pins: Sequence[str], width: int) -> str:
    """The panel's text for ``state``, cut to ``width`` visible characters."""
    items = [text for name, values in sorted(state.get("parts", {}).items())
             if (text := _part(name, values)) is not None]  # fmt: skip
    items += [_pin(name, state.get("pins", {}).get(name)) for name in pins]
    line = " · ".join(items) or "(nothing on the board to show yet)"
    return _cut(line, width)


def _cut(line: str, width: int) -> str:
    """``line`` cut to ``width`` visible characters, colour codes kept whole."""
    out, visible, i = [], 0, 0
    while i < len(line) and visible < width:
        match = _SGR.match(line, i)
        if match:
            out.append(match.group())
            i = match.end()
            continue
        out.append(line[i])
        visible += 1
        i += 1
    return "".join(out) + f"{_ESC}[0m"


class TerminalPanel:
    """Draws the board state on the last row of the terminal on ``fd`` until :meth:`stop`."""

    def __init__(self, hub: BoardStateHub, fd: int = 1, pins: Sequence[str] = ()) -> None:
        self.hub = hub
        self.fd = fd
        self.pins = list(pins)
        self.state: dict[str, Any] = {}
        self._view: View | None = None
        self._rows = 0
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="panel", daemon=True)

    def start(self) -> None:
        self._view = self.hub.open()
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._view is not None:
            self.hub.close(self._view)
        self._thread.join(timeout=2)
        if self._rows:
            rows = self._rows
            self._write(f"{_ESC}7{_ESC}[r{_ESC}[{rows};1H{_ESC}[2K{_ESC}8")

    def _loop(self) -> None:
        assert self._view is not None
        while not self._stopping.is_set():
            delta = self._view.take(1.0)
            if delta is None:
                return
            if "reset" in delta:
                self.state = {}
            merge(self.state, {k: v for k, v in delta.items() if k != "reset"})
            self._draw()
            self._stopping.wait(1 / RATE)

    def _draw(self) -> None:
        try:
            size = os.get_terminal_size(self.fd)
        except OSError:
            return
        rows, columns = size.lines, size.columns
        prefix = ""
        if rows != self._rows:  # first draw, or the terminal was resized: reserve the last row
            prefix = f"\n{_ESC}[1A{_ESC}7{_ESC}[1;{rows - 1}r{_ESC}8"
            self._rows = rows
        text = render(self.state, self.pins, max(10, columns - 1))
        self._write(f"{prefix}{_ESC}7{_ESC}[{rows};1H{_ESC}[2K{text}{_ESC}8")

    def _write(self, text: str) -> None:
        try:
            os.write(self.fd, text.encode())
        except OSError:
            self._stopping.set()  # the terminal went away
