"""Pin reads per second with a timed part's waveform attached vs none, side by side.

A timed part (an echo, a DHT22's answer, a clock signal) puts levels on a pin on the board's
clock; the pin works them out when the program reads it. This measures what that costs a
program that polls pins: ``DigitalInOut.value`` reads/s of

* ``none``: a pin on a board with no waveform (the anchor);
* ``waveform elsewhere``: the same pin while a part plays a 1 kHz square wave on another pin;
* ``waveform 1 Hz``: the read pin itself under a slow wave (each read checks the clock, edges
  are rare);
* ``waveform 1 kHz``: the read pin under a 1 kHz square wave (an edge every 500 us);
* ``1 kHz + counter``: the same with a ``countio.Counter`` listening (every edge replayed to a
  listener instead of skipped).

The cases alternate over ``--rounds`` rounds in one process; the script prints the medians and
the ratios to ``none`` (goal: at least 0.8x). Not a test: nothing fails here.

    python benchmarks/timed_pin_reads.py [--rounds 7] [--count 200000] [--json]
"""

from __future__ import annotations

import argparse
import json
import statistics

import _harness


def _reader(pin):
    def read(count: int) -> None:
        for _ in range(count // 2):
            pin.value  # noqa: B018 (the property read is what is measured)
            pin.value  # noqa: B018

    return read


def measure(rounds: int, count: int) -> dict[str, list[float]]:
    from protoboard.ports.sim.parts.base import Part
    from protoboard.testing import simulated_board

    class Wave(Part):
        kind = "Wave"
        roles = ("pin",)

    square = [(True, 500), (False, 500)]
    with simulated_board() as sim:
        import board
        import countio
        import digitalio

        quiet = digitalio.DigitalInOut(board.D5)
        slow = digitalio.DigitalInOut(board.D6)
        fast = digitalio.DigitalInOut(board.D9)
        counter = countio.Counter(board.D10)
        sim.attach(Wave(name="elsewhere"), pin="D11").play("pin", square, repeat=True)
        sim.attach(Wave(name="slow"), pin="D6").play(
            "pin", [(True, 500_000), (False, 500_000)], repeat=True
        )
        sim.attach(Wave(name="fast"), pin="D9").play("pin", square, repeat=True)
        sim.attach(Wave(name="counted"), pin="D10").play("pin", square, repeat=True)
        cases = {
            "none": _reader(quiet),
            "waveform elsewhere": _reader(quiet),
            "waveform 1 Hz": _reader(slow),
            "waveform 1 kHz": _reader(fast),
            "1 kHz + counter": _reader(_CounterPin(sim, "D10")),
        }
        samples: dict[str, list[float]] = {name: [] for name in cases}
        for read in cases.values():
            read(count // 10)  # warm-up
        for _ in range(rounds):
            for name, read in cases.items():
                if name == "none":
                    sim.pin("D11").schedule(None)  # no waveform anywhere on the board
                elif name == "waveform elsewhere":
                    sim.part("elsewhere").play("pin", square, repeat=True)
                samples[name].append(_harness.rate(read, count))
        # the reads saw the waves: the pins' histories have edges, the counter counted them
        assert len(sim.pin("D9").history) > 2, "the waveform never reached the pin"
        assert counter.count > 0, "the counter saw no edge"
    return samples


class _CounterPin:
    """Reads a pin that a countio.Counter holds, the way DigitalInOut.value would (the sim
    port's read path), since the pin cannot have two owners in a program."""

    def __init__(self, sim, name: str) -> None:
        from protoboard.ports.sim.digitalio import DigitalInOut

        impl = DigitalInOut.__new__(DigitalInOut)
        impl._pin = sim.pin(name)
        self._get = impl.get_value

    @property
    def value(self) -> bool:
        return self._get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    samples = measure(args.rounds, args.count)
    results = _harness.medians(samples)
    base = results["none"]["median"]
    for result in results.values():
        result["ratio"] = result["median"] / base
    if args.json:
        print(json.dumps(results))
        return
    print(f"{'case':<20} {'reads/s (median)':>17} {'min':>12} {'max':>12} {'ratio':>7}")
    for name, result in results.items():
        print(
            f"{name:<20} {result['median']:>17,.0f} {result['min']:>12,.0f} "
            f"{result['max']:>12,.0f} {result['ratio']:>6.2f}x"
        )
    spread = statistics.pstdev(samples["none"]) / base
    print(f"(rounds: {args.rounds}, reads per sample: {args.count}, spread of none: {spread:.0%})")


if __name__ == "__main__":
    main()
