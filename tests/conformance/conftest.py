"""Conformance suites run on every selectable port (the simulator always).

Tests see the port through the uniform API only. Where a test needs something wired to the
board (a button, an I2C device), it asks the ``bench`` fixture, which on the simulator attaches a
part and on other ports skips unless that port's test bench provides the wiring.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from protoboard import machine
from protoboard.registry import ports
from protoboard.testing import activated

SELECTABLE = sorted(name for name, port in ports().items() if port.detected())


@pytest.fixture(params=SELECTABLE)
def port_machine(request: pytest.FixtureRequest) -> Iterator[machine.Machine]:
    with activated(machine.create(request.param)) as target:
        yield target


@pytest.fixture
def bench(port_machine: machine.Machine) -> Any:
    """The simulator behind the port, for wiring parts; skips on ports without a bench."""
    if port_machine.port.name != "sim":
        pytest.skip(f"no test bench wiring for port '{port_machine.port.name}'")
    return port_machine.backend
