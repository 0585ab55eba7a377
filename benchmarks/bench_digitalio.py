"""DigitalInOut.value writes/s and reads/s: Protoboard's simulated board vs Blinka's OS-agnostic
board, side by side.

Each side runs in its own subprocess: ours in this interpreter's environment, Blinka in
``benchmarks/.venv-blinka`` (created on first run) with ``BLINKA_OS_AGNOSTIC=1``. Each worker
does a warm-up, then ``--repeats`` timed runs of ``--count`` operations; ``--rounds`` workers
run per side, alternating sides. The parent prints the medians over all runs and the ratio
ours/Blinka. Not a test: nothing here fails on a slow result.

Ours does everything CircuitPython does on each write (deinit check, direction check, the
port call that drives the simulated pin and records its history); Blinka's agnostic pin just
stores the value.

    python benchmarks/bench_digitalio.py [--rounds 3] [--repeats 5] [--count 200000] [--json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import _harness

SCRIPT = Path(__file__).resolve()


def _loops(pin):
    def write(count: int) -> None:
        for _ in range(count // 2):
            pin.value = True
            pin.value = False

    def read(count: int) -> None:
        for _ in range(count // 2):
            pin.value  # noqa: B018 (the property read is what is measured)
            pin.value  # noqa: B018

    return write, read


def _measure(pin, count: int, repeats: int) -> dict[str, dict[str, object]]:
    write, read = _loops(pin)
    write(count // 10)  # warm-up
    read(count // 10)
    samples: dict[str, list[float]] = {"write": [], "read": []}
    for _ in range(repeats):
        samples["write"].append(_harness.rate(write, count))
        samples["read"].append(_harness.rate(read, count))
    results = _harness.medians(samples)
    for name, loop in (("write", write), ("read", read)):
        results[name]["calls_per_op"] = _harness.calls_per_op(loop)
    return results


def worker_ours(count: int, repeats: int) -> None:
    from protoboard.testing import simulated_board

    with simulated_board() as sim:
        import board
        import digitalio

        pin = digitalio.DigitalInOut(board.D5)
        pin.switch_to_output(value=False)
        results = _measure(pin, count, repeats)
        # The writes really reached the simulated pin (its level history records each one).
        assert sim.pin("D5").levels[-2:] == [True, False], "writes did not reach the sim pin"
        _harness.emit(
            {
                "side": "protoboard",
                "pin": "board.D5 (sim, no part attached)",
                "python_executable": sys.executable,
                "results": results,
            }
        )
        pin.deinit()


def worker_blinka(count: int, repeats: int) -> None:
    import board
    import digitalio

    pin = digitalio.DigitalInOut(board.Dx_OUTPUT)
    pin.switch_to_output(value=False)
    _harness.emit(
        {
            "side": "blinka",
            "pin": "board.Dx_OUTPUT (OS_AGNOSTIC_BOARD)",
            "python_executable": sys.executable,
            "results": _measure(pin, count, repeats),
        }
    )
    pin.deinit()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per worker")
    parser.add_argument(
        "--rounds",
        type=int,
        default=3,
        help="worker subprocesses per side, alternating sides (default 3)",
    )
    parser.add_argument(
        "--count", type=int, default=200_000, help="operations per timed run (default 200000)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--skip-blinka", action="store_true", help="measure ours only")
    parser.add_argument("--worker", choices=("ours", "blinka"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker == "ours":
        worker_ours(args.count, args.repeats)
        return 0
    if args.worker == "blinka":
        worker_blinka(args.count, args.repeats)
        return 0

    # Rounds alternate the two sides (ours first, then Blinka first...) so that a slow spell
    # of this shared machine hits both; the medians are over every run of every round.
    common = ["--count", str(args.count), "--repeats", str(args.repeats)]
    sides: dict[str, tuple[object, dict[str, str]]] = {"protoboard": (sys.executable, {})}
    if not args.skip_blinka:
        sides["blinka"] = (
            _harness.ensure_blinka_venv(),
            {"BLINKA_OS_AGNOSTIC": "1", "BLINKA_SKIP_DEPENDENCY_CHECK": "1"},
        )
    runs: dict[str, list[dict]] = {name: [] for name in sides}
    for round_index in range(args.rounds):
        order = list(sides) if round_index % 2 == 0 else list(reversed(sides))
        for name in order:
            python, env = sides[name]
            worker = "ours" if name == "protoboard" else "blinka"
            runs[name].append(
                _harness.run_worker(python, SCRIPT, ["--worker", worker, *common], env=env)
            )
    result: dict = {
        "benchmark": "digitalio",
        "count": args.count,
        "repeats": args.repeats,
        "rounds": args.rounds,
    }
    for name, python_env in sides.items():
        side = dict(runs[name][0])
        side["results"] = _harness.medians(
            {
                op: [v for run in runs[name] for v in run["results"][op]["samples"]]
                for op in ("write", "read")
            }
        )
        for op in ("write", "read"):
            side["results"][op]["calls_per_op"] = runs[name][0]["results"][op]["calls_per_op"]
        distribution = "protoboard" if name == "protoboard" else "adafruit-blinka"
        side["version"] = _harness.package_version(python_env[0], distribution)
        result[name] = side
    ours = result["protoboard"]
    if "blinka" in result:
        blinka = result["blinka"]
        result["ratio_ours_over_blinka"] = {
            op: ours["results"][op]["median"] / blinka["results"][op]["median"]
            for op in ("write", "read")
        }

    if args.json:
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"DigitalInOut.value: {args.rounds} rounds x {args.repeats} runs x {args.count:,} ops "
        f"per side, medians (Python {ours['python']})"
    )
    print(f"{'':28}{'writes/s':>14}{'reads/s':>14}{'calls/write':>13}{'calls/read':>12}")
    rows = [("Protoboard sim " + ours["version"], ours)]
    if "blinka" in result:
        rows.append(("Blinka agnostic " + result["blinka"]["version"], result["blinka"]))
    for label, side in rows:
        r = side["results"]
        print(
            f"{label:28}{r['write']['median']:>14,.0f}{r['read']['median']:>14,.0f}"
            f"{r['write']['calls_per_op']:>13.1f}{r['read']['calls_per_op']:>12.1f}"
        )
    if "ratio_ours_over_blinka" in result:
        ratio = result["ratio_ours_over_blinka"]
        print(f"{'ratio ours/Blinka':28}{ratio['write']:>14.2f}{ratio['read']:>14.2f}")
        verdict = "met" if ratio["write"] >= 1.0 else "NOT met"
        print(f"goal (writes at least as fast as Blinka, with full validation): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
