"""The bounds on everything the updater reads from a stranger: bundles, downloads, drives.

A bundle, a download, a drive's manifest or journal, a board's web reply: each may be hostile
(a zip bomb, an endless body, JSON nested 100,000 deep). Every size the updater accepts is
bounded here, far above what real bundles use, so a refusal always means something is wrong
with the input, never that a real library grew. The numbers, measured on the real Adafruit
libraries in ``tests/.cache/`` (58 library files, and 2028 Python files over 1 KiB of the pip
and setuptools trees next to them):

* the largest library file is 165,012 bytes (``typing_extensions.py``); :data:`MAX_FILE_BYTES`
  is 4 MiB, 25 times that, and a quarter of the largest CircuitPython drives (16 MB);
* the best deflate ratio of a library file is 4.7:1 (level 9), of any of those Python files
  19.1:1; :data:`MAX_RATIO` is 100:1, five times past the most compressible real file. A
  deflate bomb reaches 1032:1. Files under :data:`RATIO_FLOOR` inflated are not held to it
  (they are small whatever their ratio: an empty ``__init__.py`` "compresses" 1:0);
* one library's files together: at most :data:`MAX_LIBRARY_BYTES` (32 MiB), and never more
  than the drive's free space, both checked from the zip's directory before any inflating.

:func:`loads` is the one JSON parser for what the updater reads: bounded in bytes, nesting
depth and integer digits; anything else is a :class:`BadJSON` (a ValueError) whose text says
what was wrong, for the caller to wrap in a message naming the file and the fix.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = [
    "CHUNK",
    "MAX_DOWNLOAD_BYTES",
    "MAX_FILE_BYTES",
    "MAX_JOURNAL_BYTES",
    "MAX_JSON_BYTES",
    "MAX_JSON_DEPTH",
    "MAX_JSON_DIGITS",
    "MAX_LIBRARY_BYTES",
    "MAX_MANIFEST_BYTES",
    "MAX_RATIO",
    "MAX_REPLY_BYTES",
    "MAX_ZIP_ENTRIES",
    "RATIO_FLOOR",
    "BadJSON",
    "loads",
]

#: bytes read or written at a time when streaming a file
CHUNK = 64 * 1024
#: the largest library file (inflated) the updater installs
MAX_FILE_BYTES = 4 * 1024 * 1024
#: the largest ratio of inflated to compressed size of a file of at least RATIO_FLOOR bytes
MAX_RATIO = 100
RATIO_FLOOR = 64 * 1024
#: one library's files together
MAX_LIBRARY_BYTES = 32 * 1024 * 1024
#: entries in a bundle zip or files in a bundle folder (Adafruit's bundle: about 4,000)
MAX_ZIP_ENTRIES = 100_000
#: a download (Adafruit's largest bundle zip: a few MB)
MAX_DOWNLOAD_BYTES = 256 * 1024 * 1024
#: a bundle's JSON (Adafruit's: about 300 KB), the sources config, a sidecar
MAX_JSON_BYTES = 32 * 1024 * 1024
MAX_JSON_DEPTH = 32  # a bundle's JSON is 3 deep, a manifest 4
MAX_JSON_DIGITS = 40  # sizes and times fit in 20
#: the install manifest and journal on a drive
MAX_MANIFEST_BYTES = 8 * 1024 * 1024
MAX_JOURNAL_BYTES = 8 * 1024 * 1024
#: a board's web-workflow reply that is not a library file (a listing, version.json)
MAX_REPLY_BYTES = 8 * 1024 * 1024


class BadJSON(ValueError):
    """Text that is not JSON the updater accepts; ``str()`` says why, in plain words."""


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_JSON_DIGITS:
        raise BadJSON(f"a number {len(text)} digits long (more than {MAX_JSON_DIGITS})")
    return int(text)


def _float(text: str) -> float:
    if len(text) > MAX_JSON_DIGITS * 2:
        raise BadJSON(f"a number {len(text)} characters long")
    return float(text)


def _constant(text: str) -> Any:
    raise BadJSON(f"{text} is not a JSON value")


def _depth(value: Any, limit: int) -> None:
    """Raise BadJSON if ``value`` nests deeper than ``limit`` (iteratively: no recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            children: Any = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if depth > limit:
            raise BadJSON(f"nested more than {limit} levels deep")
        stack.extend((child, depth + 1) for child in children)


def loads(
    data: bytes | str, *, max_bytes: int = MAX_JSON_BYTES, max_depth: int = MAX_JSON_DEPTH
) -> Any:
    """Parse JSON text with bounds; :class:`BadJSON` for anything past them or malformed."""
    if len(data) > max_bytes:
        raise BadJSON(f"{len(data)} bytes, more than the {max_bytes} accepted")
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError as exc:
        raise BadJSON(f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        value = json.loads(text, parse_int=_int, parse_float=_float, parse_constant=_constant)
    except BadJSON:
        raise
    except RecursionError:
        raise BadJSON(f"nested more than {max_depth} levels deep") from None
    except ValueError as exc:  # JSONDecodeError, and int()'s own digit limit
        raise BadJSON(str(exc)) from None
    _depth(value, max_depth)
    return value
