"""Compatibility layer for scipy: ``signal`` (``sosfilt``) and ``special`` (``erf``,
``gamma``...)."""

from __future__ import annotations

import sys

from protoboard.bindings.ulab import _signal as signal
from protoboard.bindings.ulab import _special as special

# ``import ulab.scipy.signal`` finds them as submodules (they live beside this module, so that
# ulab's modules can be found without numpy installed)
__path__: list[str] = []  # a package to the import system, so it looks the names below up
sys.modules[__name__ + ".signal"] = signal
sys.modules[__name__ + ".special"] = special

__all__ = ["signal", "special"]
