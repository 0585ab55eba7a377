"""Project-wide pytest options: tests that need real hardware run only with --hardware."""

from __future__ import annotations

import pytest


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
