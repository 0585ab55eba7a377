"""The bundle builder's deterministic zip writer: the same files and tag give the same bytes.

Written by hand rather than with :mod:`zipfile` for two reasons. Compressed data is shared:
the examples, requirements and data files repeat in the py zip, every N.x-mpy zip and the
examples zip, and a :class:`Deflater` compresses each distinct content once per build, which
:mod:`zipfile` (it compresses every entry itself) cannot use. And every byte is fixed here, not
left to a Python version or platform: names sorted, the tag's date as every time stamp, mode
0644 and "made on Unix" on any system, deflate level 6, no extra fields, no data descriptors, the
comment build-tools writes. No zip64: a bundle too large for plain zip is refused.
"""

from __future__ import annotations

import hashlib
import io
import json
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path

from protoboard.bundler.errors import BundlerError

__all__ = ["Deflater", "write_zip"]


def _zip_name(top: str, rel: str) -> str:
    """build-tools turns dashes in file names (not folders) into underscores."""
    folder, _, name = rel.rpartition("/")
    name = name.replace("-", "_")
    return f"{top}/{folder}/{name}" if folder else f"{top}/{name}"


class Deflater:
    """Raw deflate (level 6, as build-tools) of each distinct content once per build: the
    examples, requirements and data files repeat in every zip. Thread-safe enough: two threads
    racing on one content compute the same bytes."""

    def __init__(self) -> None:
        self._done: dict[bytes, bytes] = {}

    def __call__(self, data: bytes) -> bytes:
        key = hashlib.sha256(data).digest()
        packed = self._done.get(key)
        if packed is None:
            engine = zlib.compressobj(6, zlib.DEFLATED, -15)
            packed = self._done[key] = engine.compress(data) + engine.flush()
        return packed


def write_zip(
    path: Path, top: str, tree: Mapping[str, bytes], tag: str, deflate: Deflater | None = None
) -> None:
    """A deterministic zip, written by hand so that nothing varies: sorted names, the tag's date
    as every time stamp, mode 0644 (made on Unix), deflate level 6, no extra fields, the
    comment build-tools writes."""
    deflate = deflate or Deflater()
    entries = _entries(path, top, tree)
    date = (int(tag[:4]) - 1980) << 9 | int(tag[4:6]) << 5 | int(tag[6:])
    body = io.BytesIO()
    central = []
    for name in sorted(entries):
        data = entries[name]
        raw = name.encode("utf-8")
        flags = 0 if raw.isascii() else 0x800  # UTF-8 names flagged as zipfile does
        packed = deflate(data)
        # the fields both headers share: version 20, flags, deflate, time 0, date, sizes
        fields = (20, flags, 8, 0, date, zlib.crc32(data), len(packed), len(data), len(raw))
        offset = body.tell()
        body.write(struct.pack("<4s5H3L2H", b"PK\x03\x04", *fields, 0) + raw + packed)
        central.append(
            struct.pack(
                "<4s6H3L5H2L",
                b"PK\x01\x02",
                3 << 8 | 20,  # made by: Unix, version 2.0
                *fields,
                0,
                0,
                0,
                0,
                0o100644 << 16,
                offset,
            )
            + raw
        )
    body.write(_directory_end(central, body.tell()))
    path.write_bytes(body.getvalue())


def _entries(path: Path, top: str, tree: Mapping[str, bytes]) -> dict[str, bytes]:
    """The zip's names and contents; refuses clashing names and what needs zip64."""
    entries: dict[str, bytes] = {}
    for rel, data in tree.items():
        name = _zip_name(top, rel)
        if name in entries:
            raise BundlerError(
                f"two files would both be {name} in {path.name}",
                "build-tools turns '-' into '_' in file names: rename one",
            )
        entries[name] = data
    if len(entries) >= 0xFFFF or sum(map(len, entries.values())) >= 0xFFFFFFFF:
        raise BundlerError(
            f"{path.name}: too large for a zip without zip64",
            "split the manifest into smaller bundles",
        )
    return entries


def _directory_end(central: list[bytes], start: int) -> bytes:
    """The central directory (starting at ``start``) and its end record with the comment."""
    directory = b"".join(central)
    comment = json.dumps({"build-tools-version": "protoboard-bundler"}).encode()
    end = struct.pack(
        "<4s4H2LH",
        b"PK\x05\x06",
        0,
        0,
        len(central),
        len(central),
        len(directory),
        start,
        len(comment),
    )
    return directory + end + comment
