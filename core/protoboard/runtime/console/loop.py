"""The hub's selector loop: read/write callbacks per fd, and timers.

Only the hub's I/O thread uses an :class:`IoLoop` once that thread runs.
"""

from __future__ import annotations

import contextlib
import logging
import selectors
import time
from collections.abc import Callable

log = logging.getLogger(__name__)

Callback = Callable[[], None]


def guard(callback: Callback) -> None:
    """Run an endpoint's callback; its failure is logged and never stops the loop."""
    try:
        callback()
    except Exception:
        log.exception("console: endpoint handler failed")


class _Watch:
    """Read/write callbacks for one fd in the selector."""

    __slots__ = ("always", "fd", "reader", "registered", "writer")

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.reader: Callback | None = None
        self.writer: Callback | None = None
        self.registered = 0  # events currently registered with the selector
        self.always = False  # a regular file: epoll refuses it, and it is always ready


class IoLoop:
    """Calls a callback when its fd is readable or writable, or when its timer is due."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()
        self._watches: dict[int, _Watch] = {}
        self._timers: list[tuple[float, Callback]] = []

    def set_reader(self, fd: int, callback: Callback | None) -> None:
        """Call ``callback`` whenever ``fd`` is readable; None stops watching."""
        watch = self._watch(fd, callback)
        if watch is not None:
            watch.reader = callback
            self._update(watch)

    def set_writer(self, fd: int, callback: Callback | None) -> None:
        """Call ``callback`` whenever ``fd`` is writable; None stops watching."""
        watch = self._watch(fd, callback)
        if watch is not None:
            watch.writer = callback
            self._update(watch)

    def has_writer(self, fd: int) -> bool:
        watch = self._watches.get(fd)
        return watch is not None and watch.writer is not None

    def call_later(self, delay: float, callback: Callback) -> None:
        self._timers.append((time.monotonic() + delay, callback))

    def poll(self) -> None:
        """Wait for the first ready fd or due timer (no timers: as long as it takes) and call
        the ready fds' callbacks; due timers are left to :meth:`run_due_timers`."""
        always = [w for w in self._watches.values() if w.always]
        if always:
            timeout: float | None = 0
        elif self._timers:
            timeout = max(0.0, min(t for t, _ in self._timers) - time.monotonic())
        else:
            timeout = None
        for key, mask in self._selector.select(timeout):
            watch: _Watch = key.data
            if self._watches.get(key.fd) is watch:
                self._dispatch(watch, mask)
        for ready in always:
            if self._watches.get(ready.fd) is ready:
                self._dispatch(ready, selectors.EVENT_READ | selectors.EVENT_WRITE)

    def run_due_timers(self) -> None:
        if self._timers:
            now = time.monotonic()
            due = [cb for t, cb in self._timers if t <= now]
            self._timers = [(t, cb) for t, cb in self._timers if t > now]
            for callback in due:
                guard(callback)

    def close(self) -> None:
        """Forget every fd (closing them is their owners' business) and close the selector."""
        self._watches.clear()
        with contextlib.suppress(Exception):
            self._selector.close()

    def _watch(self, fd: int, callback: Callback | None) -> _Watch | None:
        """The watch of ``fd``, created for a callback; None if there is none and none needed."""
        watch = self._watches.get(fd)
        if watch is None and callback is not None:
            watch = self._watches[fd] = _Watch(fd)
        return watch

    def _update(self, watch: _Watch) -> None:
        events = (selectors.EVENT_READ if watch.reader else 0) | (
            selectors.EVENT_WRITE if watch.writer else 0
        )
        if watch.always:
            if not events:
                del self._watches[watch.fd]
            return
        try:
            if not events:
                del self._watches[watch.fd]
                if watch.registered:
                    self._selector.unregister(watch.fd)
            elif not watch.registered:
                self._selector.register(watch.fd, events, watch)
            elif events != watch.registered:
                self._selector.modify(watch.fd, events, watch)
        except PermissionError:  # epoll and a regular file: it is always ready
            watch.always = True
            watch.registered = 0
            return
        except (KeyError, ValueError, OSError) as exc:  # fd closed under us
            log.debug("console: selector update for fd %d failed: %s", watch.fd, exc)
            self._watches.pop(watch.fd, None)
            with contextlib.suppress(KeyError, ValueError, OSError):
                self._selector.unregister(watch.fd)
            watch.registered = 0
            return
        watch.registered = events

    def _dispatch(self, watch: _Watch, mask: int) -> None:
        if mask & selectors.EVENT_READ and watch.reader is not None:
            guard(watch.reader)
        if (
            mask & selectors.EVENT_WRITE
            and watch.writer is not None
            and self._watches.get(watch.fd) is watch
        ):
            guard(watch.writer)
