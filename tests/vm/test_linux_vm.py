"""The Linux port on a real Linux kernel: gpio-sim lines, i2c-stub, a pty, in a QEMU VM.

Each test asserts one check that tests/vm/guest_checks.py ran inside the VM (all in one boot).
"""

from __future__ import annotations

import pytest
from guest_checks import CHECKS

pytestmark = pytest.mark.vm


@pytest.mark.parametrize("name", list(CHECKS))
def test_in_vm(guest_results: dict[str, dict[str, object]], name: str) -> None:
    assert name in guest_results, f"the guest did not run '{name}'"
    result = guest_results[name]
    assert result["ok"], f"in the VM, {name} failed:\n{result['detail']}"
