"""The drive: an image file kept in step with a working folder (see the package's docs)."""

from __future__ import annotations

import contextlib
import os
import stat
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import cast

from protoboard.runtime.fatimage.edits import MakeFolder, RemoveEntry, RewriteFile, edits
from protoboard.runtime.fatimage.errors import (
    Damaged,
    Full,
    ImageConflict,
    ImageError,
    NotFat,
    reason,
)
from protoboard.runtime.fatimage.fresh import DEFAULT_SIZE, LABEL, create_image
from protoboard.runtime.fatimage.hostfs import (
    Signature,
    fsync_dir,
    fsync_file,
    make_folder,
    new_temp,
    read_image,
    remove_path,
    sha,
    signature,
)
from protoboard.runtime.fatimage.inplace import plan_steps, write_steps
from protoboard.runtime.fatimage.known import ImageChanges, Known, compare
from protoboard.runtime.fatimage.memory import ImageBytes
from protoboard.runtime.fatimage.plan import Plan, candidates, make_plan
from protoboard.runtime.fatimage.reader import parse, parse_image
from protoboard.runtime.fatimage.relpaths import within
from protoboard.runtime.fatimage.space import advice, check_space, fits_beside
from protoboard.runtime.fatimage.volume import Volume
from protoboard.runtime.fatimage.work import conflicts, extract, extras
from protoboard.runtime.fatimage.writer import Writer

#: a host may still be writing a file whose mtime is this close to our read of it, on a file
#: system with coarse timestamps (FAT: 2 s; whole milliseconds or seconds)
RACY_NS = 2_000_000_000
#: ...and on one with fine timestamps, which the kernel updates every clock tick (1-10 ms)
RACY_FINE_NS = 20_000_000


def racy_window(mtime_ns: int) -> int:
    """How long after ``mtime_ns`` a same-size write could leave the mtime unchanged."""
    return RACY_NS if mtime_ns % 1_000_000 == 0 else RACY_FINE_NS


