"""Delete a folder tree of any depth, without recursion, within a time limit.

``shutil.rmtree`` (and ``os.walk``) recurse once per level in Python 3.11: a folder 1500 levels
deep raises ``RecursionError`` halfway and leaves the tree. Here the walk keeps one open folder
at a time and climbs back through ``..`` (checking it is the folder it came from), so neither the
depth nor the length of the paths matters, and a symlink is removed, never followed.
"""

from __future__ import annotations

import os
import stat
import time

_DIR = os.O_RDONLY | os.O_DIRECTORY | getattr(os, "O_CLOEXEC", 0)
_DOWN = _DIR | getattr(os, "O_NOFOLLOW", 0)


class TreeNotRemoved(OSError):
    """Deleting stopped before the end; ``removed`` entries were deleted, the rest remains."""

    def __init__(self, reason: str, removed: int) -> None:
        super().__init__(reason)
        self.reason = reason
        self.removed = removed


def _identity(fd: int) -> tuple[int, int]:
    st = os.fstat(fd)
    return st.st_dev, st.st_ino


def _first_folder_after_clearing(fd: int) -> tuple[str | None, int]:
    """Delete every non-folder in the open folder ``fd``; (name of a sub-folder or None, count)."""
    removed = 0
    with os.scandir(fd) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                return entry.name, removed
            os.unlink(entry.name, dir_fd=fd)
            removed += 1
    return None, removed


def remove_tree(parent: str | os.PathLike[str], name: str, deadline: float | None = None) -> int:
    """Delete the folder ``parent/name`` and everything in it; returns the entries deleted.

    Raises :class:`TreeNotRemoved` if it cannot finish (an error, a folder moved meanwhile,
    ``time.monotonic()`` past ``deadline``): what was deleted stays deleted."""
    if not (os.supports_dir_fd >= {os.open, os.unlink, os.rmdir} and os.scandir in os.supports_fd):
        return _remove_by_paths(os.path.join(parent, name), deadline)  # pragma: no cover
    removed = 0
    top = os.open(parent, _DIR)
    fds = [top]  # fds[-1]: the folder being emptied; at most two are open
    names: list[str] = []  # folder names from parent down to fds[-1]
    ids = [_identity(top)]
    try:
        fds.append(os.open(name, _DOWN, dir_fd=top))
        names.append(name)
        ids.append(_identity(fds[-1]))
        fds[0] = -1  # top is reopened through ".." when needed
        os.close(top)
        while names:
            if deadline is not None and time.monotonic() > deadline:
                raise TreeNotRemoved("it took too long", removed)
            child, count = _first_folder_after_clearing(fds[-1])
            removed += count
            if child is not None:
                inner = os.open(child, _DOWN, dir_fd=fds[-1])
                os.close(fds.pop())
                fds.append(inner)
                names.append(child)
                ids.append(_identity(inner))
                continue
            up = os.open("..", _DIR, dir_fd=fds[-1])
            ids.pop()
            if _identity(up) != ids[-1]:
                os.close(up)
                raise TreeNotRemoved("a folder in it was moved while it was being deleted", removed)
            os.close(fds.pop())
            fds.append(up)
            os.rmdir(names.pop(), dir_fd=up)
            removed += 1
    except TreeNotRemoved:
        raise
    except OSError as error:
        raise TreeNotRemoved(error.strerror or str(error), removed) from error
    finally:
        for fd in fds:
            if fd >= 0:
                os.close(fd)
    return removed


def _remove_by_paths(path: str, deadline: float | None) -> int:  # pragma: no cover (Windows)
    """The same walk with paths, for systems without ``dir_fd`` (depth limited by path length)."""
    removed = 0
    stack = [path]
    try:
        while stack:
            if deadline is not None and time.monotonic() > deadline:
                raise TreeNotRemoved("it took too long", removed)
            folder = stack[-1]
            sub = None
            with os.scandir(folder) as entries:
                for entry in entries:
                    if stat.S_ISDIR(entry.stat(follow_symlinks=False).st_mode):
                        sub = entry.path
                        break
                    os.unlink(entry.path)
                    removed += 1
            if sub is None:
                os.rmdir(stack.pop())
                removed += 1
            else:
                stack.append(sub)
    except OSError as error:
        if isinstance(error, TreeNotRemoved):
            raise
        raise TreeNotRemoved(error.strerror or str(error), removed) from error
    return removed
