"""``gc.collect()`` in a program, as Learn-guide loops call it, next to CPython's own collector.

The anchor is CPython's ``gc.collect()`` in the same process over the same heap (the runtime,
the simulator and a few Adafruit-style imports loaded): what the board's ``gc.collect()`` cost
before the runtime froze its own objects for the run. Ours is the program's ``gc.collect()``
during a real run (``protoboard.vm.run_file``), which scans the program's objects only, as a
board's collector scans its own heap.

Usage: ``python benchmarks/bench_gc_collect.py [--calls N] [--rounds R] [--json]``
"""

from __future__ import annotations

import argparse
import gc
import json
import statistics
import tempfile
import time
from pathlib import Path

PROGRAM = """
import gc, time
items = [[i] * 4 for i in range(2000)]  # a program's own data
start = time.monotonic_ns()
for _ in range({calls}):
    gc.collect()
print((time.monotonic_ns() - start) / {calls} / 1000)
"""


def anchor(calls: int) -> float:
    """Microseconds per CPython ``gc.collect()`` over the whole heap."""
    items = [[i] * 4 for i in range(2000)]  # the same program data
    start = time.perf_counter_ns()
    for _ in range(calls):
        gc.collect()
    del items
    return (time.perf_counter_ns() - start) / calls / 1000


def ours(calls: int, folder: Path) -> float:
    """Microseconds per board ``gc.collect()`` in a run."""
    import contextlib
    import io

    from protoboard import machine
    from protoboard.vm import run_file

    code = folder / "code.py"
    code.write_text(PROGRAM.format(calls=calls))
    out = io.StringIO()
    previous = machine.activate(machine.create("sim"))
    try:
        with contextlib.redirect_stdout(out):
            result = run_file(code)
    finally:
        closing = machine.activate(previous)
        if closing is not None:
            closing.close()
    assert result.ok, result.traceback
    return float(out.getvalue().split()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    import PIL.Image  # noqa: F401  (a heap like a run's: the runtime's imports)
    import requests  # noqa: F401

    import protoboard.cli  # noqa: F401

    theirs, mine = [], []
    with tempfile.TemporaryDirectory() as folder:
        for _ in range(args.rounds):  # alternating, so noise hits both
            theirs.append(anchor(args.calls))
            mine.append(ours(args.calls, Path(folder)))
    a, b = statistics.median(theirs), statistics.median(mine)
    if args.json:
        print(json.dumps({"anchor_us": a, "ours_us": b, "ratio": a / b}))
        return
    print(f"heap objects: {len(gc.get_objects()):,}")
    print(f"CPython gc.collect() over the whole heap: median {a:,.1f} us")
    print(f"board gc.collect() in a run:              median {b:,.1f} us")
    print(f"ratio anchor/ours: {a / b:,.0f}x faster")


if __name__ == "__main__":
    main()
