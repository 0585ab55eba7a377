"""The CIRCUITPY drive watcher behind autoreload.

The supervisor makes one :class:`DriveWatcher` for the drive folder. A burst of changes to the
drive gives two calls:

* ``on_change(path)``: at once, for the first relevant change of the burst (the supervisor stops
  the running program there and then, as CircuitPython's first USB write does);
* ``on_settled(paths)``: once the burst is over, with every path changed during it (each once,
  in order of first change). The supervisor starts the next run there.

Paths are absolute, below ``DriveWatcher.root`` (the drive folder with symlinks resolved).

CircuitPython cannot see when the host has finished writing a file, so it waits for 750 ms with
no write. On Linux we can: inotify reports every open and close of a file in the drive
(watchdog's ``FileOpenedEvent``, ``FileClosedEvent`` = ``IN_CLOSE_WRITE``,
``FileClosedNoWriteEvent`` = ``IN_CLOSE_NOWRITE``). A burst settles when

1. no file changed in the burst is still open (per path, opens minus closes; a file open by any
   process counts, inotify does not say whether for reading or writing) and none is *uncertain*
   (see below), and
2. no relevant event arrived for ``settle`` seconds (default 20 ms: multi-file saves, such as
   an editor's backup-rename-write or a copy of several files, stay one burst).

A rename into the drive (an atomic save: write a temporary file, then rename it over the
target; many editors and our own workflows save that way) makes its target complete at once,
whatever the state of the temporary file; a folder renamed into the drive is complete with
everything in it. (A rename *out of* the drive, e.g. to the trash, reaches us about 0.5 s late:
watchdog holds an unpaired ``IN_MOVED_FROM`` that long, hoping for its ``IN_MOVED_TO``.)

Fallback, ``max_wait`` (default 0.75 s, CircuitPython's ``CIRCUITPY_AUTORELOAD_DELAY_MS``): if
``max_wait`` seconds pass with no relevant event while a changed file still counts as open
(a writer that never closes, a reader that keeps the file open, a lost event), the burst
settles anyway and a warning names the files. So a writer that pauses for longer than
``max_wait`` with its file open can have a half-written file run, exactly as on a board; one
that pauses for less never does. A stream of changes that never pauses never settles (as on a
board, where each write restarts the 750 ms timer).

*Uncertain* files: a file modified while we saw no open of it was opened before we were
watching it (a writer already running when the watcher started, or a file created in a
brand-new subfolder before watchdog had put a watch on that folder). It counts as open until its
``IN_CLOSE_WRITE`` arrives, or ``max_wait``. A file that appears, with no open seen, in a folder
created (not renamed in) during the burst is uncertain too: ``cp -r pkg CIRCUITPY/lib/`` may
create and open it before the new folder is watched. Usually the closes are seen and such a
copy settles in ``settle``; when a file was written completely before its folder's watch existed,
no close ever comes and the copy settles after ``max_wait``. Uncertainty ends with the burst.

Without open/close events (watchdog's other backends: macOS, Windows, BSD, the polling fallback
used when inotify cannot be set up), the watcher cannot know whether a file is complete, and
every burst settles after ``max_wait`` with no event, as on CircuitPython.
:attr:`DriveWatcher.tracks_open_files` says which mode is in use.

What counts as a change: a file created, written (``IN_MODIFY``), closed after writing,
deleted, renamed (both names), or its metadata changed (``touch code.py`` reloads, as on a
board); a subfolder created, deleted or renamed. Reads (open, close without write) never count.
Not counted: folders' own metadata (watchdog's ``DirModifiedEvent`` / ``DirAttribEvent``, sent
for the parent of every change), paths matching :data:`DEFAULT_IGNORES` (or the list given), and
writes announced with :meth:`DriveWatcher.ignore_own_write` (``boot_out.txt``, a program's own
files: on a board, Python's own writes never trigger autoreload).

The drive folder itself: the watcher checks every :attr:`DriveWatcher.root_check_interval`
seconds that the folder still exists and is the same folder (device and inode). When it is
deleted, moved away or replaced, the change is reported as ``on_change(root)`` (or as the
first file deleted, when ``rm -r`` empties it first: that starts the burst); the burst settles
after ``max_wait`` with ``root`` among the paths (the supervisor should then find the drive
missing and wait). When a folder appears again at that path, the watcher watches it
and reports ``on_change(root)`` (unless still in the same burst) then ``on_settled([root, ...])``
after ``max_wait`` of quiet: files written into it before the new watch existed cannot be
checked for completeness. ``root`` among the settled paths means "anything may have changed".
A drive folder missing at :meth:`DriveWatcher.start` is waited for the same way. A folder on a
read-only mount is watched normally (inotify needs no write access); if no watch at all can be
put on it, the failure is logged and retried at each check, never raised.

Threads: events are handled, and all callbacks made, on the watcher's own thread, one at a time
(never concurrently). An exception in a callback is logged and the watcher carries on. Events
that arrive during a callback are handled after it returns, so a slow ``on_change`` (stopping
the program) cannot make a burst look settled. :meth:`DriveWatcher.stop` may be called from any
thread, a callback included, and more than once; a burst not yet settled is dropped.
"""

