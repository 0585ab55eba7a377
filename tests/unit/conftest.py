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
