"""CircuitPython's versions of standard modules, where they differ from CPython's.

A program's ``import gc`` gets :mod:`protoboard.bindings.stdlib.gc` (see
:data:`protoboard.boardimport.BOARD_STANDARD`); Protoboard's own code keeps CPython's.
"""
