"""A FAT image as the drive: the VMs run from a working folder kept in step with the image.

The program's own writes go into the image promptly: the VM reports each file it opens for
writing, a thread here watches those files (a ``stat`` every :data:`POLL` seconds) and copies
them into the image once they stopped changing for one poll (a close, or a pause), or after
:data:`MAX_BATCH` seconds of steady writing; a burst of writes becomes one sync. Only the
changed sectors are written (:mod:`.fatimage.inplace`). :meth:`ImageSync.close` (the end of
``protoboard run``, SIGTERM, SIGINT, SIGHUP) copies everything still unsynced. So a closed file
is in the image within about ``2 * POLL`` seconds plus the sync's own time; only a SIGKILL (or a
power cut) inside that window loses it.

The computer's changes to the image (a loop mount, a USB gadget host) are brought into the
working folder once the image has been quiet for a moment, and the watcher then reloads as for
any save. When the program's files cannot go into the image (it changed meanwhile, it is
damaged, full, or a name cannot be stored), they are copied into a recovery folder beside the
image, which one console message names; the board keeps running from its working folder.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path

from protoboard.runtime.fatimage import ImageConflict, ImageDrive, ImageError

#: the image must be unchanged this long before its changes are read (a host writes in bursts)
QUIET = 0.75
#: how often the files the program writes are looked at (seconds)
POLL = 0.05
#: a file written without pause is copied at least this often (seconds)
MAX_BATCH = 0.5
#: after a failed copy into the image, wait this long before trying again (seconds)
RETRY = 2.0
#: files the program wrote that are watched at once (the oldest are dropped past it; the final
#: sync looks at the whole working folder anyway)
MAX_WATCHED = 1024

Stamp = tuple[int, int] | None  # (size, mtime_ns) of a file, None if it is not there


def _stamp(path: Path) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


class ImageSync:
    """The image side of the supervisor. Thread-safe: the supervisor's loop calls it, and its
    own thread copies the program's writes."""

    def __init__(self, image: Path, work: Path, size: int, log: Callable[[str], None]) -> None:
        self.path = image
        self.work = work
        self.size = size
        self._log = log
        self.image = ImageDrive(image, work)
        self._lock = threading.RLock()
        self._wake = threading.Condition(self._lock)
        self._quiet_since: float | None = None
        #: files the program wrote -> their stamp when last looked at
        self._watched: dict[Path, Stamp | str] = {}
        self._dirty: set[Path] = set()  # changed, not yet in the image
        self._dirty_since = 0.0
        self._last_change = 0.0
        self._retry_at = 0.0
        self._trouble: str | None = None  # the last failure told to the user
        self._recovery: Path | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._opened = False  # the image was opened: there is something to keep in step

    def open(self) -> bool:
        """Open (or create, then True) the image and fill the working folder from it."""
        with self._lock:
            self.image = ImageDrive(self.path, self.work)
            self.work.mkdir(parents=True, exist_ok=True)
            created = self.image.create(self.size)
            self.image.open()  # ImageError (an OSError) says what is wrong with a bad image
            for note in self.image.notes:
                self._log(note)
            self._quiet_since = None
            self._watched, self._dirty = {}, set()
            self._trouble = None
            self._opened = True
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="image", daemon=True)
                self._thread.start()
            return created

    def note_write(self, path: Path) -> None:
        """The program opened ``path`` in the working folder for writing: watch it."""
        with self._lock:
            self._watched.pop(path, None)
            self._watched[path] = "new"  # differs from any stamp: looked at the next poll
            while len(self._watched) > MAX_WATCHED:
                del self._watched[next(iter(self._watched))]
            self._wake.notify()

    def tick(self) -> None:
        """Read the image's changes once it has been quiet (the supervisor's loop calls this
        every half second)."""
        with self._lock:
            if not self.image.changed_since_sync():
                self._quiet_since = None
                return
            now = time.monotonic()
            if self._quiet_since is None:
                self._quiet_since = now
                return
            if now - self._quiet_since < QUIET:
                return
            self._quiet_since = None
            self._take_image()

    def flush(self) -> None:
        """Copy the program's writes into the image now."""
        with self._lock:
            self._look()
            self._retry_at = 0.0
            self._sync(sorted(self._dirty))

    def close(self) -> None:
        """The end of the run: stop watching, copy everything still unsynced (the whole
        working folder is compared with the image, so writes nobody reported count too)."""
        with self._lock:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(5)
        with self._lock:
            if not self._opened:
                return
            self._look()
            self._retry_at = 0.0
            self._sync(None)

    # -- the watching thread ------------------------------------------------------------------

    def _run(self) -> None:
        with self._lock:
            while not self._stopping:
                self._wake.wait(POLL if self._watched else None)
                if self._stopping:
                    return
                try:
                    self._poll()
                except Exception as exc:  # never let the copying thread die silently
                    self._tell(f"internal error copying into the image: {exc!r} (please report it)")

    def _poll(self) -> None:
        now = time.monotonic()
        self._look()
        if not self._dirty or now < self._retry_at:
            return
        if now - self._last_change >= POLL or now - self._dirty_since >= MAX_BATCH:
            self._sync(sorted(self._dirty))

    def _look(self) -> None:
        """Stat the watched files; those that changed since the last look are dirty."""
        now = time.monotonic()
        for path, seen in list(self._watched.items()):
            stamp = _stamp(path)
            if stamp != seen:
                self._watched[path] = stamp
                if not self._dirty:
                    self._dirty_since = now
                self._dirty.add(path)
                self._last_change = now

    # -- copying, and what to do when it fails ----------------------------------------------

    def _sync(self, paths: list[Path] | None) -> None:
        """Copy ``paths`` (None: the whole working folder) into the image."""
        if paths is not None and not paths:
            return
        started = time.time_ns()
        try:
            self.image.sync_to_image(paths)
        except ImageConflict:
            self._rescue(paths, "the image was changed by the computer meanwhile")
            if not self._take_image():
                self._retry_at = time.monotonic() + RETRY
            return
        except ImageError as exc:
            self._rescue(paths, str(exc))
            self._retry_at = time.monotonic() + RETRY
            return
        self._dirty.clear()
        if self._trouble is not None:
            self._trouble = None
            self._log("the image is in step with the board again")
        # a file changed again in the same clock tick as its copy keeps its stamp: look
        # at its content once more at the next poll
        for path in paths or ():
            stamp = self._watched.get(path)
            if isinstance(stamp, tuple) and stamp[1] >= started - 10_000_000:
                self._watched[path] = "recent"

    def _take_image(self) -> bool:
        """Bring the computer's changes into the working folder; the image wins a conflict
        (the board's versions are saved first). False if the image cannot be read."""
        try:
            try:
                changed = self.image.sync_from_image(force=False)
            except ImageConflict as conflict:
                self._rescue(conflict.paths, "they changed both in the image and on the board")
                changed = self.image.sync_from_image(force=True)
                self._dirty.difference_update(self.work / rel for rel in conflict.paths or ())
        except ImageError as exc:
            self._rescue(sorted(self._dirty), str(exc))
            return False
        self._dirty.difference_update(changed)
        if self._trouble is not None:
            self._trouble = None
            self._log("the image can be read again; the board now runs its files")
        if changed:
            self._log(f"{len(changed)} file(s) changed in the image")
        return True

    def _rescue(self, paths: list[Path] | list[str] | None, why: str) -> None:
        """Copy the program's unsynced files into the recovery folder beside the image and say
        so (once per kind of trouble)."""
        if paths is None:
            paths = sorted({*self._dirty, *(p for p in self._watched)})
        files = [self.work / p for p in paths]
        files = [p for p in files if p.is_file()]
        if not files:
            self._tell(f"{why}; the board keeps running from its working copy {self.work}")
            return
        folder = self._recovery_folder()
        for source in files:
            target = folder / source.relative_to(self.work)
            with contextlib.suppress(OSError):
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        self._tell(
            f"{why}; the board keeps running from its working copy, and the "
            f"{len(files)} file(s) the program wrote that are not in the image are saved in "
            f"{folder}"
        )

    def _recovery_folder(self) -> Path:
        if self._recovery is None:
            stamp = time.strftime("%Y%m%d-%H%M%S")
            self._recovery = self.path.with_name(f"{self.path.stem}-recovered-{stamp}")
        return self._recovery

    def _tell(self, message: str) -> None:
        if message != self._trouble:
            self._trouble = message
            self._log(message)
