"""Planning a sync to the image: which paths of ``work`` changed since the last sync, and so
which image entries to remove, which folders to make and which files to write."""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from protoboard.runtime.drive import TEMP_PREFIX
from protoboard.runtime.fatimage.errors import ImageError
from protoboard.runtime.fatimage.fat_time import to_fat_time
from protoboard.runtime.fatimage.hostfs import sha
from protoboard.runtime.fatimage.known import Known
from protoboard.runtime.fatimage.names import check_new_names
from protoboard.runtime.fatimage.relpaths import depth_first, outermost, relative, within


@dataclass(frozen=True)
class Candidates:
    paths: set[str]  # the paths to look at
    must_read: set[str]  # those whose content must be read whatever their stat says


@dataclass
class Plan:
    known: dict[str, Known]  # what both sides will hold once the plan is written
    removes: list[str] = field(default_factory=list)  # outermost paths
    mkdirs: list[str] = field(default_factory=list)  # parents first
    writes: dict[str, tuple[bytes, os.stat_result]] = field(default_factory=dict)
    touched: list[str] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not self.removes and not self.mkdirs and not self.writes


def candidates(work: Path, known: Mapping[str, Known], changed: list[Path] | None) -> Candidates:
    """What a sync of ``changed`` (paths in ``work``; a folder means everything in it; ``work``
    itself or None means everything) must look at."""
    rels = None if changed is None else [relative(work, p) for p in changed]
    if rels is None or "" in rels:
        return Candidates(_everything(work, known), set())
    return Candidates(_named(work, known, rels), set(rels))


def _everything(work: Path, known: Mapping[str, Known]) -> set[str]:
    found = set(known)
    for top, dirnames, filenames in os.walk(work):
        rel_top = Path(top).relative_to(work).as_posix()
        prefix = "" if rel_top == "." else rel_top + "/"
        dirnames[:] = [d for d in dirnames if not d.startswith(TEMP_PREFIX)]
        found.update(prefix + name for name in (*dirnames, *filenames))
    return found


def _named(work: Path, known: Mapping[str, Known], rels: list[str]) -> set[str]:
    """``rels``, their parents, and everything in them (in ``work`` or known)."""
    found: set[str] = set()
    for rel in rels:
        found.add(rel)
        parts = rel.split("/")
        found.update("/".join(parts[:i]) for i in range(1, len(parts)))
        found.update(k for k in known if k.startswith(rel + "/"))
        top_path = work / rel
        if top_path.is_dir() and not top_path.is_symlink():
            for top, dirnames, filenames in os.walk(top_path):
                prefix = Path(top).relative_to(work).as_posix() + "/"
                found.update(prefix + name for name in (*dirnames, *filenames))
    return found


def make_plan(work: Path, known: Mapping[str, Known], looked_at: Candidates) -> Plan:
    """What to change in the image so that it holds what ``work`` holds at the paths looked
    at. Raises ImageError for a file that cannot be read or a name FAT cannot store."""
    plan = Plan(known=dict(known))
    for rel in sorted(looked_at.paths, key=depth_first):
        if rel.rsplit("/", 1)[-1].startswith(TEMP_PREFIX):
            continue
        _plan_path(plan, work / rel, rel, rel in looked_at.must_read)
    # a removed folder takes everything in it
    plan.removes = outermost(plan.removes)
    for rel in list(plan.known):
        if within(rel, plan.removes):
            del plan.known[rel]
    plan.mkdirs = [r for r in plan.mkdirs if r not in plan.known]
    check_new_names(work, [*plan.mkdirs, *plan.writes])
    for rel in plan.mkdirs:
        plan.known[rel] = Known(True)
    for rel, (data, st) in plan.writes.items():
        plan.known[rel] = Known(
            False, len(data), sha(data), st.st_mtime_ns, to_fat_time(st.st_mtime)
        )
    plan.touched = sorted({*plan.removes, *plan.mkdirs, *plan.writes})
    return plan


def _plan_path(plan: Plan, target: Path, rel: str, must_read: bool) -> None:
    st = _copyable_stat(target)
    k = plan.known.get(rel)
    if st is None:
        if k is not None:
            plan.removes.append(rel)
    elif stat.S_ISDIR(st.st_mode):
        if k is None or not k.is_dir:
            if k is not None:
                plan.removes.append(rel)
            plan.mkdirs.append(rel)
    else:
        _plan_file(plan, target, rel, st, must_read)


def _copyable_stat(target: Path) -> os.stat_result | None:
    """The stat of a regular file or a real folder at ``target``; None for nothing, sockets,
    fifos, devices, and folders reached through links (not copied)."""
    try:
        st = target.stat()
    except OSError:
        return None
    if stat.S_ISDIR(st.st_mode):
        return None if target.is_symlink() else st
    return st if stat.S_ISREG(st.st_mode) else None


def _plan_file(plan: Plan, target: Path, rel: str, st: os.stat_result, must_read: bool) -> None:
    k = plan.known.get(rel)
    synced = k if k is not None and not k.is_dir else None  # the file as last synced
    if synced is not None and not must_read:
        if (st.st_size, st.st_mtime_ns) == (synced.size, synced.mtime_ns):
            return
    try:
        data = target.read_bytes()
    except OSError as exc:
        raise ImageError(f"cannot read {target}: {exc.strerror}") from exc
    if synced is not None and sha(data) == synced.sha256:
        plan.known[rel] = replace(synced, mtime_ns=st.st_mtime_ns)
        return
    if k is not None and k.is_dir:
        plan.removes.append(rel)
    plan.writes[rel] = (data, st)
