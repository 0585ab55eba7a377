"""A FAT image as the drive: the VMs run from a working folder kept in step with the image.

The program's own writes are copied into the image when the supervisor flushes them; the
computer's changes to the image (a loop mount, a USB gadget host) are brought into the working
folder once the image has been quiet for a moment, and the watcher then reloads as for any save.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from protoboard.runtime.fatimage import ImageConflict, ImageDrive, ImageError

#: the image must be unchanged this long before its changes are read (a host writes in bursts)
QUIET = 0.75


class ImageSync:
    def __init__(self, image: Path, work: Path, size: int, log: Callable[[str], None]) -> None:
        self.path = image
        self.work = work
        self.size = size
        self._log = log
        self.image = ImageDrive(image, work)
        self._quiet_since: float | None = None
        self._pending: set[Path] = set()

    def open(self) -> bool:
        """Open (or create, then True) the image and fill the working folder from it."""
        self.image = ImageDrive(self.path, self.work)
        self.work.mkdir(parents=True, exist_ok=True)
        created = self.image.create(self.size)
        self.image.open()  # ImageError (an OSError) says what is wrong with a bad image
        for note in self.image.notes:
            self._log(note)
        self._quiet_since = None
        self._pending = set()
        return created

    def note_write(self, path: Path) -> None:
        """The program wrote ``path`` in the working folder: copy it at the next flush."""
        self._pending.add(path)

    def tick(self) -> None:
        """Flush the program's writes; read the image's changes once it has been quiet."""
        if self._pending:
            self.flush()
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
        try:
            changed = self.image.sync_from_image(force=False)
        except ImageConflict:
            changed = self.image.sync_from_image(force=True)  # the computer's copy wins
            self._log("a file changed both in the image and on the board; kept the image's")
        except ImageError as exc:
            self._log(f"could not read the changed image yet: {exc}")
            return
        if changed:
            self._log(f"{len(changed)} file(s) changed in the image")

    def flush(self) -> None:
        """Copy the program's pending writes into the image."""
        if not self._pending:
            return
        pending, self._pending = sorted(self._pending), set()
        try:
            self.image.sync_to_image(pending)
        except ImageConflict:
            self.image.sync_from_image(force=True)
            self._log("the image changed meanwhile; the board's last writes were not copied")
        except ImageError as exc:
            self._log(str(exc))
