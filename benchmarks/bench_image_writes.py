"""Write amplification of ``protoboard run --image``: bytes the supervisor writes per byte the
program writes.

A real ``protoboard run --image FILE`` process runs a program that appends ``--bytes`` bytes to
``log.txt`` every ``--interval`` seconds (open, write, close), ``--count`` times, on an image of
``--image-size`` MiB. The bytes the supervisor process wrote are read from ``/proc/<pid>/io``
(``wchar``: what it passed to write calls, page cache included, so it does not depend on the
file system under the image; ``write_bytes``, what reached the block layer, is shown too), from
the moment the program starts writing to the moment the last write reached the image. The
program's writes happen in the VM process, so they are not in the supervisor's counts; what the
supervisor writes besides the image (console text, pipes) is a few hundred bytes.

Two ratios are printed: per byte the program wrote (the issue's figure), and per byte a FAT
driver on a board would write for the same appends (the anchor: for each append, one data
sector and the folder entry's sector; plus two FAT sectors, one per FAT copy, when the file
needs a new cluster), what CircuitPython's oofatfs does on ``close()``.

Linux only (``/proc``). Run it from the repository root::

    python benchmarks/bench_image_writes.py                 # 64 MiB image, 9 bytes / 100 ms
    python benchmarks/bench_image_writes.py --python /tmp/h4-before/.venv/bin/python
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROGRAM = """\
import time
for i in range({count}):
    with open("log.txt", "a") as f:
        f.write("{payload}")
    time.sleep({interval})
print("bench: wrote all", flush=True)
while True:
    time.sleep(1)
"""
BOOT = "import storage\nstorage.remount('/', readonly=False)\n"


def make_image(python: str, image: Path, size_mib: int, program: str, env: dict[str, str]) -> None:
    """A new image holding boot.py (the program may write the drive) and code.py, made by the
    Protoboard under test."""
    script = f"""
import pathlib, sys
from protoboard.runtime.fatimage import ImageDrive
image, work = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
drive = ImageDrive(image, work)
drive.create({size_mib} << 20)
drive.open()
(work / "boot.py").write_text({BOOT!r})
(work / "code.py").write_text({program!r})
drive.sync_to_image()
"""
    work = image.with_name("prepare")
    subprocess.run([python, "-c", script, str(image), str(work)], check=True, env=env)


def io_counts(pid: int) -> dict[str, int]:
    counts: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/io").read_text().splitlines():
        key, _, value = line.partition(":")
        counts[key] = int(value)
    return counts


def image_holds(python: str, image: Path, size: int, env: dict[str, str]) -> int:
    """How many bytes ``log.txt`` has in the image (read with the tested Protoboard)."""
    script = """
import pathlib, sys, tempfile
from protoboard.runtime.fatimage import ImageDrive
drive = ImageDrive(pathlib.Path(sys.argv[1]), pathlib.Path(tempfile.mkdtemp()))
drive.open()
log = drive.work / "log.txt"
print(log.stat().st_size if log.exists() else 0)
"""
    result = subprocess.run(
        [python, "-c", script, str(image)], capture_output=True, text=True, env=env, check=False
    )
    try:
        return int(result.stdout.split()[-1])
    except (IndexError, ValueError):
        return -1  # the image could not be read at that instant (being replaced)


def driver_bytes(count: int, size: int, cluster: int) -> int:
    """What a board's FAT driver writes for ``count`` appends of ``size`` bytes: a data sector
    and the folder entry's sector per append, and both FAT copies' sector per new cluster."""
    clusters = math.ceil(count * size / cluster)
    return count * 2 * 512 + clusters * 2 * 512


def cluster_size(python: str, image: Path, env: dict[str, str]) -> int:
    script = "import sys; raw = open(sys.argv[1], 'rb').read(16); "
    script += "print(int.from_bytes(raw[11:13], 'little') * raw[13])"
    out = subprocess.run(
        [python, "-c", script, str(image)], capture_output=True, text=True, env=env, check=True
    )
    return int(out.stdout)


def measure(args: argparse.Namespace) -> dict[str, object]:  # Long: one linear experiment
    with tempfile.TemporaryDirectory(prefix="bench-image-") as tmp:
        folder = Path(tmp)
        env = {**os.environ, "XDG_CACHE_HOME": str(folder / "cache")}
        env.pop("PROTOBOARD_DEBUG", None)
        image = folder / "CIRCUITPY.img"
        program = PROGRAM.format(count=args.count, payload="x" * args.bytes, interval=args.interval)
        make_image(args.python, image, args.image_size, program, env)
        wanted = args.count * args.bytes
        board = subprocess.Popen(
            [args.python, "-m", "protoboard.cli", "run", "--image", str(image)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=env,
            start_new_session=True,
        )
        try:
            assert board.stdout is not None
            os.set_blocking(board.stdout.fileno(), False)
            seen = b""
            deadline = time.monotonic() + 60
            # wait until the board has booted and the program runs (the first append)
            while b"code.py output:" not in seen and time.monotonic() < deadline:
                time.sleep(0.05)
                seen += board.stdout.read() or b""
            start = io_counts(board.pid)
            started = time.monotonic()
            while time.monotonic() < deadline:
                time.sleep(0.2)
                seen += board.stdout.read() or b""
                if b"bench: wrote all" in seen:
                    break
            # the last appends reach the image at the next sync
            held = -1
            while time.monotonic() < deadline:
                held = image_holds(args.python, image, wanted, env)
                if held == wanted:
                    break
                time.sleep(0.2)
            end = io_counts(board.pid)
            elapsed = time.monotonic() - started
        finally:
            board.terminate()
            board.wait(timeout=30)
        written = end["wchar"] - start["wchar"]
        anchor = driver_bytes(args.count, args.bytes, cluster_size(args.python, image, env))
        return {
            "python": args.python,
            "image_mib": args.image_size,
            "appends": args.count,
            "bytes_per_append": args.bytes,
            "interval_s": args.interval,
            "program_bytes": wanted,
            "image_holds": held,
            "seconds": round(elapsed, 2),
            "supervisor_wchar": written,
            "supervisor_write_bytes": end["write_bytes"] - start["write_bytes"],
            "supervisor_wchar_per_s": round(written / elapsed),
            "per_program_byte": round(written / wanted, 1),
            "fat_driver_bytes": anchor,
            "per_fat_driver_byte": round(written / anchor, 2),
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--python", default=sys.executable, help="interpreter with Protoboard")
    parser.add_argument("--image-size", type=int, default=64, help="MiB (default 64)")
    parser.add_argument("--bytes", type=int, default=9, help="bytes per append (default 9)")
    parser.add_argument("--interval", type=float, default=0.1, help="seconds (default 0.1)")
    parser.add_argument("--count", type=int, default=50, help="appends (default 50)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args)
    if args.json:
        print(json.dumps(result))
        return
    for key, value in result.items():
        print(f"{key:>24}: {value}")


if __name__ == "__main__":
    main()
