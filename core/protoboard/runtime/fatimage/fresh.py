"""A new image, formatted and filled as a fresh CircuitPython board does
(``supervisor/shared/filesystem.c``); never over an existing file."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

from protoboard.runtime.drive import FIRST_CODE
from protoboard.runtime.fatimage.errors import Full, ImageError, reason
from protoboard.runtime.fatimage.fat_time import to_fat_time
from protoboard.runtime.fatimage.hostfs import fsync_file, new_temp, publish_new
from protoboard.runtime.fatimage.names import is_label
from protoboard.runtime.fatimage.reader import SECTOR, parse_image
from protoboard.runtime.fatimage.writer import Writer, mkfs

DEFAULT_SIZE = 2 * 1024 * 1024
LABEL = "CIRCUITPY"
MIN_SIZE = 64 * 1024
#: FAT16 with 32 KiB clusters
MAX_SIZE = 2 * 1024 * 1024 * 1024

#: what a fresh CircuitPython board puts on CIRCUITPY, in the order filesystem.c writes it
#: (folders end with "/")
FIRST_BOOT: tuple[tuple[str, bytes], ...] = (
    (".fseventsd/", b""),
    (".fseventsd/no_log", b""),
    (".metadata_never_index", b""),
    (".Trashes", b""),
    (".Trash-1000", b""),
    ("settings.toml", b""),
    ("code.py", FIRST_CODE.encode()),
    ("lib/", b""),
)


def create_image(image: Path, size_bytes: int, label: str) -> bool:
    """Make ``image`` a new image with a fresh board's contents. Returns False, and leaves the
    file alone, if it already exists. ``size_bytes`` is rounded up to whole sectors."""
    size = _checked_size(size_bytes)
    label = _checked_label(label)
    if os.path.lexists(image):
        return False
    try:
        image.parent.mkdir(parents=True, exist_ok=True)
        temporary = new_temp(image)
    except OSError as exc:
        raise ImageError(f"cannot create the image {image}: {exc.strerror}") from exc
    try:
        with _creation_errors(image, size):
            _build(temporary, size, label)
            fsync_file(temporary)
            return publish_new(temporary, image)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _checked_size(size_bytes: int) -> int:
    size = -(-int(size_bytes) // SECTOR) * SECTOR
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise ImageError(
            f"an image must be between {MIN_SIZE // 1024} KiB and "
            f"{MAX_SIZE // 2**30} GiB, not {size_bytes} bytes"
        )
    return size


def _checked_label(label: str) -> str:
    label = label.upper()
    if not is_label(label):
        raise ImageError(
            f"{label!r} cannot be a FAT volume label (1 to 11 letters, digits, "
            "spaces or _-!#$%&'()@^`{}~)"
        )
    return label


def _build(path: Path, size: int, label: str) -> None:
    """Format ``path`` and fill it as a fresh board; checked by reading it back."""
    mkfs(path, size, label)
    writer = Writer(path, parse_image(path.read_bytes(), path))
    now = to_fat_time(time.time())
    try:
        for rel, data in FIRST_BOOT:
            if rel.endswith("/"):
                writer.mkdir("/" + rel.rstrip("/"))
            else:
                writer.write("/" + rel, data, now)
        writer.finish()
    except BaseException:
        writer.abort()
        raise
    volume = parse_image(path.read_bytes(), path)
    expected = {rel.rstrip("/") for rel, _ in FIRST_BOOT}
    if (set(volume.files) | set(volume.dirs)) - {""} != expected:
        raise ImageError(f"internal error: the new image holds {sorted(volume.files)}")


@contextlib.contextmanager
def _creation_errors(image: Path, size: int) -> Iterator[None]:
    """Whatever goes wrong making the image, as an ImageError."""
    try:
        yield
    except Full as exc:
        raise ImageError(f"{size} bytes are too few for a CIRCUITPY image ({exc})") from None
    except ImageError:
        raise
    except OSError as exc:
        raise ImageError(f"cannot create the image {image}: {exc.strerror or exc}") from exc
    except Exception as exc:  # pyfatfs
        raise ImageError(f"cannot create the image {image} ({reason(exc)})") from exc
