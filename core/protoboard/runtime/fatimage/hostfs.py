"""The host's side of the files: reading the image file, new files beside it, replacing it
safely, and the working folder's files."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
import stat
from pathlib import Path

from protoboard.runtime.drive import TEMP_PREFIX
from protoboard.runtime.fatimage.errors import ImageError

#: the largest image read (FAT16 with 32 KiB clusters; a larger file is refused, not read)
MAX_IMAGE = 2 * 1024 * 1024 * 1024

#: what identifies one version of a file for a cheap "did it change" (dev, inode, size, mtime)
Signature = tuple[int, ...]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def signature(st: os.stat_result) -> Signature:
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def read_image(image: Path) -> tuple[bytes, Signature]:
    """The image file's bytes and signature, or an ImageError that says what to do."""
    try:
        with open(image, "rb") as stream:
            st = os.fstat(stream.fileno())
            if stat.S_ISDIR(st.st_mode):
                raise IsADirectoryError(errno.EISDIR, "is a folder")
            if st.st_size > MAX_IMAGE:
                raise ImageError(
                    f"{image} is {st.st_size / 2**30:.1f} GiB, larger than the largest image "
                    f"served ({MAX_IMAGE // 2**30} GiB, FAT16): check that it is the right file"
                )
            # (read(n) reserves n bytes first: ask for what the file holds, not the limit)
            raw = stream.read(min(st.st_size, MAX_IMAGE) + 1)
    except FileNotFoundError:
        raise ImageError(
            f"the image {image} does not exist (was it moved or "
            "deleted?); run again to create a new one"
        ) from None
    except IsADirectoryError:
        raise ImageError(
            f"{image} is a folder, not an image file; use --drive for a folder"
        ) from None
    except ImageError:
        raise
    except OSError as exc:
        raise ImageError(f"cannot read the image {image}: {exc.strerror}") from exc
    return raw, signature(st)


def new_temp(beside: Path) -> Path:
    """A new empty file in ``beside``'s folder, named so the watcher ignores it (mode 0666
    less the umask, as any new file)."""
    for _ in range(100):
        path = beside.with_name(f"{TEMP_PREFIX}{beside.name}.{secrets.token_hex(4)}.tmp")
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666))
        except FileExistsError:
            continue
        return path
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(beside.parent))


def fsync_file(path: Path) -> None:
    with open(path, "rb+") as stream:
        os.fsync(stream.fileno())


def fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        handle = os.open(path, os.O_RDONLY)
        try:
            os.fsync(handle)
        finally:
            os.close(handle)


def publish_new(temporary: Path, path: Path) -> bool:
    """Give ``temporary`` the name ``path`` unless something took that name meanwhile (then
    False)."""
    try:
        os.link(temporary, path)  # fails if the path appeared meanwhile
    except FileExistsError:
        return False
    except OSError:  # no hard links on this file system
        if os.path.lexists(path):
            return False
        os.replace(temporary, path)
    fsync_dir(path.parent)
    return True


def remove_path(path: Path) -> bool:
    """Delete a file or a folder tree; False if there was nothing."""
    if path.is_symlink() or path.is_file():
        path.unlink()
        return True
    if path.is_dir():
        shutil.rmtree(path)
        return True
    if os.path.lexists(path):
        path.unlink()
        return True
    return False


def make_folder(path: Path) -> None:
    """A real folder at ``path``, replacing a file or link there."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        path.unlink()
    path.mkdir(parents=True, exist_ok=True)
