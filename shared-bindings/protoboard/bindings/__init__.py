"""The uniform hardware API: one module per CircuitPython module.

These are the public classes user code sees as ``digitalio``, ``busio``, ... (served by the
runtime's import hook). Each validates and normalises its arguments through
:mod:`protoboard.bindings._validate` and then delegates to the active port's implementation.
Nothing here touches hardware.
"""
