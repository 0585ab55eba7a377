"""Build-time material for the tutorial pages (docs/tutorials/), so none of it goes stale.

When the builder starts, for each tutorial listed in ``tutorials/index.toml`` this writes, under
``docs/_generated/tutorials/<name>/``:

* ``wiring.svg``: the wiring picture, drawn by :mod:`protoboard.wiring` from the tutorial's
  ``parts.toml`` and the simulated board's definition;
* ``parts.rst``: the parts list (a table from the same parts file and the parts catalog);
* ``console.txt`` and ``<display>.png``: what the program prints (and, for some, its pin
  changes) and what each display shows, from a run on the simulated board (``tutorial_preview.py``,
  in a process of its own);

and ``docs/_generated/tutorials/<name>.zip``, the project bundle
(:func:`protoboard.project.pack.pack_folder`), which the page links for download.

A tutorial that imports Adafruit libraries runs with the versions pinned in
``tests/interop/requirements.txt``, installed once from PyPI with ``pip --target`` into the
folder the interop tests use (``tests/.cache/adafruit-libs-<hash>``). A run that fails is a
build warning (an error under ``-W``). Runs are skipped when nothing they depend on changed.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tomllib
import uuid
from pathlib import Path
from typing import Any

from sphinx.util import logging

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
TUTORIALS = ROOT / "tutorials"
REQUIREMENTS = ROOT / "tests" / "interop" / "requirements.txt"
CACHE = ROOT / "tests" / ".cache"
RUN_TIMEOUT = 120


def _write_if_changed(path: Path, data: str | bytes) -> None:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    if path.is_file() and path.read_bytes() == raw:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)


def manifest() -> list[dict[str, Any]]:
    with (TUTORIALS / "index.toml").open("rb") as handle:
        return list(tomllib.load(handle)["tutorial"])


def _libraries() -> Path:
    """The pinned Adafruit libraries (the interop tests' folder), installed when missing."""
    digest = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    target = CACHE / f"adafruit-libs-{digest}"
    if target.is_dir():
        return target
    CACHE.mkdir(parents=True, exist_ok=True)
    staging = CACHE / f".installing-{target.name}-{uuid.uuid4().hex[:8]}"
    command = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-input", "--quiet"]
    command += ["--disable-pip-version-check", "--target", str(staging), "-r", str(REQUIREMENTS)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    if done.returncode != 0:
        shutil.rmtree(staging, ignore_errors=True)
        raise RuntimeError(f"could not install the Adafruit libraries from PyPI:\n{done.stderr}")
    try:
        staging.rename(target)
    except OSError:  # another build or test session finished first: use theirs
        shutil.rmtree(staging, ignore_errors=True)
    return target


def _parts_table(folder: Path, board_id: str | None = None) -> str:
    from protoboard.partsfile import read_folder
    from protoboard.ports.sim.parts import CATALOG, summary
    from protoboard.registry import builtin_port

    board = builtin_port("sim").board(board_id)
    specs = read_folder(folder, board)
    lines = [".. list-table::", "   :header-rows: 1", "   :widths: 15 20 25 40", ""]
    rows = [["Name", "Part", "Wired to", "What it is"]]
    for spec in specs:
        wiring = ", ".join(f"{role} → {pin}" for role, pin in spec.connections.items())
        about = summary(spec.type) if spec.type in CATALOG else "a part of your own"
        rows.append([spec.name, spec.type, wiring or "the I2C pins", about])
    for row in rows:
        for i, cell in enumerate(row):
            lines.append(f"   {'*' if i == 0 else ' '} - {cell.replace('`', '') or ' '}")
    if not specs:
        return "Nothing to wire: this tutorial uses only the board's own parts.\n"
    return "\n".join(lines) + "\n"


def _fingerprint(folder: Path, entry: dict[str, Any]) -> str:
    digest = hashlib.sha256(repr(sorted(entry.items())).encode())
    digest.update((HERE / "tutorial_preview.py").read_bytes())
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            digest.update(path.name.encode() + path.read_bytes())
    if entry.get("libraries"):
        digest.update(REQUIREMENTS.read_bytes())
    return digest.hexdigest()


def _preview(folder: Path, out: Path, entry: dict[str, Any]) -> None:
    key = _fingerprint(folder, entry)
    stamp = out / ".preview-key"
    if stamp.is_file() and stamp.read_text() == key and (out / "console.txt").is_file():
        return
    libs = [str(_libraries())] if entry.get("libraries") else []
    command = [sys.executable, str(HERE / "tutorial_preview.py"), str(folder), str(out)]
    command += [str(entry.get("preview_seconds", 1.0)), "1" if entry.get("trace") else "0"]
    command += [entry.get("board", "-"), entry.get("service", "-"), *libs]
    done = subprocess.run(command, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False)
    if done.returncode != 0:
        logger.warning(f"tutorial {folder.name} failed on the simulated board:\n{done.stderr}")
        return
    stamp.write_text(key)


def generate(app: Any) -> None:
    from protoboard.project.pack import pack_folder
    from protoboard.wiring import render_folder

    out = Path(app.srcdir) / "_generated" / "tutorials"
    for entry in manifest():
        folder = TUTORIALS / entry["name"]
        dest = out / entry["name"]
        board = entry.get("board")
        _write_if_changed(dest / "wiring.svg", render_folder(folder, board))
        _write_if_changed(dest / "parts.rst", _parts_table(folder, board))
        pack_folder(folder, out, (10,))
        try:
            _preview(folder, dest, entry)
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            logger.warning(f"tutorial {entry['name']}: no preview ({exc})")


def setup(app: Any) -> dict[str, Any]:
    app.connect("builder-inited", generate)
    return {"version": "1", "parallel_read_safe": True}
