"""The Linux port's VM suite: one boot runs every guest check (tests/vm/guest_checks.py).

Runs only when ``PROTOBOARD_VM=1`` (``.ci/run`` sets it for its VM step); otherwise, and when
the VM cannot be built on this machine, the tests skip with the reason. The first build
downloads a Debian kernel and compiles gpio-sim; it is cached in tests/.cache/vm.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
import vmrun

HERE = Path(__file__).resolve().parent


def bme280_registers() -> dict[int, int]:
    """The registers of a BME280 that measured 22 °C, 45 %RH and 1013.25 hPa with the
    oversampling adafruit_bme280 sets, from the simulator's model of the chip."""
    from protoboard.ports.sim.parts.bme280 import BME280

    part = BME280()
    part.write_register(0xF2, 0x01)  # humidity x1
    part.write_register(0xF4, (1 << 5) | (5 << 2))  # temperature x1, pressure x16, sleep
    part._store(22.0, 45.0, 1013.25)
    registers = dict(enumerate(part.registers))
    registers[0xF3] = 0  # status: not measuring
    return registers


@pytest.fixture(scope="session")
def vm_image() -> vmrun.Image:
    if os.environ.get("PROTOBOARD_VM") != "1":
        pytest.skip("the QEMU VM suite runs with PROTOBOARD_VM=1 (.ci/run sets it)")
    try:
        return vmrun.build()
    except vmrun.VMUnavailable as exc:
        if os.environ.get("PROTOBOARD_VM_REQUIRED") == "1":
            pytest.fail(f"the test VM is required but unavailable: {exc}")
        pytest.skip(f"the test VM is unavailable: {exc}")


@pytest.fixture(scope="session")
def guest_results(vm_image: vmrun.Image, tmp_path_factory: pytest.TempPathFactory) -> Any:
    share = tmp_path_factory.mktemp("vm-share")
    files = {
        "guest.sh": "/opt/venv/bin/python /mnt/guest_checks.py /mnt\n",
        "guest_checks.py": (HERE / "guest_checks.py").read_text(),
        "bme280_registers.json": json.dumps(bme280_registers()),
    }
    log = vmrun.boot(vm_image, share, files)
    results = share / "results.json"
    if not results.is_file():
        pytest.fail(f"the guest wrote no results; its log:\n{log[-4000:]}")
    return json.loads(results.read_text())
