"""Golden images: each scene rendered pixel for pixel as CircuitPython's C code renders it,
compared with the PNG committed under tests/golden/displayio/.

Regenerate after a deliberate change with ``PROTOBOARD_UPDATE_GOLDEN=1`` and look at the
pictures before committing them.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops

HERE = Path(__file__).resolve().parents[1] / "golden" / "displayio"


def _golden() -> Any:
    spec = importlib.util.spec_from_file_location("protoboard_golden_support", HERE / "golden.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


golden = _golden()


def compare(name: str, picture: Image.Image) -> None:
    path = HERE / f"{name}.png"
    if os.environ.get("PROTOBOARD_UPDATE_GOLDEN"):
        picture.save(path)
    assert path.exists(), f"no golden image {path.name}: run with PROTOBOARD_UPDATE_GOLDEN=1"
    with Image.open(path) as stored:
        expected = stored.convert("RGB")
    assert expected.size == picture.size
    difference = ImageChops.difference(expected, picture)
    assert difference.getbbox() is None, f"{name}: pixels differ inside {difference.getbbox()}"


@pytest.mark.parametrize("name", sorted(golden.ALL))
def test_golden_scene(name: str) -> None:
    compare(name, golden.image(golden.ALL[name]()))


def test_same_group_renders_the_same_frame_twice() -> None:
    scene = golden.ALL["flip_transpose"]()
    assert golden.frame(scene) == golden.frame(scene)
