"""The display core: CircuitPython's displayio internals (rendering, refresh, bus addressing)."""
