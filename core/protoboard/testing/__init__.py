"""Test your own hardware code against the simulated board.

The pytest plugin (installed with Protoboard) gives you fixtures:

* ``sim``: a fresh simulated board (a :class:`~protoboard.ports.sim.Simulator`) for each test,
  with ``board``, ``digitalio``... importable as on a real board;
* ``run_code``: run a ``code.py`` (a path or source text) on that board, optionally for a
  limited time, and get a :class:`~protoboard.vm.RunResult`.

Choose another board with ``@pytest.mark.board("adafruit_feather_rp2040")``.
Outside pytest use :func:`simulated_board`.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from protoboard import importer, machine
from protoboard.hal.simulated import SimulatedWorld


@contextlib.contextmanager
def activated(target: machine.Machine) -> Iterator[machine.Machine]:
    """Make ``target`` the active machine, with the built-in modules served, for a ``with``
    block; the previous machine and modules come back afterwards and ``target`` is closed."""
    was_installed = importer.installed()
    importer.install()
    importer.forget_served()
    previous = machine.activate(target)
    try:
        yield target
    finally:
        machine.activate(previous)
        importer.forget_served()
        if not was_installed:
            importer.uninstall()
        target.close()


@contextlib.contextmanager
def simulated_board(board: str | None = None) -> Iterator[SimulatedWorld]:
    """A fresh simulated board for a ``with`` block; yields its Simulator.

    Example::

        with simulated_board() as sim:
            import board, digitalio
            ...
            assert sim.part("LED").on
    """
    with activated(machine.create("sim", board)) as target:
        yield target.backend.simulated_world()
