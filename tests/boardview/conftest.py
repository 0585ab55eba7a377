"""Fixtures of the board view's browser tests (the helpers are in webboard.py)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from webboard import browser  # noqa: F401
