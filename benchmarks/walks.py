"""Which of Protoboard's files three everyday actions pass through, in the order first entered.

A reader's map of the house: the fewer and better named the files, the easier a change is to
follow. Each walk runs for real with a profile hook that records the first call into each of
Protoboard's source files:

* ``pin``: ``led.value = True`` from a program, down to the simulated pin (in-process);
* ``save``: ``protoboard run``; save ``code.py``; the new run's first output line (every process:
  supervisor, fork server, VM), counting only what happens between the save and that line;
* ``install``: ``protoboard install adafruit_bme280`` from a local bundle (offline, in-process).

Usage: ``python benchmarks/walks.py [pin|save|install ...] [--json]`` with the Protoboard to
map installed in that interpreter (an editable install of any checkout works).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

#: our source roots (both layouts: core/ or core/protoboard/)
ROOT_NAMES = ("core", "shared-bindings", "ports")


def _repo_of(module_file: str) -> Path:
    path = Path(module_file).resolve()
    for parent in path.parents:
        if (parent / "pyproject.toml").exists() and (parent / "core").is_dir():
            return parent
    raise SystemExit(f"cannot find the repository above {module_file}")


class Recorder:
    """A profile hook that remembers each of our source files the first time it is entered."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self.roots = tuple(str(repo / name) + os.sep for name in ROOT_NAMES)
        self.seen: dict[str, None] = {}

    def __call__(self, frame: Any, event: str, arg: Any) -> None:
        if event == "call":
            name = frame.f_code.co_filename
            if name not in self.seen and name.startswith(self.roots):
                self.seen[name] = None

    def files(self) -> list[str]:
        return [str(Path(f).relative_to(self.repo)) for f in self.seen]


def walk_pin() -> list[str]:
    from protoboard.testing import simulated_board

    with simulated_board() as _sim:
        import board
        import digitalio

        led = digitalio.DigitalInOut(board.LED)
        led.direction = digitalio.Direction.OUTPUT
        led.value = False
        hook = Recorder(_repo_of(digitalio.__file__))
        sys.setprofile(hook)
        try:
            led.value = True
        finally:
            sys.setprofile(None)
        led.deinit()
    return hook.files()


# -- save: every process, via a sitecustomize that writes what each process entered -----------

# Each process appends "time file" when it enters one of our files, at most every 20 ms per file
# (the supervisor's loop runs all the time), so the calls after the save can be picked out.
_SITECUSTOMIZE = """
import os, sys, time
_roots = tuple(os.environ["WALK_ROOTS"].split(os.pathsep))
_out = os.environ["WALK_OUT"]
_last = {}
def _hook(frame, event, arg):
    if event == "call":
        name = frame.f_code.co_filename
        if name.startswith(_roots):
            now = time.time()
            if now - _last.get(name, 0.0) > 0.02:
                _last[name] = now
                with open(os.path.join(_out, str(os.getpid())), "a") as f:
                    f.write(f"{now:.6f} {name}\\n")
sys.setprofile(_hook)
import threading; threading.setprofile(_hook)
os.register_at_fork(after_in_child=lambda: sys.setprofile(_hook))
"""


