"""What the blinka port's checks cost: ``DigitalInOut.value`` writes/reads and
``PWMOut.duty_cycle`` sets per second through Protoboard's bindings on the blinka port vs
Blinka's own classes, both on Blinka's OS-agnostic board (the same Blinka pin code underneath).

Blinka's side runs in ``benchmarks/.venv-blinka`` (made on first run) with Blinka's modules;
ours runs in this interpreter with that venv's site-packages on ``PYTHONPATH`` and the
``blinka`` port selected by ``BLINKA_OS_AGNOSTIC=1``. Rounds alternate the sides; medians over
every run. A ratio below 1 is the price of CircuitPython's checks (deinit, direction, duty
range), claims and error translation. Not a test: nothing here fails on a slow result.

    python benchmarks/bench_blinka_bridge.py [--rounds 3] [--repeats 5] [--count 100000] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import _harness

SCRIPT = Path(__file__).resolve()
OPERATIONS = ("write", "read", "duty")


def _measure(pin: Any, pwm: Any, count: int, repeats: int) -> dict[str, dict[str, object]]:
    def write(n: int) -> None:
        for _ in range(n // 2):
            pin.value = True
            pin.value = False

    def read(n: int) -> None:
        for _ in range(n // 2):
            pin.value  # noqa: B018 (the property read is what is measured)
            pin.value  # noqa: B018

    def duty(n: int) -> None:
        for _ in range(n // 2):
            pwm.duty_cycle = 0x8000
            pwm.duty_cycle = 0x4000

    loops = {"write": write, "read": read, "duty": duty}
    samples: dict[str, list[float]] = {name: [] for name in loops}
    for loop in loops.values():
        loop(count // 10)  # warm-up
    for _ in range(repeats):
        for name, loop in loops.items():
            samples[name].append(_harness.rate(loop, count))
    return _harness.medians(samples)


def _work(count: int, repeats: int, side: str) -> None:
    import board
    import digitalio
    import pwmio

    pin = digitalio.DigitalInOut(board.Dx_OUTPUT)
    pin.switch_to_output(value=False)
    pwm = pwmio.PWMOut(board.Dx_INPUT_FALSE, frequency=1000)
    results = _measure(pin, pwm, count, repeats)
    _harness.emit({"side": side, "module": board.__name__, "results": results})
    pin.deinit()
    pwm.deinit()


def worker_ours(count: int, repeats: int) -> None:
    from protoboard import machine, testing

    with testing.activated(machine.create("blinka")):
        _work(count, repeats, "bridge")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--worker", choices=("ours", "blinka"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker == "ours":
        worker_ours(args.count, args.repeats)
        return 0
    if args.worker == "blinka":
        _work(args.count, args.repeats, "blinka")
        return 0

    blinka_python = _harness.ensure_blinka_venv()
    site = subprocess.run(
        [str(blinka_python), "-c", "import adafruit_blinka, pathlib; "
         "print(pathlib.Path(adafruit_blinka.__file__).parent.parent)"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    agnostic = {"BLINKA_OS_AGNOSTIC": "1", "BLINKA_SKIP_DEPENDENCY_CHECK": "1"}
    sides = {
        "bridge": (sys.executable, "ours", {**agnostic, "PYTHONPATH": site}),
        "blinka": (str(blinka_python), "blinka", agnostic),
    }
    common = ["--count", str(args.count), "--repeats", str(args.repeats)]
    runs: dict[str, list[dict[str, Any]]] = {name: [] for name in sides}
    for round_index in range(args.rounds):
        order = list(sides) if round_index % 2 == 0 else list(reversed(sides))
        for name in order:
            python, worker, env = sides[name]
            runs[name].append(
                _harness.run_worker(python, SCRIPT, ["--worker", worker, *common], env=env)
            )
    medians = {
        name: _harness.medians(
            {
                op: [v for run in runs[name] for v in run["results"][op]["samples"]]
                for op in OPERATIONS
            }
        )
        for name in sides
    }
    assert runs["bridge"][0]["module"] == "protoboard.bindings.board", runs["bridge"][0]
    version = _harness.package_version(blinka_python, "adafruit-blinka")
    ratios = [
        medians["bridge"][op]["median"] / medians["blinka"][op]["median"] for op in OPERATIONS
    ]
    if args.json:
        print(
            json.dumps(
                {
                    "blinka_version": version,
                    **medians,
                    "ratio_bridge_over_blinka": dict(zip(OPERATIONS, ratios, strict=True)),
                },
                indent=2,
            )
        )
        return 0
    print(
        f"Blinka {version} OS-agnostic board: {args.rounds} rounds x {args.repeats} runs x "
        f"{args.count:,} ops per side, medians per second"
    )
    print(f"{'':34}{'value writes':>14}{'value reads':>14}{'duty sets':>14}")
    for label, name in (("Protoboard blinka port (bridge)", "bridge"), ("Blinka alone", "blinka")):
        row = medians[name]
        print(f"{label:34}" + "".join(f"{row[op]['median']:>14,.0f}" for op in OPERATIONS))
    ratios = [
        medians["bridge"][op]["median"] / medians["blinka"][op]["median"] for op in OPERATIONS
    ]
    print(f"{'ratio bridge/Blinka':34}" + "".join(f"{r:>14.2f}" for r in ratios))
    return 0


if __name__ == "__main__":
    sys.exit(main())