from __future__ import annotations

import contextlib
import fnmatch
import logging
import os
import queue
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from watchdog.events import (
    DirAttribEvent,
    DirCreatedEvent,
    DirDeletedEvent,
    DirModifiedEvent,
    DirMovedEvent,
    FileAttribEvent,
    FileClosedEvent,
    FileClosedNoWriteEvent,
    FileCreatedEvent,
    FileDeletedEvent,
    FileModifiedEvent,
    FileMovedEvent,
    FileOpenedEvent,
    FileSystemEvent,
    FileSystemEventHandler,
)

logger = logging.getLogger(__name__)

#: Names never worth a reload. Each pattern is matched (``fnmatch``, case-insensitive on Windows
#: only) against every component of a path relative to the drive, so ``.Trashes`` also covers
#: everything inside it; a pattern containing ``/`` is matched against the whole relative path
#: (``/`` separators) instead.
DEFAULT_IGNORES: tuple[str, ...] = (
    # vim: swap files (.code.py.swp, .swo, ... .swa, .swx while probing), the "4913" file it
    # creates to test that the folder is writable, and its backups (code.py~)
    ".*.sw[a-px]",
    "*.swp",
    "*.swx",
    "4913",
    # emacs: auto-save files (#code.py#) and lock symlinks (.#code.py); backups are *~
    "#*#",
    ".#*",
    # backups of vim, emacs, gedit, nano... (code.py~)
    "*~",
    # other editors' temporary files: JetBrains safe write, gedit/GIO, Kate's swap file
    "*___jb_tmp___",
    "*___jb_old___",
    ".goutputstream-*",
    "*.kate-swp",
    # macOS Finder and Spotlight
    ".DS_Store",
    "._*",
    ".Trashes",
    ".fseventsd",
    ".Spotlight-V100",
    ".metadata_never_index",
    ".TemporaryItems",
    # Windows Explorer
    "Thumbs.db",
    "System Volume Information",
    # bytecode caches written by an interpreter importing from the drive, and version control
    "__pycache__",
    ".git",
)

Callback = Callable[[Any], None]

_STOP = object()


class _Handler(FileSystemEventHandler):
    """Hands watchdog's events, time-stamped, to the watcher's queue."""

    def __init__(self, sink: Callable[[int, FileSystemEvent], None], generation: int) -> None:
        self._sink = sink
        self._generation = generation

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._sink(self._generation, event)


def _make_observer() -> Any:
    """The platform's observer. On Linux, inotify with "full events": a rename from outside
    the drive is a ``FileMovedEvent``/``DirMovedEvent`` with no source (not a creation), so a
    folder moved into the drive is known to be complete."""
    try:
        from watchdog.observers.inotify import InotifyObserver
    except ImportError:  # not Linux
        from watchdog.observers import Observer

        return Observer()
    return InotifyObserver(generate_full_events=True)


