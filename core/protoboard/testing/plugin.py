"""pytest plugin: fixtures to test hardware code on the simulated board (see
:mod:`protoboard.testing`)."""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from protoboard import machine
from protoboard.hal.simulated import SimulatedWorld
from protoboard.testing import activated


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "board(board_id): run this test's `sim` fixture on the given board"
    )


@pytest.fixture
def sim_machine(request: pytest.FixtureRequest) -> Iterator[machine.Machine]:
    """A fresh simulated :class:`~protoboard.machine.Machine`, active for the test."""
    marker = request.node.get_closest_marker("board")
    board = marker.args[0] if marker else None
    with activated(machine.create("sim", board)) as target:
        yield target


@pytest.fixture
def sim(sim_machine: machine.Machine) -> SimulatedWorld:
    """The simulated board of this test: pins, parts and buses to drive and inspect."""
    return sim_machine.backend.simulated_world()


@pytest.fixture
def run_code(sim_machine: machine.Machine, tmp_path: Path) -> Callable[..., Any]:
    """``run_code(code_or_path, timeout=None, lib_paths=())`` runs a program on the test's board.

    Pass a path to a program (a :class:`~pathlib.Path`, or a string naming an existing ``.py``
    file) or its source text (written to ``code.py`` in a temporary drive folder). Returns a
    :class:`~protoboard.vm.RunResult`; output goes to ``capsys``.
    """
    from protoboard.vm import run_file

    def run(code: str | Path, *, timeout: float | None = None, lib_paths: Any = ()) -> Any:
        if isinstance(code, Path) or _names_a_program(code):
            path = Path(code)
        else:
            path = tmp_path / "code.py"
            path.write_text(textwrap.dedent(code), encoding="utf-8")
        return run_file(path, lib_paths=lib_paths, timeout=timeout)

    return run


def _names_a_program(text: str) -> bool:
    """True for ``"examples/blink/code.py"``, False for program text."""
    return "\n" not in text and text.endswith(".py") and Path(text).is_file()