class ImageDrive:
    """A CIRCUITPY image file kept in step with a working folder (see the package's docs).

    Not thread-safe: make every call from one thread.
    """

    def __init__(self, image: Path, work: Path) -> None:
        self.image = Path(image).expanduser().absolute()
        self.work = Path(work).expanduser().absolute()
        #: things worth telling the user, found by the last open or sync (dirty flag, names
        #: that could not be copied)
        self.notes: list[str] = []
        self._known: dict[str, Known] = {}
        self._signature: Signature | None = None
        self._sha256 = ""
        self._racy = False
        self._volume: Volume | None = None
        #: bytes the last sync to the image wrote into it (or into its replacement)
        self.last_written = 0

    def __repr__(self) -> str:
        return f"ImageDrive({str(self.image)!r}, work={str(self.work)!r})"

    # -- public API ---------------------------------------------------------------------------

    @property
    def label(self) -> str:
        """The volume label (of the image as last read)."""
        return self._opened().label

    def free_bytes(self) -> int:
        """Free space in the image as last read or written, in bytes."""
        volume = self._opened()
        return volume.free * volume.cluster_size

    def size_bytes(self) -> int:
        """Room for files in the image (its data clusters), in bytes."""
        volume = self._opened()
        return volume.clusters * volume.cluster_size

    def create(self, size_bytes: int = DEFAULT_SIZE, label: str = LABEL) -> bool:
        """Make a new image with a fresh board's contents. Returns False, and leaves the file
        alone, if it already exists. ``size_bytes`` is rounded up to whole 512-byte sectors."""
        return create_image(self.image, size_bytes, label)

    def open(self) -> None:
        """Check the image and make ``work`` an exact copy of its tree (files in ``work`` that
        the image does not hold are deleted). The image is never modified."""
        raw, signature = read_image(self.image)
        volume = parse_image(raw, self.image)
        try:
            self.work.mkdir(parents=True, exist_ok=True)
            for rel in sorted(extras(self.work, volume), key=lambda r: r.count("/"), reverse=True):
                remove_path(self.work / rel)
            known: dict[str, Known] = {}
            for rel in sorted(volume.dirs, key=lambda r: r.count("/")):
                if rel:
                    make_folder(self.work / rel)
                    known[rel] = Known(True)
            for rel, entry in volume.files.items():
                known[rel] = extract(self.work, volume, rel, entry, rewrite=False)
        except OSError as exc:
            raise ImageError(
                f"cannot copy the image into {self.work}: {exc.strerror or exc}"
            ) from exc
        self._known = known
        self._record(volume, raw, signature)

    def changed_since_sync(self) -> bool:
        """Whether the image file changed since the last open or sync (a cheap stat, plus a
        read for a couple of seconds after a change, when a same-tick write could hide)."""
        try:
            st = os.stat(self.image)
        except OSError:
            return True
        if signature(st) != self._signature:
            return True
        if self._racy:
            if time.time_ns() - st.st_mtime_ns >= racy_window(st.st_mtime_ns):
                self._racy = False
            try:
                return sha(self.image.read_bytes()) != self._sha256
            except OSError:
                return True
        return False

    def sync_from_image(self, force: bool = False) -> list[Path]:
        """Update ``work`` after someone else changed the image: changed files are written
        (atomically, with the image's mtime), removed ones deleted. Returns the paths in
        ``work`` that were created, changed or deleted (empty if the image did not change).

        A path that also changed in ``work`` since the last sync is a conflict: nothing is
        changed and :class:`ImageConflict` names them, unless ``force`` (the image wins)."""
        self._check_work()
        if not self.changed_since_sync():
            return []
        raw, signature = read_image(self.image)
        if sha(raw) == self._sha256:
            self._record(self._opened(), raw, signature)
            return []
        volume = parse_image(raw, self.image)
        changes = ImageChanges.between(self._known, volume)
        if not force:
            self._check_work_unchanged(volume, changes)
        try:
            new_known, changed = self._take_changes(volume, changes)
        except OSError as exc:
            raise ImageError(
                f"cannot update {self.work} from the image: {exc.strerror or exc}"
            ) from exc
        self._known = new_known
        self._record(volume, raw, signature)
        return [self.work / rel for rel in sorted(set(changed))]

    def sync_to_image(self, changed: list[Path] | None = None) -> list[Path]:
        """Copy what changed in ``work`` into the image: ``changed`` lists paths in ``work``
        (absolute, or relative to it; a folder means everything in it; ``work`` itself or None
        means look everywhere). Returns the paths whose entries were written or deleted.

        Only the sectors that changed are written, into the image file itself, in an order that
        keeps it whole at every instant (see :mod:`.inplace`). When the new data does not fit
        beside the old (a nearly full image), the image is rewritten as a whole new file (a
        copy, then a rename) instead. Raises :class:`ImageError`, leaving the image as it
        was, when it is full, a name cannot be stored, or the image was changed by someone
        else since the last sync (:class:`ImageConflict`: call :meth:`sync_from_image`
        first)."""
        self._check_work()
        if not self.image.is_file():
            read_image(self.image)  # raises the error that says what is wrong with it
        if self.changed_since_sync():
            raise ImageConflict(
                f"{self.image} was changed by another program since it was last "
                "read; call sync_from_image() first, then sync again"
            )
        looked_at = candidates(self.work, self._known, changed)
        plan = make_plan(self.work, self._known, looked_at)
        if plan.empty:  # (the image is not even read)
            self._known = plan.known
            return []
        raw, _ = read_image(self.image)
        if sha(raw) != self._sha256:  # changed since the stat above
            raise ImageConflict(
                f"{self.image} was changed by another program since it was last "
                "read; call sync_from_image() first, then sync again"
            )
        volume = parse_image(raw, self.image)
        check_space(plan, volume)
        target = self.image.resolve()
        if fits_beside(plan, volume):
            result, written = self._write_in_place(raw, volume, plan, target)
        else:
            result, written = self._replace_image(raw, volume, plan, target)
        self._known = plan.known
        self._record(result, written, signature(os.stat(target)))
        return [self.work / rel for rel in plan.touched]

    # -- helpers ------------------------------------------------------------------------------

    def _opened(self) -> Volume:
        if self._volume is None:
            raise ImageError("open() the image first")
        return self._volume

    def _check_work(self) -> None:
        self._opened()
        if not self.work.is_dir():
            raise ImageError(
                f"the working copy {self.work} is gone; open() the image again "
                "(restart protoboard run)"
            )

    def _record(self, volume: Volume, raw: bytes, signature: Signature) -> None:
        self._volume = replace(volume, raw=b"")  # keep the numbers, not the bytes
        self.notes = list(volume.notes)
        self._signature = signature
        self._sha256 = sha(raw)
        self._racy = time.time_ns() - signature[3] < racy_window(signature[3])

    def _check_work_unchanged(self, volume: Volume, changes: ImageChanges) -> None:
        found = conflicts(self.work, self._known, volume, changes)
        if found:
            shown = ", ".join(sorted(found)[:5]) + (" ..." if len(found) > 5 else "")
            conflict = ImageConflict(
                f"{len(found)} file(s) changed both in the image and here "
                f"since the last sync: {shown}; nothing was changed "
                "(sync_from_image(force=True) takes the image's version)"
            )
            conflict.paths = sorted(found)
            raise conflict

    def _take_changes(
        self, volume: Volume, changes: ImageChanges
    ) -> tuple[dict[str, Known], list[str]]:
        """Apply the image's ``changes`` to ``work``: what is then known, and what changed."""
        changed: list[str] = []
        for rel in changes.removed:
            if remove_path(self.work / rel):
                changed.append(rel)
        known = {rel: k for rel, k in self._known.items() if not within(rel, changes.removed)}
        for rel in sorted(changes.added_dirs, key=lambda r: r.count("/")):
            make_folder(self.work / rel)
            known[rel] = Known(True)
            changed.append(rel)
        for rel in changes.written:
            known[rel] = extract(self.work, volume, rel, volume.files[rel], rewrite=True)
            changed.append(rel)
        for rel, entry in volume.files.items():  # same content, new timestamp
            if rel not in changes.written and known[rel].fat_time != entry.fat_time:
                known[rel] = extract(self.work, volume, rel, entry, rewrite=False)
        return known, changed

    def _write_in_place(
        self, raw: bytes, volume: Volume, plan: Plan, target: Path
    ) -> tuple[Volume, bytes]:
        """Build the new image in memory, check it by reading it back, and write the sectors
        that differ into ``target``, step by step (:mod:`.inplace`)."""
        with self._sync_errors(volume):
            memory = ImageBytes(bytearray(raw))
            self._apply(memory, volume, plan, keep_freed=True)
            # a bytearray, read as bytes are (no copy of the whole image)
            written = cast(bytes, memory.data)
            result = parse(written)
            problem = compare(result, plan.known)
            if problem:
                raise ImageError(
                    f"internal error writing {self.image} ({problem}); the image "
                    "was left as it was: please report this"
                )
            steps = plan_steps(raw, written, volume.fat_type)
            if self.changed_since_sync():
                raise ImageConflict(
                    f"{self.image} was changed by another program during the "
                    "sync; it was left as that program wrote it: call "
                    "sync_from_image(), then sync again"
                )
            self.last_written = write_steps(target, steps)
        return result, written

    def _replace_image(
        self, raw: bytes, volume: Volume, plan: Plan, target: Path
    ) -> tuple[Volume, bytes]:
        """Write ``plan`` into a copy of ``raw`` beside ``target``, check it by reading it
        back, and rename it over ``target``: what the image then holds, read and raw."""
        try:
            temporary = new_temp(target)
        except OSError as exc:
            raise ImageError(f"cannot write beside {self.image}: {exc.strerror}") from exc
        try:
            with self._sync_errors(volume):
                self._copy_image(raw, temporary, target)
                self._apply(temporary, volume, plan)
                written = temporary.read_bytes()
                result = parse(written)
                problem = compare(result, plan.known)
                if problem:
                    raise ImageError(
                        f"internal error writing {self.image} ({problem}); the image "
                        "was left as it was: please report this"
                    )
                fsync_file(temporary)
                if self.changed_since_sync():
                    raise ImageConflict(
                        f"{self.image} was changed by another program during the "
                        "sync; it was left as that program wrote it: call "
                        "sync_from_image(), then sync again"
                    )
                os.replace(temporary, target)
                fsync_dir(target.parent)
                self.last_written = len(written)
        finally:
            with contextlib.suppress(OSError):
                temporary.unlink()
        return result, written

    @contextlib.contextmanager
    def _sync_errors(self, volume: Volume) -> Iterator[None]:
        """Whatever goes wrong writing the copy, as an ImageError (the image is untouched)."""
        try:
            yield
        except Full as exc:
            raise ImageError(
                f"the image is full: at least {volume.cluster_size} bytes more are "
                f"needed ({exc}); " + advice(volume, volume.cluster_size)
            ) from None
        except (NotFat, Damaged) as exc:  # reading back what was written
            raise ImageError(
                f"internal error writing {self.image} ({exc}); the image was "
                "left as it was: please report this"
            ) from None
        except ImageError:
            raise
        except OSError as exc:
            raise ImageError(
                f"cannot write {self.image}: {exc.strerror or exc}; the image was left as it was"
            ) from exc
        except Exception as exc:  # pyfatfs
            raise ImageError(
                f"cannot write {self.image} ({reason(exc)}); the image was left as it was"
            ) from exc

    def _apply(
        self, temporary: Path | ImageBytes, volume: Volume, plan: Plan, keep_freed: bool = False
    ) -> None:
        """Write the plan into ``temporary`` (a copy of the image, on disk or in memory)."""
        writer = Writer(temporary, volume, keep_freed=keep_freed)
        try:
            for edit in edits(volume, plan):
                if isinstance(edit, RemoveEntry):
                    self._remove_entry(writer, edit.fat_path, edit.clusters)
                elif isinstance(edit, MakeFolder):
                    writer.mkdir(edit.fat_path)
                elif isinstance(edit, RewriteFile):
                    writer.rewrite(edit.fat_path, edit.data, edit.fat_time, edit.clusters)
                else:
                    self._write_entry(writer, edit.fat_path, edit.data, edit.fat_time)
            writer.finish()
        except BaseException:
            writer.abort()
            raise

    # separate steps, so that a test can interrupt a sync half-way

    def _copy_image(self, raw: bytes, temporary: Path, target: Path) -> None:
        """The copy the sync writes into: the bytes just read and checked (not the file,
        which may have changed since)."""
        with open(temporary, "wb") as stream:
            stream.write(raw)
        os.chmod(temporary, stat.S_IMODE(os.stat(target).st_mode))

    def _remove_entry(self, writer: Writer, fat_path: str, clusters: list[int]) -> None:
        writer.remove(fat_path, clusters)

    def _write_entry(self, writer: Writer, fat_path: str, data: bytes, fat_time: int) -> None:
        writer.write(fat_path, data, fat_time)
