"""Frozen modules: libraries a Protoboard board carries built in, as a real board carries
frozen ``.py`` libraries in its firmware.

This folder is a path entry of a program's import world (:mod:`protoboard.boardimport`),
searched after the drive's root and before ``/lib``: ``circuitpython_typing`` here is imported
as ``circuitpython_typing``, never as ``protoboard.frozen...`` by a program.

* ``circuitpython_typing``: the names Adafruit libraries use in annotations (``ReadableBuffer``,
  ``WriteableBuffer``, ``circuitpython_typing.device_drivers.I2CDeviceDriver``...). Drive
  modules are compiled so that annotations are never evaluated, so the names matter only to
  code that uses them at run time; they are written for Protoboard (not a copy of the PyPI
  package, which needs ``typing_extensions`` and several libraries).
"""
