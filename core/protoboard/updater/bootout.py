"""Read ``boot_out.txt``: which firmware (and major version) a CIRCUITPY drive belongs to.

Formats (``main.c`` / ``py/makeversionhdr.py`` of CircuitPython; ``core/runtime`` here)::

    Adafruit CircuitPython 9.2.1 on 2024-11-20; Adafruit Feather RP2040 with rp2040
    Board ID:adafruit_feather_rp2040            (7.x wrote only these two lines)
    UID:E6614C311B597D2A                        (8.x+, boards with a UID)
    MAC:AA:BB:CC:DD:EE:FF                       (8.x+, espressif and Pico W)
    boot.py output:                             (only if boot.py exists)
    ...
    [truncated due to length]                   (file capped at 512 bytes)

    Protoboard 0.1.0 on 2026-11-21; <board> with <mcu>     (then Board ID:, UID:)

:func:`parse_boot_out` never raises: anything it cannot read leaves fields None, and an
unknown first line gives kind "unknown" (the updater then asks or takes ``--cpy-version``).
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path

from packaging.version import InvalidVersion, Version

__all__ = ["TRUNCATED_MARKER", "BootOut", "parse_boot_out", "read_boot_out"]

TRUNCATED_MARKER = "[truncated due to length]"

_FIRST_LINE = re.compile(
    r"^(?P<firmware>Adafruit CircuitPython|CircuitPython|Protoboard)\s+(?P<version>[^\s;]+)"
    r"(?P<tail>.*)$"
)
_TAIL = re.compile(r"^\s+on\s+(?P<date>\d{4}-\d{2}-\d{2})(?:\s*;\s*(?P<rest>.*))?$")
_LEADING_RELEASE = re.compile(r"^v?(\d+(?:\.\d+)*)")
# 9.0.0, 9.0.0-alpha.2, 9.0.0-beta.0-12-gabcdef1, 8.2.10-dirty, 10.0.0-rc.1
_VERSION = re.compile(
    r"^v?(?P<release>\d+(?:\.\d+)*)"
    r"(?:-(?P<pre>alpha|beta|rc)\.?(?P<pre_n>\d+))?"
    r"(?:-(?P<dev>\d+)-g(?P<hash>[0-9a-f]+))?"
    r"(?P<dirty>-dirty)?$"
)
_PRE = {"alpha": "a", "beta": "b", "rc": "rc"}


@dataclass(frozen=True)
class BootOut:
    kind: str  # "circuitpython", "protoboard" or "unknown"
    version: Version | None
    board_name: str | None
    mcu: str | None
    board_id: str | None
    uid: str | None
    raw: str
    version_text: str | None = None  # the version as written ("9.0.0-alpha.2-12-gabc")
    build_date: str | None = None
    mac: str | None = None
    boot_py_output: str | None = None
    truncated: bool = False

    @property
    def major(self) -> int | None:
        return self.version.major if self.version is not None else None


def parse_version(text: str) -> Version | None:
    """A CircuitPython tag or ``git describe`` string as a packaging Version (or None):
    ``9.0.0-alpha.2-12-gabc`` becomes ``9.0.0a2.post12+gabc`` (after 9.0.0a2, before 9.0.0)."""
    m = _VERSION.match(text)
    if m is None:
        try:
            return Version(text)
        except InvalidVersion:
            pass
        # cut short ("9.2.1-alp", "10."): the release numbers are still right
        lead = _LEADING_RELEASE.match(text)
        return Version(lead[1]) if lead else None
    s = m["release"]
    if m["pre"]:
        s += f"{_PRE[m['pre']]}{m['pre_n']}"
    if m["dev"]:
        # commits after a tag: a post-release of it, not a pre-release of the next one
        s += f".post{m['dev']}+g{m['hash']}"
    try:
        return Version(s)
    except InvalidVersion:  # pragma: no cover - the regex only builds valid versions
        return None


def parse_boot_out(text: str) -> BootOut:
    """Parse boot_out.txt's text (any line endings, possibly cut short). Never raises."""
    if not isinstance(text, str):
        text = bytes(text).decode("utf-8", "replace")
    raw = text
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    truncated = TRUNCATED_MARKER in text
    if truncated:
        text = text[: text.index(TRUNCATED_MARKER)]
    lines = text.split("\n")
    # the first non-blank line is the version line
    while lines and not lines[0].strip():
        lines.pop(0)
    first = _first_line(lines.pop(0).strip() if lines else "")
    keys, boot_py_output = _key_lines(lines)
    return BootOut(
        first.kind,
        first.version,
        first.board_name,
        first.mcu,
        keys.get("Board ID"),
        keys.get("UID"),
        raw,
        first.version_text,
        first.date,
        keys.get("MAC"),
        boot_py_output,
        truncated,
    )


@dataclass(frozen=True)
class _FirstLine:
    kind: str = "unknown"
    version: Version | None = None
    version_text: str | None = None
    date: str | None = None
    board_name: str | None = None
    mcu: str | None = None


def _first_line(first: str) -> _FirstLine:
    """``Adafruit CircuitPython 9.2.1 on 2024-11-20; Board Name with MCU``."""
    m = _FIRST_LINE.match(first)
    if not m:
        return _FirstLine()
    kind = "protoboard" if m["firmware"] == "Protoboard" else "circuitpython"
    tail = _TAIL.match(m["tail"])
    rest = (tail["rest"] or "").strip() if tail else ""
    board_name = mcu = None
    if rest:
        name, sep, chip = rest.rpartition(" with ")
        if not sep:
            name, chip = rest, ""
        board_name, mcu = name.strip() or None, chip.strip() or None
    return _FirstLine(
        kind,
        parse_version(m["version"]),
        m["version"],
        tail["date"] if tail else None,
        board_name,
        mcu,
    )


def _key_lines(lines: list[str]) -> tuple[dict[str, str | None], str | None]:
    """The ``Board ID:``, ``UID:`` and ``MAC:`` values (the first of each), and what follows
    ``boot.py output:``."""
    keys: dict[str, str | None] = {}
    for index, line in enumerate(lines):
        if line.strip() == "boot.py output:":
            return keys, "\n".join(lines[index + 1 :]).strip("\n")
        key, sep, value = line.partition(":")
        key = key.strip()
        if sep and key in ("Board ID", "UID", "MAC") and keys.get(key) is None:
            keys[key] = value.strip() or None
    return keys, None


#: how much of boot_out.txt is read (CircuitPython writes a few hundred bytes)
MAX_BOOT_OUT_BYTES = 64 * 1024


def read_boot_out(drive: Path | str) -> BootOut | None:
    """Parse ``<drive>/boot_out.txt``; None if there is no such file. Other OSErrors (a
    permission problem, a vanished drive) propagate."""
    path = Path(drive) / "boot_out.txt"
    try:
        # never through a link, and only its start: the real file is a few hundred bytes
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as f:
            data = f.read(MAX_BOOT_OUT_BYTES)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return None  # a symbolic link: not the board's file
        raise
    return parse_boot_out(data.decode("utf-8", "replace"))
