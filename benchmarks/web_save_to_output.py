"""Save over the web to output in the web console, against the same save over the drive.

One ``protoboard run --web 0 --console none`` on a temporary drive; one ``/cp/serial/``
WebSocket client (the ``websockets`` package) reads the console in a thread, time-stamping each
message. Each round saves a new ``code.py`` that prints a unique marker, two ways in turn (the
order alternates):

* **drive** (the anchor): open, write, close the file in the drive folder, as an editor saving
  over USB does;
* **web**: ``PUT /fs/code.py`` with the token as the Basic-auth password, as the browser editor
  (``/edit/``) and code.circuitpython.org save.

The time runs from the start of the save to the arrival of the WebSocket message holding the
marker, so both sides share the output path and the difference is the save path. A round whose
marker does not come within ``--timeout`` seconds is *missed*. Prints p50, p90 and max per side,
and the differences (web - drive). The goal (issue 13): the web save within 50 ms of the drive
save. Not a test: nothing fails on a slow result.

    python benchmarks/web_save_to_output.py [--saves 30] [--spacing 0.3] [--json]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import queue
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import requests
from websockets.sync.client import connect

BIN = Path(sys.executable).parent
CODE = "import time\nprint({marker!r})\nwhile True:\n    time.sleep(1)\n"


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class Board:
    """``protoboard run --web 0`` with a WebSocket reader."""

    def __init__(self, drive: Path) -> None:
        command = [str(BIN / "protoboard"), "run", "--drive", str(drive), "--web", "0"]
        self.process = subprocess.Popen(
            [*command, "--console", "none"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            start_new_session=True,
            text=True,
        )
        assert self.process.stderr is not None
        deadline = time.monotonic() + 30
        while True:
            line = self.process.stderr.readline()
            found = re.search(r"web workflow: (http://\S+)/\?token=(\S+)", line)
            if found:
                self.base, self.token = found.groups()
                break
            if not line or time.monotonic() > deadline:
                raise SystemExit(f"protoboard run did not start its web workflow: {line!r}")
        threading.Thread(target=self._drain, daemon=True).start()
        auth = "Basic " + base64.b64encode(f":{self.token}".encode()).decode()
        self.ws = connect(
            self.base.replace("http://", "ws://") + "/cp/serial/",
            additional_headers={"Authorization": auth},
        ).__enter__()
        self.messages: queue.Queue[tuple[float, str]] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.session = requests.Session()
        self.session.auth = ("", self.token)

    def _drain(self) -> None:
        assert self.process.stderr is not None
        for _ in self.process.stderr:
            pass

    def _read(self) -> None:
        try:
            while True:
                text = self.ws.recv()
                self.messages.put((time.perf_counter(), str(text)))
        except Exception:
            return

    def wait_for(self, marker: str, timeout: float) -> float | None:
        """The arrival time of the message holding ``marker``; None if it did not come."""
        deadline = time.perf_counter() + timeout
        seen = ""
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                return None
            try:
                when, text = self.messages.get(timeout=left)
            except queue.Empty:
                return None
            seen = (seen + text)[-4096:]
            if marker in seen:
                return when

    def stop(self) -> None:
        try:
            self.ws.close()
        finally:
            if self.process.poll() is None:
                os.killpg(self.process.pid, signal.SIGTERM)
                try:
                    self.process.wait(10)
                except subprocess.TimeoutExpired:
                    os.killpg(self.process.pid, signal.SIGKILL)


def save_drive(board: Board, drive: Path, text: str) -> None:
    with open(drive / "code.py", "w", encoding="utf-8") as stream:
        stream.write(text)


def save_web(board: Board, drive: Path, text: str) -> None:
    answer = board.session.put(f"{board.base}/fs/code.py", data=text.encode(), timeout=10)
    if answer.status_code not in (201, 204):
        raise SystemExit(f"PUT /fs/code.py answered {answer.status_code}: {answer.text}")


def measure(saves: int, spacing: float, timeout: float) -> dict[str, dict[str, object]]:
    sides = {"drive": save_drive, "web": save_web}
    results: dict[str, list[float]] = {name: [] for name in sides}
    missed = dict.fromkeys(sides, 0)
    with tempfile.TemporaryDirectory(prefix="web-save-bench-") as folder:
        drive = Path(folder) / "CIRCUITPY"
        drive.mkdir()
        (drive / "code.py").write_text(CODE.format(marker="warm-up"))
        board = Board(drive)
        try:
            if board.wait_for("warm-up", 30) is None:
                raise SystemExit("the first run's output never came on the WebSocket")
            for round_ in range(saves):
                order = list(sides) if round_ % 2 == 0 else list(reversed(sides))
                for name in order:
                    marker = f"marker-{uuid.uuid4().hex}"
                    time.sleep(spacing)
                    while not board.messages.empty():
                        board.messages.get_nowait()
                    start = time.perf_counter()
                    sides[name](board, drive, CODE.format(marker=marker))
                    arrived = board.wait_for(marker, timeout)
                    if arrived is None:
                        missed[name] += 1
                    else:
                        results[name].append((arrived - start) * 1000)
        finally:
            board.stop()
    return {
        name: {
            "p50_ms": percentile(values, 0.5) if values else None,
            "p90_ms": percentile(values, 0.9) if values else None,
            "max_ms": max(values) if values else None,
            "saves": len(values),
            "missed": missed[name],
        }
        for name, values in results.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=30, help="rounds (each side saves once)")
    parser.add_argument("--spacing", type=float, default=0.3, help="seconds between saves")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds before a miss")
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    figures = measure(args.saves, args.spacing, args.timeout)
    drive, web = figures["drive"], figures["web"]
    difference = {
        key: (web[key] - drive[key])  # type: ignore[operator]
        if web[key] is not None and drive[key] is not None
        else None
        for key in ("p50_ms", "p90_ms")
    }
    if args.json:
        print(json.dumps({**figures, "web_minus_drive": difference}, indent=2))
        return
    print(f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores")
    print(f"{'save':<8}{'p50 ms':>10}{'p90 ms':>10}{'max ms':>10}{'saves':>8}{'missed':>8}")
    for name, row in figures.items():
        cells = [
            f"{row[k]:10.1f}" if row[k] is not None else f"{'-':>10}"
            for k in ("p50_ms", "p90_ms", "max_ms")
        ]
        print(f"{name:<8}{''.join(cells)}{row['saves']:>8}{row['missed']:>8}")
    print(
        "web - drive: "
        + ", ".join(
            f"{key[:3]} {value:+.1f} ms" if value is not None else f"{key[:3]} -"
            for key, value in difference.items()
        )
    )


if __name__ == "__main__":
    main()
