"""Fixtures of the tutorial tests: ``tutorial`` and ``adafruit_libs`` (see tutorial_helpers)."""

from __future__ import annotations

import pytest
from tutorial_helpers import Tutorial, adafruit_libs

from protoboard import machine

__all__ = ["adafruit_libs", "tutorial"]


@pytest.fixture
def tutorial(sim_machine: machine.Machine, request: pytest.FixtureRequest) -> Tutorial:
    return Tutorial(sim_machine, request)
