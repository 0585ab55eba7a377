"""Compatibility layer for scipy: ``signal`` (``sosfilt``) and ``special`` (``erf``,
``gamma``...)."""

from __future__ import annotations

from protoboard.bindings.ulab.scipy import signal, special

__all__ = ["signal", "special"]
