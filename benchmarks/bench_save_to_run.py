"""Save-to-run latency: from the close of a write to code.py until the new program's first line
appears on the console, Protoboard's autoreload vs ``watchmedo auto-restart``, side by side.

Each side runs as a long-lived process on its own temporary drive folder:

* **watchmedo** (the anchor): ``watchmedo auto-restart --directory DIR --patterns '*.py'
  --recursive -- python DIR/code.py`` (watchdog's restart-on-change tool, default options;
  with watchdog 7+ the pattern must be ``'**/*.py'``, which the script then uses: there
  ``*.py`` matches no absolute path and nothing would ever restart);
* **ours**: ``protoboard run --drive DIR`` (prints the program's output on stdout, a line at a
  time; runs code.py once the drive settles after a save).

The code.py written for each save prints a unique marker (``print(..., flush=True)``), then
sleeps in a loop. After a first run, each of ``--saves`` rounds writes code.py on every side
in turn (open, write, close; the close is timed with ``time.perf_counter``) and reads that
side's stdout until the marker line arrives; the sides alternate which goes first, and each
save is followed by a pause of ``--spacing`` seconds plus up to ``--jitter`` seconds. A save
whose marker does not arrive within ``--timeout`` seconds is *missed*. The script prints median,
p90 and max latency and the missed saves per side, and the ratio ours/watchmedo.

``--startup`` measures instead the time from launching each command (on a fresh drive folder)
to the first line of code.py's output, ``--repeats`` times, with ``python code.py`` as the
cold-start reference.

Not a test: nothing here fails on a slow result. Every process started here runs in its own
session and is killed with its whole tree (including watchmedo's child, which watchmedo puts
in a session of its own) at the end, on error and on Ctrl-C.

    python benchmarks/bench_save_to_run.py [--saves 30] [--sides watchmedo,ours] [--json]
    python benchmarks/bench_save_to_run.py --startup [--repeats 10]
"""

from __future__ import annotations

import argparse
import atexit
import collections
import contextlib
import ctypes
import json
import math
import os
import platform
import queue
import random
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BIN = Path(sys.executable).parent

CODE = """\
import time

print({marker!r}, flush=True)
while True:
    time.sleep(1)
"""

NOT_AVAILABLE = """\
protoboard run is not available: `{command}` failed ({reason}).
The 'ours' side needs `protoboard run --drive DIR`. Measure the anchor alone with
  python benchmarks/bench_save_to_run.py --sides watchmedo
and run the full comparison once `protoboard run` exists."""


# -- processes ------------------------------------------------------------------------------

_LIVE: set[Console] = set()


def _children() -> dict[int, list[int]]:
    """Parent pid -> child pids, from /proc (Linux); empty elsewhere."""
    tree: dict[int, list[int]] = collections.defaultdict(list)
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may hold spaces and parentheses
        fields = stat[stat.rfind(")") + 2 :].split()
        tree[int(fields[1])].append(int(entry.name))
    return tree


def _descendants(pid: int) -> list[int]:
    tree = _children()
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in tree.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


