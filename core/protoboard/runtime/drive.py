"""The CIRCUITPY drive as a folder: where it lives, what a first boot puts on it, which file a
run executes, and how ``boot_out.txt`` is written.

Files are laid out and chosen as CircuitPython does (``supervisor/shared/filesystem.c`` and
``main.c``); every write the supervisor makes is atomic (temporary file, then rename).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

#: temporary files of Protoboard's own atomic writes: the watcher ignores them (only the final
#: rename counts as a change)
TEMP_PREFIX = ".protoboard-"
TEMP_PATTERN = f"{TEMP_PREFIX}*"

#: the order CircuitPython tries code files in
CODE_FILES = ("code.txt", "code.py", "main.py", "main.txt")
#: tried next, with a warning: names a hidden ".txt" or ".py" extension produced
DOUBLE_EXTENSION_FILES = (
    "code.txt.py",
    "code.py.txt",
    "code.txt.txt",
    "code.py.py",
    "main.txt.py",
    "main.py.txt",
    "main.txt.txt",
    "main.py.py",
)
BOOT_FILES = ("boot.py", "boot.txt")
SAFEMODE_FILES = ("safemode.py", "safemode.txt")
DOUBLE_EXTENSION_WARNING = "WARNING: Your code filename has two extensions\n"
BOOT_OUT_LIMIT = 512
TRUNCATED = "[truncated due to length]\n"

FIRST_CODE = 'print("Hello World!")\n'


class DriveError(OSError):
    """The drive folder cannot be used (the message says why and what to do)."""


def default_location() -> Path:
    """Where ``protoboard run`` keeps its CIRCUITPY folder when ``--drive`` is not given."""
    from platformdirs import user_data_path

    return user_data_path("protoboard", appauthor=False) / "CIRCUITPY"


def image_work_folder(image: Path) -> Path:
    """The private folder the VMs run from when the drive is a FAT image (one per image)."""
    import hashlib

    from platformdirs import user_cache_path

    key = hashlib.sha256(str(Path(image).absolute()).encode()).hexdigest()[:16]
    return user_cache_path("protoboard", appauthor=False) / "images" / key


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old or the new file, never a part."""
    handle, temporary = tempfile.mkstemp(
        dir=path.parent, prefix=f"{TEMP_PREFIX}{path.name}.", suffix=".tmp"
    )
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@dataclass(frozen=True)
class CodeChoice:
    path: Path
    warning: str = ""


class Drive:
    """A CIRCUITPY drive kept in a folder."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root).expanduser().absolute()

    def __repr__(self) -> str:
        return f"Drive({str(self.root)!r})"

    def check(self) -> None:
        """Raise :class:`DriveError` with advice when the folder is unusable."""
        if not self.root.exists():
            raise DriveError(
                f"the drive folder {self.root} does not exist (was it deleted or "
                "unmounted?); restart protoboard run to create a new one"
            )
        if not self.root.is_dir():
            raise DriveError(f"{self.root} is a file, not a folder; use --drive with a folder")

    def first_boot(self) -> bool:
        """Create the drive as a fresh CircuitPython board formats it; leave an existing drive
        alone (nothing of the user's is ever overwritten). Returns True if it was created."""
        created = not self.root.exists()
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise DriveError(f"cannot create the drive folder {self.root}: {exc.strerror}") from exc
        if not created and any(self.root.iterdir()):
            return False
        (self.root / "lib").mkdir(exist_ok=True)
        for name, content in (("code.py", FIRST_CODE), ("settings.toml", "")):
            target = self.root / name
            if not target.exists():
                atomic_write(target, content.encode())
        return True

    def choose_code(self, requested: str | None = None) -> CodeChoice | None:
        """The file a run executes: the ``supervisor.set_next_code_file()`` file, then the first
        of code.txt, code.py, main.py, main.txt, then a double-extension name (with a warning)."""
        if requested:
            path = self.resolve(requested)
            return CodeChoice(path) if path.is_file() else None
        for name in CODE_FILES:
            if (self.root / name).is_file():
                return CodeChoice(self.root / name)
        for name in DOUBLE_EXTENSION_FILES:
            if (self.root / name).is_file():
                return CodeChoice(self.root / name, DOUBLE_EXTENSION_WARNING)
        return None

    def first_of(self, names: tuple[str, ...]) -> Path | None:
        return next((self.root / n for n in names if (self.root / n).is_file()), None)

    def resolve(self, name: str) -> Path:
        """A path named by the program or a workflow, inside the drive or refused."""
        candidate = (self.root / name.lstrip("/")).resolve()
        root = self.root.resolve()
        if candidate != root and root not in candidate.parents:
            raise DriveError(f"'{name}' is outside the drive")
        return candidate

    def write_boot_out(self, text: str) -> bool:
        """Write boot_out.txt as CircuitPython does: at most 512 bytes, and only if it changed
        (saves flash on a board, and a pointless autoreload here). Returns True if written."""
        data = text.encode("utf-8", "replace")
        if len(data) > BOOT_OUT_LIMIT:
            data = data[: BOOT_OUT_LIMIT - len(TRUNCATED)] + TRUNCATED.encode()
        target = self.root / "boot_out.txt"
        with contextlib.suppress(OSError):
            if target.read_bytes() == data:
                return False
        atomic_write(target, data)
        return True
