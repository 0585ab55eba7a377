"""The image drive's errors: the public ones, whose messages say what to do, and the reader's
and writer's own, which the drive turns into public ones."""

from __future__ import annotations


class ImageError(OSError):
    """The image cannot be used or written (the message says why and what to do)."""


class ImageConflict(ImageError):
    """The same paths changed in the image and in ``work`` since the last sync."""

    #: the paths (relative to ``work``) changed on both sides, when known
    paths: list[str] | None = None


class NotFat(Exception):
    """The bytes are not a FAT volume at all."""


class Damaged(Exception):
    """A FAT volume whose structures are broken (a looping or cross-linked chain, ...)."""


class Full(Exception):
    """pyfatfs found no free cluster (or folder entry) while writing."""


def reason(exc: BaseException) -> str:
    """An exception as a short text for a message: its type, and its text if it has one."""
    text = str(exc).strip().rstrip(".")
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
