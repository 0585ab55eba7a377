"""Libraries on a CIRCUITPY drive: bundles, versions, installing and updating (pip-like)."""
