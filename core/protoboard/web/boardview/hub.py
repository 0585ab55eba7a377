"""The supervisor's side of the board view: the running board's latest state, and the open
pages that want its changes.

The VM sends deltas (:class:`~protoboard.runtime.messages.BoardState`); the hub merges each into
the state it keeps and into every page's pending delta. A page takes its pending delta when it
is ready to send, so a slow page gets fewer, larger deltas and never a growing backlog: what
waits for a page is never larger than the board's state.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

#: open board views at once (each holds a WebSocket and a thread)
MAX_VIEWS = 16


def merge(into: dict[str, Any], delta: dict[str, Any]) -> None:
    """Apply ``delta`` to the two-level state ``into`` (a None entry removes it)."""
    for section, entries in delta.items():
        target = into.setdefault(section, {})
        for key, value in entries.items():
            if value is None:
                target.pop(key, None)
            else:
                target[key] = value


def combine(into: dict[str, Any], delta: dict[str, Any]) -> None:
    """Add ``delta`` to the pending delta ``into``: the later value wins, and a None (gone)
    is kept, for the page to remove the entry too."""
    for section, entries in delta.items():
        into.setdefault(section, {}).update(entries)


class View:
    """One open page: its pending delta and a wake-up for its sender."""

    def __init__(self) -> None:
        self.pending: dict[str, Any] = {}
        self.ready = threading.Condition()
        self.closed = False

    def take(self, timeout: float) -> dict[str, Any] | None:
        """The pending delta (waiting up to ``timeout`` for one); None once closed."""
        with self.ready:
            if not self.pending and not self.closed:
                self.ready.wait(timeout)
            if self.closed:
                return None
            pending, self.pending = self.pending, {}
            return pending


class BoardStateHub:
    """``on_watch(True)`` when the first page opens, ``on_watch(False)`` when the last closes."""

    def __init__(self, on_watch: Callable[[bool], None] = lambda on: None) -> None:
        self.on_watch = on_watch
        self.state: dict[str, Any] = {}
        self.run = 0
        self._views: list[View] = []
        self._lock = threading.Lock()

    @property
    def watching(self) -> bool:
        return bool(self._views)

    def update(self, delta: dict[str, Any], full: bool) -> None:
        """A VM's delta (``full``: its whole state, which replaces what was known)."""
        with self._lock:
            if full:
                self.run += 1
                self.state = {}
                merge(self.state, delta)
                delta = {"reset": {"run": self.run}, **self.state}
            else:
                merge(self.state, delta)
            views = list(self._views)
        for view in views:
            with view.ready:
                if "reset" in delta:
                    view.pending = {}
                combine(view.pending, delta)
                view.ready.notify()

    def open(self) -> View:
        """A new page: its first delta is the whole state. RuntimeError past :data:`MAX_VIEWS`."""
        view = View()
        with self._lock:
            if len(self._views) >= MAX_VIEWS:
                raise RuntimeError(
                    f"{MAX_VIEWS} board views are open already; close one and reload this page"
                )
            first = not self._views
            self._views.append(view)
            combine(view.pending, {"reset": {"run": self.run}, **self.state})
        if first:
            self.on_watch(True)
        return view

    def close(self, view: View) -> None:
        with view.ready:
            view.closed = True
            view.ready.notify()
        with self._lock:
            if view not in self._views:
                return
            self._views.remove(view)
            last = not self._views
        if last:
            self.on_watch(False)