def walk_save() -> list[str]:
    import protoboard.machine as machine_module

    repo = _repo_of(machine_module.__file__)
    exe = Path(sys.executable).parent / "protoboard"
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        drive, out, site = tmp_path / "drive", tmp_path / "out", tmp_path / "site"
        for folder in (drive, out, site):
            folder.mkdir()
        (site / "sitecustomize.py").write_text(_SITECUSTOMIZE)
        (drive / "code.py").write_text("print('first')\n")
        env = dict(
            os.environ,
            PYTHONPATH=str(site),
            WALK_OUT=str(out),
            WALK_ROOTS=os.pathsep.join(str(repo / n) + os.sep for n in ROOT_NAMES),
        )
        proc = subprocess.Popen(
            [str(exe), "run", "--drive", str(drive)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
        )
        assert proc.stdout is not None
        lines: list[str] = []
        threading.Thread(
            target=lambda: lines.extend(iter(proc.stdout.readline, b"")),  # type: ignore[union-attr]
            daemon=True,
        ).start()
        _wait_for(lines, b"first")
        time.sleep(1.0)  # the spare VM is ready; what follows is the save alone
        saved_at = time.time()
        (drive / "code.py").write_text("print('second')\n")
        _wait_for(lines, b"second")
        proc.terminate()
        proc.wait(10)
        entered: list[tuple[float, str]] = []
        for record in out.iterdir():
            for line in record.read_text().splitlines():
                stamp, name = line.split(" ", 1)
                if float(stamp) >= saved_at:
                    entered.append((float(stamp), name))
    first: dict[str, None] = {}
    for _, name in sorted(entered):
        first.setdefault(str(Path(name).relative_to(repo)), None)
    return list(first)


def _wait_for(lines: list[Any], text: bytes, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not any(text in line for line in lines):
        if time.monotonic() > deadline:
            raise SystemExit(f"no {text!r} within {timeout} s: {b''.join(lines)!r}")
        time.sleep(0.01)


# -- install: a local three-library bundle, offline ------------------------------------------

_LIBS = {
    "adafruit_bme280": ("2.6.28", ["adafruit_bus_device", "adafruit_register"], True),
    "adafruit_bus_device": ("5.2.13", [], True),
    "adafruit_register": ("1.11.1", [], True),
}


def _bundle(folder: Path) -> Path:
    tag, prefix = "20261120", "adafruit-circuitpython-bundle"
    meta = {}
    with zipfile.ZipFile(folder / f"{prefix}-py-{tag}.zip", "w") as zf:
        for name, (version, deps, package) in _LIBS.items():
            body = f"__version__ = '{version}'\n"
            member = f"{name}/__init__.py" if package else f"{name}.py"
            zf.writestr(f"{prefix}-py-{tag}/lib/{member}", body)
            meta[name] = {
                "package": package,
                "version": version,
                "path": f"lib/{name}",
                "dependencies": deps,
                "external_dependencies": [],
                "pypi_name": name.replace("_", "-"),
                "repo": f"https://example.org/{name}",
                "pypi_description": name,
            }
    (folder / f"{prefix}-{tag}.json").write_text(json.dumps(meta))
    return folder / f"{prefix}-py-{tag}.zip"


def walk_install() -> list[str]:
    from click.testing import CliRunner

    import protoboard.machine as machine_module
    from protoboard.cli import main

    repo = _repo_of(machine_module.__file__)
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        drive = tmp_path / "CIRCUITPY"
        (drive / "lib").mkdir(parents=True)
        (drive / "boot_out.txt").write_text(
            "Adafruit CircuitPython 10.0.3 on 2025-10-17; Adafruit Feather RP2040 with rp2040\n"
            "Board ID:adafruit_feather_rp2040\n"
        )
        zip_path = _bundle(tmp_path)
        args = ["install", "adafruit_bme280", "--py", "--path", str(drive)]
        args += ["--bundle", str(zip_path), "--offline"]
        os.environ["XDG_CACHE_HOME"] = str(tmp_path / "cache")
        os.environ["XDG_CONFIG_HOME"] = str(tmp_path / "config")
        hook = Recorder(repo)
        sys.setprofile(hook)
        threading.setprofile(hook)
        try:
            result = CliRunner().invoke(main, args)
        finally:
            sys.setprofile(None)
            threading.setprofile(None)  # type: ignore[arg-type]
        if result.exit_code != 0:
            raise SystemExit(f"install failed ({result.exit_code}):\n{result.output}")
        assert (drive / "lib/adafruit_bme280/__init__.py").exists()
    return hook.files()


WALKS = {"pin": walk_pin, "save": walk_save, "install": walk_install}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("walks", nargs="*", metavar="WALK", help="pin, save or install (all)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    unknown = set(args.walks) - WALKS.keys()
    if unknown:
        parser.error(f"unknown walk {', '.join(sorted(unknown))}: choose from {', '.join(WALKS)}")
    results = {name: WALKS[name]() for name in (args.walks or WALKS)}
    if args.json:
        print(json.dumps(results, indent=1))
        return
    for name, files in results.items():
        print(f"{name}: {len(files)} files")
        print(textwrap.indent("\n".join(files), "  "))


if __name__ == "__main__":
    main()