class Console:
    """A command whose stdout lines are read, time-stamped, by a thread."""

    def __init__(self, command: list[str], cwd: Path, name: str) -> None:
        self.name = name
        self.command = command
        self.lines: queue.Queue[tuple[float, str] | None] = queue.Queue()
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=40)
        self.started = time.perf_counter()
        self.process = subprocess.Popen(
            command,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        _LIVE.add(self)
        self._known: set[int] = set()
        threading.Thread(target=self._read_stdout, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for raw in iter(self.process.stdout.readline, b""):
            self.lines.put((time.perf_counter(), raw.decode(errors="replace").rstrip("\r\n")))
        self.lines.put(None)

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for raw in iter(self.process.stderr.readline, b""):
            self.stderr_tail.append(raw.decode(errors="replace").rstrip())

    def drain(self) -> None:
        with contextlib.suppress(queue.Empty):
            while True:
                self.lines.get_nowait()

    def wait_for(self, marker: str, timeout: float) -> float | None:
        """perf_counter() when a line containing ``marker`` arrived, None after ``timeout``
        (or when the process ended)."""
        deadline = time.perf_counter() + timeout
        while True:
            remaining = deadline - time.perf_counter()
            if remaining <= 0:
                return None
            try:
                item = self.lines.get(timeout=min(remaining, 0.5))
            except queue.Empty:
                continue
            if item is None:
                return None
            stamp, line = item
            if marker in line:
                return stamp

    def remember_tree(self) -> None:
        """Note the process's descendants while they are still linked to it: some put
        themselves in their own session (watchmedo's child does), out of reach of killpg."""
        if self.process.poll() is None:
            with contextlib.suppress(OSError, ValueError):
                self._known.update(_descendants(self.process.pid))

    def problem(self) -> str:
        code = self.process.poll()
        status = "still running" if code is None else f"exited with status {code}"
        tail = "\n    ".join(self.stderr_tail) or "(nothing on stderr)"
        return f"{self.name}: {status}; stderr:\n    {tail}"

    def kill(self) -> None:
        """Stop the command and everything it started: SIGTERM to its process group, up to 3 s
        for it to stop its own children, then SIGKILL to whatever is left of its tree and to
        the orphans this process adopted (see :func:`enable_subreaper`)."""
        if self.process.poll() is None:
            self.remember_tree()
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGTERM)
            deadline = time.monotonic() + 3.0
            while self.process.poll() is None and time.monotonic() < deadline:
                self.remember_tree()  # children it starts while stopping (watchmedo may)
                time.sleep(0.05)
        for _ in range(50):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)  # its group, leader gone or not
            left = [pid for pid in self._known | set(_orphans()) if _alive(pid)]
            if not left:
                break
            for pid in left:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(pid, signal.SIGKILL)
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pid, signal.SIGKILL)  # a child in a session of its own
            time.sleep(0.05)
            _reap_orphans()
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=1)
        _reap_orphans()
        _LIVE.discard(self)


def enable_subreaper() -> bool:
    """Make this process adopt its orphaned descendants (Linux ``PR_SET_CHILD_SUBREAPER``), so
    that a grandchild whose parent died (watchmedo's child, in a session of its own, when
    watchmedo is killed) can still be found, as our child, and killed."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.prctl(36, 1, 0, 0, 0) == 0  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        return False


def _orphans() -> list[int]:
    """Adopted descendants: our children that are not the commands we started."""
    if not HAVE_PROC:
        return []
    ours = {console.process.pid for console in _LIVE}
    return [pid for pid in _children().get(os.getpid(), []) if pid not in ours]


def _reap_orphans() -> None:
    for pid in _orphans():
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)


HAVE_PROC = Path("/proc/self/stat").exists()


def _alive(pid: int) -> bool:
    if HAVE_PROC:
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            return False
        return stat[stat.rfind(")") + 2] != "Z"  # a zombie is dead, only not yet reaped
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_all() -> None:
    for console in list(_LIVE):
        with contextlib.suppress(Exception):
            console.kill()
    if HAVE_PROC:  # anything else still below us (adopted orphans and their children)
        for pid in _descendants(os.getpid()):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)
        _reap_orphans()


def _on_signal(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


# -- the sides ------------------------------------------------------------------------------


def _tool(name: str) -> str | None:
    candidate = BIN / name
    if candidate.exists():
        return str(candidate)
    return shutil.which(name)


def watchmedo_prefix() -> list[str]:
    tool = _tool("watchmedo")
    return [tool] if tool else [sys.executable, "-m", "watchdog.watchmedo"]


def watchmedo_pattern() -> str:
    """``*.py`` as watchmedo's documentation has long shown it; but from watchdog 7 patterns
    match the *whole* path (``PurePath.full_match``), where ``*.py`` matches no absolute path
    and watchmedo never restarts. Then ``**/*.py`` means the same thing."""
    try:
        from watchdog.utils.patterns import match_any_paths
    except ImportError:
        return "*.py"
    sample = str(Path(tempfile.gettempdir(), "drive", "code.py"))
    return "*.py" if match_any_paths([sample], included_patterns=["*.py"]) else "**/*.py"


