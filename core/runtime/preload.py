"""Imported once by the VM fork server, so every VM starts with Protoboard warm: modules
imported, ports found, board files read. A reload then costs a fork, not an interpreter start."""

from protoboard import importer, machine, registry, vm  # noqa: F401
from protoboard.bindings import (  # noqa: F401  # noqa: F401  # noqa: F401
    analogio,
    board,
    busio,
    digitalio,
    microcontroller,
    neopixel_write,
    pwmio,
    storage,
    supervisor,
)
from protoboard.runtime import drive, repl, settings, state, vmprocess, writerule  # noqa: F401

# Warm the built-in simulator (the usual port); another port warms up at its first VM.
registry.builtin_port("sim").boards  # noqa: B018  (reads and caches the board files)
for _name in ("protoboard.ports.sim.digitalio", "protoboard.ports.sim.busio",
              "protoboard.ports.sim.parts.basic"):
    __import__(_name)