def _is_inotify(observer: Any) -> bool:
    try:
        from watchdog.observers.inotify import InotifyObserver
    except ImportError:  # not Linux
        return False
    return isinstance(observer, InotifyObserver)


def _realpath(path: str | os.PathLike[str]) -> str:
    return os.path.realpath(os.path.abspath(path))


class DriveWatcher:
    """Watch the drive folder ``root`` for autoreload (see the module's documentation).

    ``settle``: seconds with no event before a burst whose files are all closed is over.
    ``max_wait``: seconds with no event before a burst is over even though a changed file still
    counts as open (and the only delay used where open/close events do not exist).
    ``ignore_patterns``: names that never count (see :data:`DEFAULT_IGNORES`).
    """

    #: seconds between checks that the drive folder still exists and is the same folder, and
    #: (when it is missing) that it has come back
    root_check_interval: float = 0.25
    #: poll interval of the fallback polling observer
    poll_interval: float = 0.1

    def __init__(
        self,
        root: Path,
        *,
        on_change: Callable[[Path], None],
        on_settled: Callable[[list[Path]], None],
        settle: float = 0.02,
        max_wait: float = 0.75,
        ignore_patterns: Sequence[str] = DEFAULT_IGNORES,
    ) -> None:
        if settle < 0 or max_wait < settle:
            raise ValueError("need 0 <= settle <= max_wait")
        self.root = Path(_realpath(root))
        self._root = str(self.root)
        self.on_change = on_change
        self.on_settled = on_settled
        self.settle = settle
        self.max_wait = max_wait
        self.ignore_patterns = tuple(ignore_patterns)
        self._name_patterns = tuple(p for p in self.ignore_patterns if "/" not in p)
        self._path_patterns = tuple(p for p in self.ignore_patterns if "/" in p)

        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._started = False
        self._stopped = False
        self._own_writes: dict[str, float] = {}  # path -> monotonic expiry

        # observer state (touched by start() before the thread runs, then by the thread only)
        self._observer: Any = None
        self._generation = 0
        self._root_id: tuple[int, int] | None = None
        self._present = False
        self._attach_failed_logged = False
        self.tracks_open_files = False

        # burst state (watcher thread only)
        self._opens: dict[str, int] = {}
        self._uncertain: set[str] = set()
        self._new_dirs: set[str] = set()  # folders created (not renamed in) in this burst
        self._complete_trees: set[str] = set()  # folders renamed into the drive in this burst
        self._burst: dict[str, None] | None = None  # ordered set of changed paths
        self._last_event = 0.0
        self._whole_drive_unknown = False
        self._next_root_check = 0.0

    # -- public API ---------------------------------------------------------------------------

    def start(self) -> None:
        """Start watching. Changes made after this returns are seen (the watch is in place,
        unless the folder is missing: then it is watched as soon as it appears). Calling it
        again does nothing; a stopped watcher cannot be restarted."""
        with self._lock:
            if self._stopped:
                raise RuntimeError("a stopped DriveWatcher cannot be restarted; make a new one")
            if self._started:
                return
            self._started = True
        # watchdog warns when a new folder's watch is added twice (once for its own creation
        # event, once while scanning its parent: ``mkdir -p a/b``); the second just replaces
        # the first, nothing is lost. Keep that out of the console.
        warnings.filterwarnings(
            "ignore", message=r"Callback with id '\d+' already exists", category=RuntimeWarning
        )
        self._attach(report=False)
        self._next_root_check = time.monotonic() + self.root_check_interval
        self._thread = threading.Thread(
            target=self._run, name=f"protoboard-drive-watcher({self.root.name})", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop watching: no callback is made once this returns (except the one running, when
        called from another thread while a callback runs: this waits for it). Idempotent. From a
        callback, it returns at once and the watcher ends when the callback returns."""
        with self._lock:
            already = self._stopped
            self._stopped = True
        if not already:
            self._queue.put((_STOP, 0.0))
        thread = self._thread
        if thread is None:
            self._detach()
        elif thread is not threading.current_thread():
            thread.join()

    def ignore_own_write(self, path: Path | str, window: float = 1.0) -> None:
        """The supervisor (or the running program) is about to write ``path`` (relative to the
        drive, or absolute): events on it during the next ``window`` seconds (``math.inf``:
        until :meth:`expire_own_writes`) do not count, and do not change its open/closed state.
        Calling it again extends the window.

        It must be called *before* the write: events handled before it was called have already
        counted (``on_change`` may have been called). A write from another process must wait
        until this call has been made, e.g. for an acknowledgement, not just send a message."""
        key = self._key(path)
        expiry = time.monotonic() + window
        with self._lock:
            self._own_writes[key] = max(expiry, self._own_writes.get(key, 0.0))

    def expire_own_writes(self, after: float = 1.0) -> None:
        """End every :meth:`ignore_own_write` window at most ``after`` seconds from now. For a
        supervisor that announces a program's writes with an unbounded window (a log file kept
        open for the whole run writes long after its open) and closes them all when the run
        ends: ``after`` leaves time for the events of the last writes (and of the closes the
        OS makes when the process exits) to arrive."""
        limit = time.monotonic() + after
        with self._lock:
            for key, expiry in self._own_writes.items():
                self._own_writes[key] = min(expiry, limit)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def is_ignored(self, path: Path | str) -> bool:
        """Does a change to ``path`` never count, by the ignore patterns?"""
        return self._ignored(self._key(path))

    def _ignored(self, key: str) -> bool:
        if key == self._root or not key.startswith(self._root + os.sep):
            return False
        relative = key[len(self._root) + 1 :]
        if any(
            fnmatch.fnmatch(part, pattern)
            for part in relative.split(os.sep)
            for pattern in self._name_patterns
        ):
            return True
        posix = relative.replace(os.sep, "/")
        return any(fnmatch.fnmatch(posix, pattern) for pattern in self._path_patterns)

    # -- observer ----------------------------------------------------------------------------

    def _key(self, path: Path | str) -> str:
        path = Path(path)
        if not path.is_absolute():
            path = self.root / path
        # resolve the folder (symlinks, ..) but not the name: it may not exist yet
        return os.path.join(_realpath(path.parent), path.name)

    def _sink(self, generation: int, event: FileSystemEvent) -> None:
        self._queue.put((generation, event, time.monotonic()))

    def _attach(self, *, report: bool) -> bool:
        """Watch the drive folder if it exists; True when watched. ``report``: a folder that
        (re)appeared is a change to the whole drive."""
        try:
            info = os.stat(self._root)
        except OSError:
            return False
        if not os.path.isdir(self._root):
            return False
        self._generation += 1
        handler = _Handler(self._sink, self._generation)
        observer = None
        tracks = False
        try:
            observer = _make_observer()
            observer.schedule(handler, self._root, recursive=True)
            observer.start()
            tracks = _is_inotify(observer)
        except Exception as exc:  # inotify limits, an unsupported file system, ...
            with contextlib.suppress(Exception):
                observer.stop()  # type: ignore[union-attr]
            try:
                from watchdog.observers.polling import PollingObserver

                observer = PollingObserver(timeout=self.poll_interval)
                observer.schedule(handler, self._root, recursive=True)
                observer.start()
                logger.warning(
                    "cannot watch %s with inotify (%s); polling it, and waiting "
                    "%.2f s after each change",
                    self._root,
                    exc,
                    self.max_wait,
                )
            except Exception:
                if not self._attach_failed_logged:
                    logger.exception("cannot watch the drive folder %s; will retry", self._root)
                    self._attach_failed_logged = True
                return False
        self._observer = observer
        self.tracks_open_files = tracks
        self._root_id = (info.st_dev, info.st_ino)
        self._present = True
        self._attach_failed_logged = False
        if report:
            self._whole_drive_unknown = True
            self._changed(self._root, time.monotonic())
        return True

    def _detach(self) -> None:
        observer, self._observer = self._observer, None
        self._generation += 1  # drop whatever the old observer still delivers
        if observer is not None:
            with contextlib.suppress(Exception):
                observer.stop()
            with contextlib.suppress(Exception):
                observer.join(timeout=5)

    def _drive_gone(self, now: float) -> None:
        logger.info("the drive folder %s is gone", self._root)
        self._detach()
        self._present = False
        self._root_id = None
        self._opens.clear()
        self._uncertain.clear()
        self._new_dirs.clear()
        self._complete_trees.clear()
        self._whole_drive_unknown = True
        self._changed(self._root, now)

    def _check_root(self, now: float) -> None:
        self._next_root_check = now + self.root_check_interval
        if self._present:
            try:
                info = os.stat(self._root)
                same = (info.st_dev, info.st_ino) == self._root_id and os.path.isdir(self._root)
            except OSError:
                same = False
            if not same:
                self._drive_gone(now)
        if not self._present:
            self._attach(report=True)

    # -- the watcher thread -------------------------------------------------------------------

    def _run(self) -> None:
        try:
            while True:
                try:
                    item = self._queue.get(timeout=self._timeout())
                except queue.Empty:
                    item = None
                # handle every event already queued before deciding anything by time
                while item is not None:
                    if item[0] is _STOP or self._stopped:
                        return
                    self._handle(*item)
                    try:
                        item = self._queue.get_nowait()
                    except queue.Empty:
                        item = None
                self._tick()
        finally:
            self._detach()

    def _timeout(self) -> float:
        now = time.monotonic()
        wake = self._next_root_check
        if self._burst is not None:
            wake = min(wake, self._last_event + self._quiet_needed())
        return max(0.0, wake - now) + 0.001

    def _quiet_needed(self) -> float:
        if self._whole_drive_unknown or not self.tracks_open_files or not self._present:
            return self.max_wait
        return self.settle

    def _tick(self) -> None:
        # no event is waiting: time-driven work
        now = time.monotonic()
        if now >= self._next_root_check:
            self._check_root(now)
        self._maybe_settle(time.monotonic())

    def _handle(self, generation: Any, event: FileSystemEvent, stamp: float) -> None:
        if generation != self._generation:
            return
        try:
            self._dispatch(event, stamp)
        except Exception:
            logger.exception("drive watcher: cannot handle %r", event)
        now = time.monotonic()
        if now >= self._next_root_check:  # a stream of events must not starve this check
            self._check_root(now)

    def _own(self, path: str, stamp: float) -> bool:
        with self._lock:
            expiry = self._own_writes.get(path)
            if expiry is None:
                return False
            if time.monotonic() > expiry:
                del self._own_writes[path]
        return stamp <= expiry

    def _counts(self, path: str, stamp: float) -> bool:
        return path != self._root and not self._ignored(path) and not self._own(path, stamp)

    def _dispatch(self, event: FileSystemEvent, stamp: float) -> None:
        src = os.fsdecode(event.src_path)
        if isinstance(event, (DirModifiedEvent, DirAttribEvent)):
            return  # folders' own metadata: sent for the parent of every change
        if isinstance(event, DirDeletedEvent) and src == self._root:
            self._drive_gone(stamp)
        elif isinstance(event, (FileMovedEvent, DirMovedEvent)):
            self._moved(src, os.fsdecode(event.dest_path), stamp, is_dir=event.is_directory)
        elif self._counts(src, stamp):
            self._changed_by(event, src, stamp)

    def _moved(self, src: str, dest: str, stamp: float, *, is_dir: bool) -> None:
        for path in (src, dest):
            if path and self._counts(path, stamp):
                self._forget(path, tree=is_dir)  # a rename into the drive is complete
                self._changed(path, stamp)
        if is_dir and dest:
            self._complete_trees.add(dest)  # and so is what a renamed folder holds

    def _changed_by(self, event: FileSystemEvent, src: str, stamp: float) -> None:
        """Book-keeping for one event on a path that counts (opens, closes, writes...)."""
        if isinstance(event, FileOpenedEvent):
            self._opens[src] = self._opens.get(src, 0) + 1
            return
        if isinstance(event, FileClosedNoWriteEvent):
            self._closed(src)
            return
        if isinstance(event, FileClosedEvent):
            self._closed(src)
            self._uncertain.discard(src)
        elif isinstance(event, FileModifiedEvent):
            if not self._opens.get(src):
                self._uncertain.add(src)  # written, but we never saw it opened
        elif isinstance(event, FileCreatedEvent):
            if os.path.dirname(src) in self._new_dirs and not self._opens.get(src):
                self._uncertain.add(src)  # maybe opened before its new folder was watched
        elif isinstance(event, DirCreatedEvent):
            if not self._in_complete_tree(src):
                self._new_dirs.add(src)
        elif isinstance(event, (FileDeletedEvent, DirDeletedEvent)):
            self._forget(src, tree=isinstance(event, DirDeletedEvent))
        elif not isinstance(event, FileAttribEvent):
            return  # an event kind that changes nothing
        self._changed(src, stamp)

    def _in_complete_tree(self, path: str) -> bool:
        return any(path.startswith(tree + os.sep) for tree in self._complete_trees)

    def _closed(self, path: str) -> None:
        count = self._opens.get(path, 0) - 1
        if count > 0:
            self._opens[path] = count
        else:
            self._opens.pop(path, None)

    def _forget(self, path: str, *, tree: bool) -> None:
        self._opens.pop(path, None)
        self._uncertain.discard(path)
        if tree:
            prefix = path + os.sep
            for table in (self._opens, self._uncertain, self._new_dirs):
                for key in [k for k in table if k == path or k.startswith(prefix)]:
                    if isinstance(table, dict):
                        del table[key]
                    else:
                        table.discard(key)

    def _changed(self, path: str, stamp: float) -> None:
        self._last_event = max(self._last_event, stamp)
        if self._burst is None:
            self._burst = {path: None}
            self._call(self.on_change, Path(path))
        else:
            self._burst.setdefault(path, None)

    def _busy(self) -> list[str]:
        assert self._burst is not None
        return [
            path for path in self._burst if self._opens.get(path, 0) > 0 or path in self._uncertain
        ]

    def _maybe_settle(self, now: float) -> None:
        if self._burst is None:
            return
        quiet = now - self._last_event
        if quiet < self._quiet_needed():
            return
        busy = self._busy()
        if busy:
            if quiet < self.max_wait:
                return
            logger.warning(
                "no close seen for %s after %.2f s; reloading anyway",
                ", ".join(os.path.relpath(p, self._root) for p in busy),
                self.max_wait,
            )
        paths = [Path(p) for p in self._burst]
        self._burst = None
        self._whole_drive_unknown = False
        self._new_dirs.clear()
        self._complete_trees.clear()
        # uncertain = "maybe opened before we watched it": after a settle the next write marks
        # it again if its open is still unseen; open counts stay (a missing close is rarer)
        self._uncertain.clear()
        self._call(self.on_settled, paths)

    def _call(self, callback: Callback, argument: Any) -> None:
        if self._stopped:
            return
        try:
            callback(argument)
        except Exception:
            logger.exception(
                "drive watcher: %s(%r) failed", getattr(callback, "__name__", callback), argument
            )

    def __repr__(self) -> str:
        return (
            f"<DriveWatcher {self._root} settle={self.settle} max_wait={self.max_wait} "
            f"tracks_open_files={self.tracks_open_files}>"
        )