WATCHMEDO_PATTERN = watchmedo_pattern()


def watchmedo_command(drive: Path) -> list[str]:
    return [
        *watchmedo_prefix(),
        "auto-restart",
        "--directory",
        str(drive),
        "--patterns",
        WATCHMEDO_PATTERN,
        "--recursive",
        "--",
        sys.executable,
        str(drive / "code.py"),
    ]


def ensure_watchmedo() -> None:
    """watchmedo ships with watchdog; its extra (``watchdog[watchmedo]``) adds PyYAML."""
    probe = subprocess.run(
        [*watchmedo_prefix(), "auto-restart", "--help"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return
    import importlib.metadata

    try:
        version = importlib.metadata.version("watchdog")
        requirement = f"watchdog[watchmedo]=={version}"  # same watchdog, plus the extra
    except importlib.metadata.PackageNotFoundError:
        requirement = "watchdog[watchmedo]"
    print(f"installing {requirement} (once)...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", requirement], check=True)


def ours_prefix() -> list[str]:
    tool = _tool("protoboard")
    return (
        [tool]
        if tool
        else [sys.executable, "-c", "import sys; from protoboard.cli import main; sys.exit(main())"]
    )


def ours_command(drive: Path, extra: list[str]) -> list[str]:
    return [*ours_prefix(), "run", "--drive", str(drive), *extra]


def check_ours(extra: list[str]) -> str | None:
    """None when ``protoboard run`` exists, else why not."""
    command = [*ours_prefix(), "run", *extra, "--help"]
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return NOT_AVAILABLE.format(command=shlex.join(command), reason=str(exc))
    if result.returncode != 0:
        lines = (result.stderr or result.stdout).strip().splitlines()
        reason = lines[-1] if lines else f"exit status {result.returncode}"
        return NOT_AVAILABLE.format(command=shlex.join(command), reason=reason)
    if "--drive" not in result.stdout:
        return NOT_AVAILABLE.format(
            command=shlex.join(command), reason="its --help does not mention --drive"
        )
    return None


def write_code(drive: Path, marker: str) -> float:
    """Save code.py the plain way (open, write, close); perf_counter() at the close."""
    data = CODE.format(marker=marker).encode()
    with open(drive / "code.py", "wb") as file:
        file.write(data)
    return time.perf_counter()


# -- statistics -----------------------------------------------------------------------------


def summary(latencies: list[float], missed: int) -> dict[str, Any]:
    ms = sorted(value * 1000 for value in latencies)
    result: dict[str, Any] = {"count": len(ms), "missed": missed, "samples_ms": ms}
    if ms:
        result.update(
            median_ms=statistics.median(ms),
            p90_ms=ms[math.ceil(0.9 * len(ms)) - 1],  # nearest rank
            min_ms=ms[0],
            max_ms=ms[-1],
        )
    return result


def _fmt(value: float | None) -> str:
    return "-" if value is None else f"{value:8.1f}"


# -- the two modes --------------------------------------------------------------------------


def measure_saves(sides: list[str], args: argparse.Namespace, root: Path) -> dict[str, Any]:
    extra = shlex.split(args.ours_args)
    token = uuid.uuid4().hex[:6]
    consoles: dict[str, Console] = {}
    drives: dict[str, Path] = {}
    for side in sides:
        drive = root / f"{side}-drive"
        drive.mkdir()
        drives[side] = drive
        marker = f"bench:{side}:start:{token};"
        write_code(drive, marker)
        command = watchmedo_command(drive) if side == "watchmedo" else ours_command(drive, extra)
        console = Console(command, drive, side)
        consoles[side] = console
        if console.wait_for(marker, args.start_timeout) is None:
            raise RuntimeError(
                f"{side} never printed its first marker "
                f"({shlex.join(command)})\n{console.problem()}"
            )
    latencies: dict[str, list[float]] = {side: [] for side in sides}
    missed: dict[str, list[int]] = {side: [] for side in sides}
    rng = random.Random(args.seed)
    total = args.warmup + args.saves
    for index in range(total):
        order = sides if index % 2 == 0 else list(reversed(sides))
        for side in order:
            console = consoles[side]
            marker = f"bench:{side}:{index}:{token};"
            console.drain()
            closed = write_code(drives[side], marker)
            seen = console.wait_for(marker, args.timeout)
            console.remember_tree()  # outside the timed part: it scans /proc
            if index >= args.warmup:
                if seen is None:
                    missed[side].append(index - args.warmup)
                else:
                    latencies[side].append(seen - closed)
            if console.process.poll() is not None:
                raise RuntimeError(f"{side} stopped during the run\n{console.problem()}")
            time.sleep(args.spacing + rng.uniform(0, args.jitter))
        if not args.json:
            done = index + 1 - args.warmup
            if done > 0 and (done % 10 == 0 or done == args.saves):
                print(f"  {done}/{args.saves} saves", file=sys.stderr)
    for console in consoles.values():
        console.kill()
    result = {side: summary(latencies[side], len(missed[side])) for side in sides}
    for side in sides:
        result[side]["missed_saves"] = missed[side]
        result[side]["command"] = shlex.join(
            watchmedo_command(Path("DIR"))
            if side == "watchmedo"
            else ours_command(Path("DIR"), extra)
        )
    return result


def measure_startup(sides: list[str], args: argparse.Namespace, root: Path) -> dict[str, Any]:
    extra = shlex.split(args.ours_args)
    samples: dict[str, list[float]] = {side: [] for side in sides}
    failures: dict[str, int] = {side: 0 for side in sides}
    for index in range(args.repeats):
        order = sides if index % 2 == 0 else list(reversed(sides))
        for side in order:
            drive = root / f"startup-{side}-{index}"
            drive.mkdir()
            marker = f"bench:startup:{side}:{index}:{uuid.uuid4().hex[:6]};"
            write_code(drive, marker)
            if side == "python":
                command = [sys.executable, str(drive / "code.py")]
            elif side == "watchmedo":
                command = watchmedo_command(drive)
            else:
                command = ours_command(drive, extra)
            console = Console(command, drive, side)
            try:
                seen = console.wait_for(marker, args.start_timeout)
            finally:
                console.kill()
            if seen is None:
                failures[side] += 1
                print(
                    f"  {side}: no output within {args.start_timeout} s\n  {console.problem()}",
                    file=sys.stderr,
                )
            else:
                samples[side].append(seen - console.started)
            time.sleep(0.2)
    result = {side: summary(samples[side], failures[side]) for side in sides}
    for side in sides:
        result[side]["failed"] = result[side].pop("missed")
    return result


def print_saves(result: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"save-to-run latency, close of code.py -> first line of the new run "
        f"({args.saves} saves per side, Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs)"
    )
    print(f"{'':12}{'median ms':>10}{'p90 ms':>10}{'max ms':>10}{'min ms':>10}{'missed':>8}")
    for side in ("watchmedo", "ours"):
        if side in result["sides"]:
            r = result["sides"][side]
            print(
                f"{side:12}{_fmt(r.get('median_ms')):>10}{_fmt(r.get('p90_ms')):>10}"
                f"{_fmt(r.get('max_ms')):>10}{_fmt(r.get('min_ms')):>10}"
                f"{r['missed']:>5}/{args.saves}"
            )
    if "ratio_ours_over_watchmedo" in result:
        ratio = result["ratio_ours_over_watchmedo"]
        print(f"{'ours/watchmedo':12}{ratio['median']:>10.2f}{ratio['p90']:>10.2f}")
    for side, r in result["sides"].items():
        print(f"  {side}: {r['command']}")


def print_startup(result: dict[str, Any], args: argparse.Namespace) -> None:
    print(
        f"start-up, launch -> first line of code.py ({args.repeats} launches each, "
        f"Python {platform.python_version()}, {os.cpu_count()} CPUs)"
    )
    print(f"{'':12}{'median ms':>10}{'p90 ms':>10}{'max ms':>10}{'failed':>8}")
    for side, r in result["sides"].items():
        print(
            f"{side:12}{_fmt(r.get('median_ms')):>10}{_fmt(r.get('p90_ms')):>10}"
            f"{_fmt(r.get('max_ms')):>10}{r['failed']:>5}/{args.repeats}"
        )
    if "ratio_ours_over_python" in result:
        print(f"ours/python (medians): {result['ratio_ours_over_python']:.2f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--saves", type=int, default=30, help="timed saves per side (30)")
    parser.add_argument(
        "--warmup",
        type=int,
        default=1,
        help="saves per side before the timed ones, not counted (1)",
    )
    parser.add_argument(
        "--spacing",
        type=float,
        default=0.5,
        help="pause after each save, in seconds (0.5), plus jitter",
    )
    parser.add_argument(
        "--jitter",
        type=float,
        default=0.2,
        help="up to this many random seconds added to each pause (0.2)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=5.0,
        help="a save whose marker has not appeared after this many seconds is missed (5)",
    )
    parser.add_argument(
        "--start-timeout",
        type=float,
        default=30.0,
        help="seconds allowed for a process's first output (30)",
    )
    parser.add_argument(
        "--sides",
        default=None,
        help="comma-separated: watchmedo,ours (default), with --startup python,watchmedo,ours",
    )
    parser.add_argument(
        "--ours-args", default="", help="extra arguments for `protoboard run` (e.g. '--board ID')"
    )
    parser.add_argument(
        "--startup",
        action="store_true",
        help="measure launch -> first line instead of save -> first line",
    )
    parser.add_argument(
        "--repeats", type=int, default=10, help="launches per side with --startup (10)"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed for the jitter")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args(argv)

    default_sides = "python,watchmedo,ours" if args.startup else "watchmedo,ours"
    sides = [s.strip() for s in (args.sides or default_sides).split(",") if s.strip()]
    allowed = {"python", "watchmedo", "ours"} if args.startup else {"watchmedo", "ours"}
    unknown = [s for s in sides if s not in allowed]
    if unknown or not sides:
        parser.error(f"--sides: choose among {', '.join(sorted(allowed))}")

    if "ours" in sides:
        problem = check_ours(shlex.split(args.ours_args))
        if problem:
            print(problem, file=sys.stderr)
            return 2
    if "watchmedo" in sides:
        ensure_watchmedo()

    enable_subreaper()
    atexit.register(kill_all)
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGTERM, signal.SIGHUP)}
    root = Path(tempfile.mkdtemp(prefix="bench-save-to-run-"))
    try:
        if args.startup:
            measured = measure_startup(sides, args, root)
        else:
            measured = measure_saves(sides, args, root)
    except KeyboardInterrupt:
        print("interrupted; stopping the processes", file=sys.stderr)
        return 130
    except RuntimeError as exc:
        print(f"bench_save_to_run: {exc}", file=sys.stderr)
        return 1
    finally:
        kill_all()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        shutil.rmtree(root, ignore_errors=True)

    import importlib.metadata

    versions = {}
    for dist in ("watchdog", "protoboard"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[dist] = importlib.metadata.version(dist)
    result: dict[str, Any] = {
        "benchmark": "save_to_run_startup" if args.startup else "save_to_run",
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "versions": versions,
        "sides": measured,
    }
    if args.startup:
        result["repeats"] = args.repeats
        if {"ours", "python"} <= measured.keys() and all(
            "median_ms" in measured[s] for s in ("ours", "python")
        ):
            result["ratio_ours_over_python"] = (
                measured["ours"]["median_ms"] / measured["python"]["median_ms"]
            )
    else:
        result.update(
            saves=args.saves, spacing=args.spacing, jitter=args.jitter, timeout=args.timeout
        )
        if {"ours", "watchmedo"} <= measured.keys() and all(
            "median_ms" in measured[s] for s in ("ours", "watchmedo")
        ):
            result["ratio_ours_over_watchmedo"] = {
                key: measured["ours"][f"{key}_ms"] / measured["watchmedo"][f"{key}_ms"]
                for key in ("median", "p90", "max")
            }
    if args.json:
        print(json.dumps(result, indent=2))
    elif args.startup:
        print_startup(result, args)
    else:
        print_saves(result, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
