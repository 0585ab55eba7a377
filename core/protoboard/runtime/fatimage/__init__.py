"""The CIRCUITPY drive as a FAT image file (``protoboard run --image FILE``).

A board's CIRCUITPY is a FAT volume; on a Linux board with a USB gadget, the PC sees such a
volume kept in an image file. User code still runs from a folder, ``work`` (a private copy, the
supervisor's cache), and :class:`ImageDrive` keeps the two in step:

* :meth:`ImageDrive.create`: a new image, formatted and filled as a fresh CircuitPython board
  does (``supervisor/shared/filesystem.c``: label ``CIRCUITPY``, ``.fseventsd/no_log``,
  ``.metadata_never_index``, ``.Trashes``, ``.Trash-1000``, an empty ``settings.toml``,
  ``code.py`` = ``print("Hello World!")``, an empty ``lib/``). Never overwrites a file.
* :meth:`ImageDrive.open`: checks the image (never modifying it, whatever it holds) and makes
  ``work`` an exact copy of its tree.
* :meth:`ImageDrive.sync_to_image`: files changed in ``work`` go into the image. The new image
  is built in memory and checked by reading it back; then only the sectors that differ are
  written into the image file, in an order that keeps it whole at every instant
  (:mod:`.inplace`). When the new data does not fit beside the old, the new image is built in a
  copy beside it and renamed over the original instead. Only the changed entries are touched;
  a rewritten file keeps its folder entry where it was.
* :meth:`ImageDrive.sync_from_image`: after someone else (the PC, through the gadget) changed
  the image, ``work`` is updated to match; returns what changed, for autoreload.

What each side last agreed on is recorded per path (size, sha256, the work file's mtime, the
FAT timestamp), so a sync only looks at what changed, and a path changed on *both* sides since
the last sync is a conflict (:class:`ImageConflict`), never silently lost.

FAT semantics: names are matched case-insensitively (as on the board), kept as written (long
file names), and refused when FAT cannot store them (``" * / : < > ? \\ |``, control characters,
a trailing dot or space, two names in one folder that differ only in case). Timestamps are
local time with 2-second resolution: a file extracted into ``work`` gets the image's (even)
mtime.

pyfatfs does the FAT work, through its low-level ``PyFat`` only: its PyFatFS layer imports
PyFilesystem2, which needs ``pkg_resources`` (gone from setuptools 81 on). Its write path has
bugs worked around in :mod:`.pyfatfs_fixes`; the reading is our own walk (:mod:`.reader`).

The modules, in the order a sync to the image uses them: :mod:`.sync` (the drive),
:mod:`.plan` (what changed in ``work``), :mod:`.names`, :mod:`.space` (does it fit),
:mod:`.edits` (the plan as writer steps), :mod:`.writer` and :mod:`.pyfatfs_fixes`, then
:mod:`.reader` and :mod:`.known` (reading the copy back and comparing), and :mod:`.inplace`
(the changed sectors, in order). The other way:
:mod:`.known` (what the image changed) and :mod:`.work`. :mod:`.fresh` makes new images.

Threads: an :class:`ImageDrive` is not thread-safe. The supervisor makes every call from one
thread (its event loop); nothing here starts a thread. Two processes must not sync the same
image at once (each write keeps the image whole, but one's changes would be lost: the second
sees the first's write as a change by another writer and raises :class:`ImageConflict`).
"""

from protoboard.runtime.fatimage.errors import ImageConflict, ImageError
from protoboard.runtime.fatimage.fresh import DEFAULT_SIZE, LABEL
from protoboard.runtime.fatimage.sync import ImageDrive

__all__ = ["DEFAULT_SIZE", "LABEL", "ImageConflict", "ImageDrive", "ImageError"]
