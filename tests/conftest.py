"""Project-wide pytest options: tests that need real hardware run only with --hardware."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

#: a tmp_path tree deeper than this is removed after its test
DEEP = 100


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--hardware",
        action="store_true",
        help="also run tests marked 'hardware' (a real device must be attached)",
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--hardware"):
        return
    skip = pytest.mark.skip(reason="needs a real device: run pytest --hardware with one attached")
    for item in items:
        if "hardware" in item.keywords:
            item.add_marker(skip)


def _deeper_than(top: Path, limit: int) -> bool:
    stack = [(str(top), 0)]
    while stack:
        folder, depth = stack.pop()
        if depth > limit:
            return True
        try:
            with os.scandir(folder) as entries:
                stack += [(e.path, depth + 1) for e in entries if e.is_dir(follow_symlinks=False)]
        except OSError:
            continue
    return False


@pytest.fixture(autouse=True)
def _no_deep_trees_left(request: pytest.FixtureRequest) -> Iterator[None]:
    """Hostile tests build folders thousands of levels deep; pytest's own clean-up of old
    temporary folders recurses per level and would crash a later run. Remove them here."""
    if "tmp_path" not in request.fixturenames:
        yield
        return
    tmp_path: Path = request.getfixturevalue("tmp_path")  # now torn down after this fixture
    yield
    if _deeper_than(tmp_path, DEEP):
        from protoboard.deltree import remove_tree

        remove_tree(tmp_path.parent, tmp_path.name)
