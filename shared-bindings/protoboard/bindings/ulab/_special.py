"""Special functions: ``erf``, ``erfc``, ``gamma``, ``gammaln``."""

from __future__ import annotations

from protoboard.bindings.ulab import numpy as _numpy

__all__ = ["erf", "erfc", "gamma", "gammaln"]

erf = _numpy.erf
erfc = _numpy.erfc
gamma = _numpy.gamma
gammaln = _numpy.lgamma
