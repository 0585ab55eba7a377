"""BLE file transfer over the in-memory link (virtual clock): write and read throughput of a
1 KiB and a 64 KiB file as a fraction of the link's payload capacity, for our client
(``protoboard.ble.client``) and for Adafruit's ``adafruit_ble_file_transfer`` (unmodified,
through the fake ``_bleio`` of ``tests/interop/ble_adapter.py``), against our DeviceSession with
CircuitPython's 512-byte write window and with a larger one.

Timing model (``protoboard.ble.link``): each packet carries at most ``MTU - 3`` payload bytes,
each connection event carries ``--packets-per-event`` packets one way, and a round (a burst of
client writes and the notifications it causes) costs ``ceil(up / k) + ceil(down / k)``
intervals. Both clients are counted the same way on the same ``LinkStats``. Capacity is
``(MTU - 3) * k / interval`` payload bytes/s one way. Figures are deterministic (no wall clock).

The Adafruit libraries (pinned in ``tests/interop/requirements.txt``) are installed on the first
run into ``benchmarks/.cache/ble-libs`` with ``pip install --no-deps --target``. Not a test.

    python benchmarks/bench_ble_transfer.py [--mtu 247] [--interval-ms 15]
        [--packets-per-event 1] [--windows 512,4096] [--skip-adafruit] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
INTEROP = ROOT / "tests" / "interop"
LIBS = HERE / ".cache" / "ble-libs"
PACKAGES = (
    "adafruit-circuitpython-ble-file-transfer",
    "adafruit-circuitpython-ble",
    "adafruit-circuitpython-typing",
    "typing-extensions",
)
SIZES = (1024, 64 * 1024)
GOAL = 0.80
T = 1700000001500000000


def _pins() -> list[str]:
    """The pinned versions of PACKAGES, from tests/interop/requirements.txt."""
    pins = {}
    for line in (INTEROP / "requirements.txt").read_text().splitlines():
        name, _, version = line.strip().partition("==")
        if name in PACKAGES:
            pins[name] = f"{name}=={version}"
    return [pins.get(name, name) for name in PACKAGES]


def ensure_libs() -> Path:
    marker = LIBS / ".pins"
    pins = _pins()
    if not marker.exists() or marker.read_text() != "\n".join(pins):
        print(f"installing {', '.join(pins)} into {LIBS} (once)...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--disable-pip-version-check",
                "--upgrade",
                "--target",
                str(LIBS),
                *pins,
            ],
            check=True,
        )
        marker.write_text("\n".join(pins))
    return LIBS


def _row(
    client: str, window: int, op: str, size: int, elapsed: float, link: Any, data_ok: bool
) -> dict[str, Any]:
    rate = size / elapsed
    return {
        "client": client,
        "write_window": window,
        "op": op,
        "size": size,
        "elapsed_ms": round(elapsed * 1000, 3),
        "intervals": round(elapsed / link.interval),
        "bytes_per_s": round(rate),
        "fraction": rate / link.capacity,
        "ok": data_ok,
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    sides = ["ours"] if args.skip_adafruit else ["ours", "adafruit"]
    with contextlib.ExitStack() as stack:
        if not args.skip_adafruit:
            sys.path.insert(0, str(ensure_libs()))
            sys.path.insert(0, str(INTEROP))
            from ble_adapter import fake_bleio

            stack.enter_context(fake_bleio())
        return _measure(args, sides)


def _measure(args: argparse.Namespace, sides: list[str]) -> dict[str, Any]:
    from protoboard.ble.client import FileTransferClient
    from protoboard.ble.device import DeviceSession
    from protoboard.ble.link import Link

    rows = []
    capacity = None
    for window in args.windows:
        for side in sides:
            with tempfile.TemporaryDirectory() as folder:
                device = DeviceSession(
                    folder, read_only=lambda: False, on_change=lambda _: None, write_window=window
                )
                link = Link(
                    device,
                    mtu=args.mtu,
                    interval=args.interval_ms / 1000,
                    packets_per_event=args.packets_per_event,
                )
                capacity = link.capacity
                if side == "ours":
                    client = FileTransferClient(now_ns=lambda: T)

                    def write(path: str, data: bytes, link=link, client=client) -> None:
                        link.run(client.write_file(path, data))

                    def read(path: str, link=link, client=client) -> bytes:
                        return link.run(client.read_file(path))
                else:
                    from ble_adapter import AdafruitSession

                    session = AdafruitSession(link)  # its version read is not timed

                    def write(path: str, data: bytes, session=session) -> None:
                        session.call("write", path, data, modification_time=T)

                    def read(path: str, session=session) -> bytes:
                        return bytes(session.call("read", path))

                for size in SIZES:
                    data = os.urandom(size)
                    name = f"/f{size}.bin"
                    start = link.clock
                    write(name, data)
                    ok = Path(folder, name[1:]).read_bytes() == data
                    rows.append(_row(side, window, "write", size, link.clock - start, link, ok))
                    start = link.clock
                    ok = read(name) == data
                    rows.append(_row(side, window, "read", size, link.clock - start, link, ok))
    return {
        "mtu": args.mtu,
        "interval_ms": args.interval_ms,
        "packets_per_event": args.packets_per_event,
        "capacity_bytes_per_s": capacity,
        "goal_fraction_64k_write": GOAL,
        "rows": rows,
    }


def report(result: dict[str, Any]) -> None:
    print(
        f"BLE file transfer, in-memory link: MTU {result['mtu']} "
        f"({result['mtu'] - 3}-byte payload), interval {result['interval_ms']} ms, "
        f"{result['packets_per_event']} packet(s)/event; capacity "
        f"{result['capacity_bytes_per_s']:.0f} B/s one way (virtual clock)\n"
    )
    print(
        f"{'client':<9} {'window':>6} {'op':<5} {'size':>6} {'ms':>9} {'intervals':>9} "
        f"{'B/s':>7} {'of cap.':>7}"
    )
    for r in result["rows"]:
        flag = "" if r["ok"] else "  DATA MISMATCH"
        print(
            f"{r['client']:<9} {r['write_window']:>6} {r['op']:<5} {r['size']:>6} "
            f"{r['elapsed_ms']:>9.1f} {r['intervals']:>9} {r['bytes_per_s']:>7} "
            f"{r['fraction']:>7.1%}{flag}"
        )
    index = {(r["client"], r["write_window"], r["op"], r["size"]): r for r in result["rows"]}
    if any(key[0] == "adafruit" for key in index):
        print("\nratio ours / adafruit (throughput):")
        for (client, window, op, size), r in index.items():
            other = index.get(("adafruit", window, op, size))
            if client == "ours" and other:
                print(
                    f"  window {window:>5} {op:<5} {size:>6}: "
                    f"{r['bytes_per_s'] / other['bytes_per_s']:.2f}"
                )
    print(f"\ngoal: 64 KiB writes at >= {GOAL:.0%} of capacity")
    for (client, window, op, size), r in index.items():
        if op == "write" and size == 64 * 1024:
            verdict = "met" if r["fraction"] >= GOAL else "NOT met"
            print(f"  {client:<9} write_window {window:>5}: {r['fraction']:.1%} -> {verdict}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mtu", type=int, default=247)
    parser.add_argument("--interval-ms", type=float, default=15.0)
    parser.add_argument("--packets-per-event", type=int, default=1)
    parser.add_argument(
        "--windows", default="512,4096", help="device write windows to compare (default: 512,4096)"
    )
    parser.add_argument(
        "--skip-adafruit", action="store_true", help="measure our client only (no PyPI install)"
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    args.windows = [int(w) for w in args.windows.split(",")]
    result = run(args)
    if args.json:
        print(json.dumps(result))
    else:
        report(result)


if __name__ == "__main__":
    main()
