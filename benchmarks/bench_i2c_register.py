"""I2C register reads/s: through adafruit_bus_device's I2CDevice, through busio.I2C directly, and
by calling the simulated part's model with the same byte-level sequence.

One register read is "write the register number, repeated start, read 2 bytes", which is what
``I2CDevice.write_then_readinto(bytes([reg]), buf)`` does on a driver's behalf. Three ways are
timed side by side, interleaved run by run:

* ``i2cdevice``: ``with device: device.write_then_readinto(out, buf)`` (lock, transfer, unlock),
  as every Adafruit driver does it;
* ``busio``: ``i2c.writeto_then_readfrom(0x40, out, buf)`` on a locked ``busio.I2C``;
* ``model``: the calls the sim port makes on the part, made directly: ``i2c_start(False)``,
  ``i2c_write_block(reg)``, ``i2c_start(True)``, ``i2c_read_block(2)`` (copied into ``buf``),
  ``i2c_stop()``.

The overhead ratio is model rate / path rate (goal: binding + port overhead under 2x the model).
``calls/read`` (function calls per read, counted by cProfile in a separate short pass) measures
the work done independently of how busy the machine is.
``adafruit_bus_device`` is installed from PyPI into ``benchmarks/.cache/libs`` (``--no-deps``)
on first run. ``--profile`` adds a cProfile of the I2CDevice and busio loops. Not a test.

    python benchmarks/bench_i2c_register.py [--rounds 3] [--repeats 5] [--count 50000] [--json]
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
from collections.abc import Callable
from pathlib import Path

import _harness

SCRIPT = Path(__file__).resolve()
ADDRESS = 0x40
REGISTER = 0x10
VALUE = b"\x12\x34"
PATHS = ("i2cdevice", "busio", "model")


def _setup(sim) -> dict[str, Callable[[int], None]]:
    """The three loops (each takes the number of register reads to do), checked for results."""
    import board
    import busio
    from adafruit_bus_device.i2c_device import I2CDevice

    from protoboard.ports.sim.parts import RegisterI2CPart

    part = sim.attach(RegisterI2CPart(ADDRESS, name="REG"))
    part.registers[REGISTER : REGISTER + 2] = VALUE
    i2c = busio.I2C(board.SCL, board.SDA)
    device = I2CDevice(i2c, ADDRESS)
    out = bytes([REGISTER])
    buf = bytearray(2)

    def via_i2cdevice(count: int) -> None:
        for _ in range(count):
            with device:
                device.write_then_readinto(out, buf)

    def via_busio(count: int) -> None:
        while not i2c.try_lock():
            pass
        try:
            for _ in range(count):
                i2c.writeto_then_readfrom(ADDRESS, out, buf)
        finally:
            i2c.unlock()

    start, write_block, read_block, stop = (
        part.i2c_start,
        part.i2c_write_block,
        part.i2c_read_block,
        part.i2c_stop,
    )

    def via_model(count: int) -> None:
        for _ in range(count):
            start(False)
            write_block(out)
            start(True)
            buf[:] = read_block(2)
            stop()

    loops = {"i2cdevice": via_i2cdevice, "busio": via_busio, "model": via_model}
    for name, loop in loops.items():
        buf[:] = b"\x00\x00"
        loop(10)
        assert bytes(buf) == VALUE, f"{name} read {bytes(buf)!r}, expected {VALUE!r}"
    return loops


def _profile(loop: Callable[[int], None], count: int, top: int = 14) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(loop, count)
    stream = io.StringIO()
    stats = pstats.Stats(profiler, stream=stream)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    return stream.getvalue()


def worker(count: int, repeats: int, profile: bool) -> None:
    sys.path.insert(0, str(_harness.CACHE_LIBS))
    from protoboard.testing import simulated_board

    with simulated_board() as sim:
        loops = _setup(sim)
        for loop in loops.values():
            loop(count // 10)  # warm-up
        samples: dict[str, list[float]] = {name: [] for name in PATHS}
        for _ in range(repeats):
            for name in PATHS:
                samples[name].append(_harness.rate(loops[name], count))
        data = {"results": _harness.medians(samples)}
        for name in PATHS:
            data["results"][name]["calls_per_op"] = _harness.calls_per_op(loops[name])
        if profile:
            data["profiles"] = {
                name: _profile(loops[name], count // 2) for name in ("i2cdevice", "busio")
            }
        _harness.emit(data)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per worker")
    parser.add_argument("--rounds", type=int, default=3, help="worker subprocesses (default 3)")
    parser.add_argument(
        "--count", type=int, default=50_000, help="register reads per timed run (default 50000)"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print cProfile tables of the I2CDevice and busio loops",
    )
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.worker:
        worker(args.count, args.repeats, args.profile)
        return 0

    _harness.ensure_busdevice()
    runs = []
    for round_index in range(args.rounds):
        flags = ["--worker", "--count", str(args.count), "--repeats", str(args.repeats)]
        if args.profile and round_index == 0:
            flags.append("--profile")
        runs.append(_harness.run_worker(sys.executable, SCRIPT, flags))
    results = _harness.medians(
        {name: [v for run in runs for v in run["results"][name]["samples"]] for name in PATHS}
    )
    for name in PATHS:
        results[name]["calls_per_op"] = runs[0]["results"][name]["calls_per_op"]
    model = results["model"]["median"]
    ratios = {name: model / results[name]["median"] for name in ("i2cdevice", "busio")}
    result = {
        "benchmark": "i2c_register",
        "count": args.count,
        "repeats": args.repeats,
        "rounds": args.rounds,
        "python": runs[0]["python"],
        "protoboard": _harness.package_version(sys.executable, "protoboard"),
        "busdevice": _busdevice_version(),
        "results": results,
        "overhead_vs_model": ratios,
    }
    if args.json:
        if args.profile:
            result["profiles"] = runs[0].get("profiles", {})
        print(json.dumps(result, indent=2))
        return 0
    print(
        f"I2C register read (1 byte out, 2 bytes in): {args.rounds} rounds x {args.repeats} "
        f"runs x {args.count:,} reads, medians (Python {result['python']})"
    )
    labels = {
        "i2cdevice": f"I2CDevice ({result['busdevice']})",
        "busio": "busio.I2C.writeto_then_readfrom",
        "model": "part model, direct calls",
    }
    print(f"{'':36}{'reads/s':>12}{'us/read':>10}{'x model':>10}{'calls/read':>12}")
    for name in PATHS:
        median = results[name]["median"]
        ratio = ratios.get(name, 1.0)
        print(
            f"{labels[name]:36}{median:>12,.0f}{1e6 / median:>10.2f}{ratio:>10.2f}"
            f"{results[name]['calls_per_op']:>12.1f}"
        )
    for name in ("i2cdevice", "busio"):
        verdict = "met" if ratios[name] < 2.0 else "NOT met"
        print(f"goal (under 2x the model) via {name}: {verdict} ({ratios[name]:.2f}x)")
    if args.profile:
        for name, text in runs[0].get("profiles", {}).items():
            print(f"\ncProfile, {name} loop ({args.count // 2:,} reads), by own time:\n{text}")
    return 0


def _busdevice_version() -> str:
    for entry in _harness.CACHE_LIBS.glob("adafruit_circuitpython_busdevice-*.dist-info"):
        return entry.name.removesuffix(".dist-info").rpartition("-")[2]
    return "?"


if __name__ == "__main__":
    sys.exit(main())
