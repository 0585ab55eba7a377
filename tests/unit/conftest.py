from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import recording

from protoboard.machine import Machine
from protoboard.testing import activated


@pytest.fixture
def rec() -> Iterator[Any]:
    """The recording port's backend, with its machine active and modules importable."""
    with activated(Machine(recording.PORT, recording.BOARD)) as target:
        yield target.backend


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Any]:
    """A local HTTP server (``http_fixture.LocalServer``) serving ``tmp_path / "www"``."""
    from http_fixture import LocalServer

    with LocalServer(tmp_path / "www") as s:
        yield s


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A download-cache folder of this test's own."""
    return tmp_path / "cache"
