"""The contract between the uniform API (bindings) and the ports.

One abstract base class per peripheral, at the same relative path as its binding
(``protoboard.hal.digitalio`` mirrors ``protoboard.bindings.digitalio``). Implementations receive
only validated, normalised arguments and raise only the error types in :mod:`protoboard.hal.errors`;
the bindings turn those into CircuitPython's exceptions and messages.
"""
