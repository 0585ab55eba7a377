"""Peak memory of ``protoboard install`` given a zip bomb: a bundle of about 1 MiB whose one
library file inflates to 1 GiB of zeros (issue 10, case 10).

The install runs in a child process (``protoboard install bomb --bundle ZIP --path DRIVE``,
offline, in-process through the CLI's ``main``); the child prints its exit status, the last
line of its output and its own peak resident memory (``resource.getrusage(RUSAGE_SELF)
.ru_maxrss``), and how much it wrote to the drive.

Usage: ``python benchmarks/bench_zip_bomb.py [--gib 1.0] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

CHILD = r"""
import io, json, os, resource, sys
from contextlib import redirect_stdout, redirect_stderr
from protoboard.cli import main
out = io.StringIO()
drive = sys.argv[2]
try:
    with redirect_stdout(out), redirect_stderr(out):
        main(["install", "bomb", "--bundle", sys.argv[1], "--path", drive, "--offline"],
             standalone_mode=False)
    status = 0
except SystemExit as e:
    status = e.code
except BaseException as e:
    status = f"{type(e).__name__}: {e}"
written = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(drive) for f in fs)
lines = [l for l in out.getvalue().splitlines() if l.strip()]
print(json.dumps({
    "status": status,
    "last_line": lines[-1] if lines else "",
    "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "bytes_on_drive": written,
}))
"""


def make_bomb(path: Path, inflated: int) -> None:
    """``bomb-py-20261120.zip`` holding ``lib/bomb.py``: ``inflated`` zero bytes, deflated."""
    top = "bomb-py-20261120"
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open(f"{top}/lib/bomb.py", "w", force_zip64=True) as member:
            left = inflated
            while left > 0:
                member.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)


def measure(gib: float) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="pb-bomb-") as tmp:
        bundle = Path(tmp) / "bomb-py-20261120.zip"
        make_bomb(bundle, int(gib * 1024**3))
        drive = Path(tmp) / "CIRCUITPY"
        (drive / "lib").mkdir(parents=True)
        (drive / "boot_out.txt").write_text(
            "Protoboard 0.1.0 on 2026-11-21; Protoboard Simulated Board with cpython\n"
            "Board ID:protoboard_sim\n"
        )
        done = subprocess.run(
            [sys.executable, "-c", CHILD, str(bundle), str(drive)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        result: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
        result["bundle_bytes"] = bundle.stat().st_size
        result["inflated_bytes"] = int(gib * 1024**3)
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gib", type=float, default=1.0, help="inflated size (GiB)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.gib)
    if args.json:
        print(json.dumps(result, indent=1))
        return
    print(
        f"bundle {result['bundle_bytes'] / 1024:.0f} KiB -> {result['inflated_bytes']} bytes: "
        f"exit {result['status']}, peak RSS {result['peak_rss_mib']:.0f} MiB, "
        f"{result['bytes_on_drive']} bytes on the drive\n  {result['last_line']}"
    )


if __name__ == "__main__":
    main()
