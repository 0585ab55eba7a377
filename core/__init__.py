"""Protoboard: CircuitPython's experience wherever CPython runs.

The import package holds the shared runtime (``protoboard.machine``, the import hook, the CLI),
the hardware contract (``protoboard.hal``), the uniform API (``protoboard.bindings``, from the
``shared-bindings/`` source root) and the ports (``protoboard.ports``).
"""

__version__ = "0.1.0"
