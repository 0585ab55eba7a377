"""What the VM fork server imports before it serves, and what a spare VM adds while it waits.

The fork server's preload is on the critical path of ``protoboard run`` start-up, so it holds
only what every run needs. A spare VM (prepared in the background, see the supervisor) imports
the rest before it is used, so reloads find everything warm.
"""

from protoboard.runtime import vmserver

vmserver.become_server()  # first: even if an import below fails, runs stay contained

from protoboard import importer, machine, registry, vm  # noqa: E402, F401
from protoboard.bindings import board, digitalio, microcontroller  # noqa: E402, F401
from protoboard.runtime import drive, settings, state, vmprocess, writerule  # noqa: E402, F401

# Warm the built-in simulator (the usual port); another port warms up at its first VM.
registry.builtin_port("sim").boards  # noqa: B018  (reads and caches the board files)
for _name in ("protoboard.ports.sim.digitalio", "protoboard.ports.sim.parts.basic"):
    __import__(_name)

#: imported by a spare VM while it waits for its run
SPARE_IMPORTS = (
    "protoboard.bindings.analogio",
    "protoboard.bindings.busio",
    "protoboard.bindings.pwmio",
    "protoboard.bindings.neopixel_write",
    "protoboard.bindings.supervisor",
    "protoboard.bindings.storage",
    "protoboard.bindings.keypad",
    "protoboard.bindings.rotaryio",
    "protoboard.bindings.countio",
    "protoboard.bindings.nvm",
    "protoboard.bindings.micropython",
    "protoboard.ports.sim.busio",
    "protoboard.ports.sim.analogio",
    "protoboard.ports.sim.pwmio",
    "protoboard.ports.sim.neopixel_write",
    "protoboard.ports.sim.microcontroller",
    "protoboard.runtime.repl",
    "codeop",
    "rlcompleter",
)


def warm_spare() -> None:
    import importlib

    for name in SPARE_IMPORTS:
        importlib.import_module(name)
