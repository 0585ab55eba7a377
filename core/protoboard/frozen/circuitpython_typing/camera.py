"""The camera sensor protocol (``circuitpython_typing.camera``)."""

from __future__ import annotations

from . import CameraSensor

__all__ = ["CameraSensor"]
