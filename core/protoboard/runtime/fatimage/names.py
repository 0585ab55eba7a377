"""What FAT can name: names are matched case-insensitively (as on the board), kept as written
(long file names), and refused when FAT cannot store them."""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from pathlib import Path

from protoboard.runtime.drive import TEMP_PREFIX
from protoboard.runtime.fatimage.errors import ImageError

#: characters a FAT long file name cannot hold (besides control characters)
FAT_INVALID = frozenset('"*/:<>?\\|')
#: pyfatfs checks the UTF-16 *byte* length of a long name against 255
MAX_NAME = 127
#: characters a volume label cannot hold besides those of FAT_INVALID
_LABEL_INVALID = frozenset("+,.;=[]")


def name_problem(name: str) -> str | None:
    """Why FAT cannot store a file or folder called ``name``, or None."""
    bad = sorted({c for c in name if c in FAT_INVALID or ord(c) < 32})
    if bad:
        shown = " ".join(repr(c)[1:-1] for c in bad)
        return f"FAT names cannot contain {shown}"
    if name.endswith((".", " ")):
        return "FAT names cannot end with a dot or a space"
    if len(name.encode("utf-16-le")) // 2 > MAX_NAME:
        return f"names longer than {MAX_NAME} characters are not supported"
    return None


def is_label(label: str) -> bool:
    """Whether ``label`` (upper case) can be a FAT volume label."""
    return (
        1 <= len(label) <= 11
        and label.isascii()
        and not any(c in FAT_INVALID or c in _LABEL_INVALID or ord(c) < 32 for c in label)
    )


def lfn_slots(name: str) -> int:
    """The 32-byte folder entries ``name`` takes: one 8.3 entry, plus its long name's."""
    from pyfatfs.EightDotThree import EightDotThree

    if EightDotThree.is_8dot3_conform(name):
        return 1
    return 1 + math.ceil(len(name.encode("utf-16-le")) / 26)


def check_new_names(work: Path, added: Iterable[str]) -> None:
    """Refuse paths about to be added that FAT cannot store, and folders in ``work`` (those
    that get new entries) holding two names that differ only in case."""
    added = list(added)
    for rel in added:
        problem = name_problem(rel.rsplit("/", 1)[-1])
        if problem:
            raise ImageError(f"'{rel}' cannot be copied to the image: {problem}; rename it")
    parents = {rel.rsplit("/", 1)[0] if "/" in rel else "" for rel in added}
    for parent in sorted(parents):
        try:
            names = sorted(os.listdir(work / parent))
        except OSError:
            continue
        _check_case_clash(parent, names)


def _check_case_clash(parent: str, names: list[str]) -> None:
    seen: dict[str, str] = {}
    for name in names:
        if name.startswith(TEMP_PREFIX):
            continue
        if name.upper() in seen:
            where = f"{parent}/" if parent else ""
            raise ImageError(
                f"'{where}{seen[name.upper()]}' and '{where}{name}' differ only in "
                "case: a FAT drive cannot hold both; rename or delete one"
            )
        seen[name.upper()] = name
