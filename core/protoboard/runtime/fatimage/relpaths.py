"""Paths relative to the drive's root, as the sync keys them: ``"lib/x.py"``, ``""`` for the
root, always with ``/``."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from pathlib import Path, PurePosixPath


def depth_first(rel: str) -> tuple[int, str]:
    """Sort key: parents before what they hold."""
    return rel.count("/"), rel


def within(rel: str, tops: Iterable[str]) -> bool:
    """Whether ``rel`` is one of ``tops`` or inside one of them."""
    return any(rel == top or rel.startswith(top + "/") for top in tops)


def outermost(paths: Iterable[str]) -> list[str]:
    """``paths`` without those inside another of them."""
    chosen: list[str] = []
    for rel in sorted(set(paths), key=depth_first):
        if not any(rel.startswith(c + "/") for c in chosen):
            chosen.append(rel)
    return chosen


def relative(work: Path, path: Path | str) -> str:
    """``path`` (absolute, or relative to ``work``) relative to ``work``; ValueError if it is
    outside."""
    path = Path(path)
    if not path.is_absolute():
        rel = PurePosixPath(path.as_posix())
    else:
        for root in (work, work.resolve()):
            with contextlib.suppress(ValueError):
                rel = PurePosixPath(path.relative_to(root).as_posix())
                break
        else:
            raise ValueError(f"{path} is not in {work}")
    text = str(rel)
    if text == "." or not text:
        return ""
    if ".." in rel.parts:
        raise ValueError(f"{path} is not in {work}")
    return text
