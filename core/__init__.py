"""Protoboard: CircuitPython's experience wherever CPython runs.

The import package holds the shared runtime (``protoboard.machine``, the import hook, the CLI),
the hardware contract (``protoboard.hal``), the uniform API (``protoboard.bindings``, from the
``shared-bindings/`` source root) and the ports (``protoboard.ports``).
"""

__version__ = "0.1.0"
#: the date printed in boot_out.txt and the REPL banner, as a board prints its build date
__release_date__ = "2026-11-21"
