"""The golden scenes rendered by Adafruit's pure-Python adafruit-blinka-displayio, compared
byte for byte with Protoboard's frames.

Blinka's displayio runs in its own interpreter (``tests/golden/displayio/blinka_render.py``)
from a ``pip install --no-deps --target`` folder, so it never meets Protoboard's displayio.
Every difference is listed in docs/displays-rendering.rst with its reason; this test holds the
list to what actually differs.
"""

from __future__ import annotations

import hashlib
import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import CACHE, _build_atomically, _staging

from protoboard.displaycore import panel_size

pytestmark = pytest.mark.network

GOLDEN = Path(__file__).resolve().parents[1] / "golden" / "displayio"


def _golden() -> Any:
    spec = importlib.util.spec_from_file_location("protoboard_golden_support", GOLDEN / "golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


golden = _golden()
SCENES = golden.SCENES
MODULES = golden.MODULES
BLINKA = [
    "adafruit-blinka-displayio==2.7.1",
    "adafruit-circuitpython-typing==1.13.0",
    "adafruit-circuitpython-bitmap-font==2.5.1",
    "typing-extensions==4.16.0",
]

#: scenes Blinka renders differently, and why (docs/displays-rendering.rst lists the same)
DIFFERENT = {
    # Blinka's terminalio.FONT.bitmap comes from adafruit_bitmap_font, not a displayio.Bitmap,
    # so its own TileGrid refuses it; CircuitPython's FONT.bitmap is a (read-only) Bitmap.
    "font_tiles": "ValueError: Unsupported Bitmap type",
}


@pytest.fixture(scope="module")
def blinka_frames(tmp_path_factory: pytest.TempPathFactory) -> Path:
    key = hashlib.sha256("\n".join([sys.version, *BLINKA]).encode()).hexdigest()[:12]
    lib = CACHE / f"blinka-displayio-{key}"
    if not lib.is_dir():
        staging = _staging(lib)
        command = [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-input",
            "--disable-pip-version-check",
            "--target",
            str(staging),
            *BLINKA,
        ]
        _build_atomically(lib, staging, [command], "adafruit-blinka-displayio")
    out = tmp_path_factory.mktemp("blinka-frames")
    base = getattr(sys, "_base_executable", None) or sys.executable
    done = subprocess.run(
        [base, "-I", str(GOLDEN / "blinka_render.py"), str(out), str(lib)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return out


def our_frame(name: str) -> bytes:
    frame: bytes = golden.frame(SCENES.SHARED[name](MODULES))
    return frame


@pytest.mark.parametrize("name", sorted(SCENES.SHARED))
def test_scene_matches_blinka(blinka_frames: Path, name: str) -> None:
    error = blinka_frames / f"{name}.err"
    if name in DIFFERENT:
        assert error.read_text(encoding="utf-8") == DIFFERENT[name]
        assert our_frame(name)  # ours renders it
        return
    assert not error.exists(), error.read_text(encoding="utf-8") if error.exists() else ""
    theirs = (blinka_frames / f"{name}.bin").read_bytes()
    ours = our_frame(name)
    scene = SCENES.SHARED[name](MODULES)
    width, height = panel_size(scene.width, scene.height, scene.rotation)
    assert len(ours) == len(theirs)
    differing = sum(a != b for a, b in zip(ours, theirs, strict=True))
    assert differing == 0, f"{name}: {differing} of {len(ours)} bytes differ ({width}x{height})"
