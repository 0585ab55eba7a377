"""The Linux port's speed on a real kernel, in the QEMU test VM (tests/vm), side by side:

* ``DigitalInOut.value`` writes/s on ours (full validation) vs Blinka's libgpiod v2 ``Pin`` on
  the same gpio-sim line (goal: ratio >= 1.0);
* I2C register reads/s through unmodified ``adafruit_bus_device`` on ours vs raw smbus2 calls
  on the same i2c-stub adapter (goal: ratio >= 0.8).

Run: ``python benchmarks/bench_linux_vm.py`` (builds the VM the first time, as root). Figures are
relative: TCG emulates the CPU, so absolute rates are far below a real Pi's.
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "vm"))

import vmrun  # noqa: E402
from conftest import bme280_registers  # noqa: E402


def main() -> None:
    image = vmrun.build()
    with tempfile.TemporaryDirectory(prefix="protoboard-bench-vm-") as share:
        files = {
            "guest.sh": "/opt/venv/bin/python /mnt/guest_bench.py\n",
            "guest_bench.py": (ROOT / "tests" / "vm" / "guest_bench.py").read_text(),
            "bme280_registers.json": json.dumps(bme280_registers()),
        }
        log = vmrun.boot(image, Path(share), files)
    figures = [json.loads(line) for line in log.splitlines() if line.startswith("{")]
    if not figures:
        sys.exit(f"the guest printed no figures:\n{log[-3000:]}")
    for figure in figures:
        print(
            f"{figure['figure']}: anchor {figure['anchor_per_s']:,}/s, "
            f"ours {figure['ours_per_s']:,}/s, ratio {figure['ratio']:.2f}"
        )


if __name__ == "__main__":
    main()
