"""Shared helpers for the benchmark scripts (timing, medians, subprocess workers, Blinka's venv).

Only the standard library here: this module is also imported by workers running in the Blinka
venv, where Protoboard is not installed.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
BLINKA_VENV = HERE / ".venv-blinka"
CACHE_LIBS = HERE / ".cache" / "libs"


def rate(operation: Callable[[int], None], count: int) -> float:
    """Operations per second of ``operation(count)`` (which performs ``count`` operations)."""
    start = time.perf_counter()
    operation(count)
    elapsed = time.perf_counter() - start
    return count / elapsed


def calls_per_op(operation: Callable[[int], None], count: int = 1000) -> float:
    """Function calls (Python and builtin, as cProfile counts them) per operation: a measure of
    work that, unlike a rate, does not depend on how busy this machine is."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.runcall(operation, count)
    return pstats.Stats(profiler).total_calls / count  # type: ignore[attr-defined]


def medians(samples: dict[str, list[float]]) -> dict[str, dict[str, Any]]:
    return {
        name: {
            "median": statistics.median(values),
            "min": min(values),
            "max": max(values),
            "samples": values,
        }
        for name, values in samples.items()
    }


def emit(data: dict[str, Any]) -> None:
    """A worker's result: one JSON line on stdout."""
    data.setdefault("python", platform.python_version())
    print(json.dumps(data))


def run_worker(
    python: str | os.PathLike[str], script: Path, args: list[str], env: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run ``python script args`` and return the JSON its last stdout line holds."""
    full_env = dict(os.environ)
    full_env.update(env or {})
    result = subprocess.run(
        [str(python), str(script), *args],
        capture_output=True,
        text=True,
        env=full_env,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"worker {script.name} {' '.join(args)} failed ({result.returncode}):\n"
            f"{result.stdout}\n{result.stderr}"
        )
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if not lines:
        raise RuntimeError(f"worker printed no JSON:\n{result.stdout}\n{result.stderr}")
    return json.loads(lines[-1])


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_blinka_venv(venv: Path = BLINKA_VENV) -> Path:
    """Blinka in its own venv (never next to Protoboard: both install ``board``, ``digitalio``...).

    Created on first use with ``python -m venv`` and ``pip install adafruit-blinka``.
    """
    python = venv_python(venv)
    if python.exists():
        probe = subprocess.run(
            [str(python), "-c", "import adafruit_blinka"], capture_output=True, check=False
        )
        if probe.returncode == 0:
            return python
    print(f"creating {venv} with adafruit-blinka (once)...", file=sys.stderr)
    base = getattr(sys, "_base_executable", None) or sys.executable
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", "adafruit-blinka"], check=True)
    return python


#: adafruit_bus_device's i2c_device evaluates its annotations (ReadableBuffer...), so it needs
#: circuitpython_typing, which needs typing_extensions; Blinka, its other dependency, stays out.
BUSDEVICE_PACKAGES = {
    "adafruit_bus_device": "adafruit-circuitpython-busdevice",
    "circuitpython_typing": "adafruit-circuitpython-typing",
    "typing_extensions.py": "typing-extensions",
}


def ensure_busdevice(target: Path = CACHE_LIBS) -> Path:
    """adafruit_bus_device from PyPI into ``target``, with ``--no-deps`` (no Blinka)."""
    missing = [dist for name, dist in BUSDEVICE_PACKAGES.items() if not (target / name).exists()]
    if missing:
        print(f"installing {', '.join(missing)} into {target} (once)...", file=sys.stderr)
        subprocess.run(
            [
                sys.executable,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--no-deps",
                "--target",
                str(target),
                *missing,
            ],
            check=True,
        )
    return target


def package_version(python: str | os.PathLike[str], distribution: str) -> str:
    result = subprocess.run(
        [str(python), "-c", f"import importlib.metadata as m; print(m.version({distribution!r}))"],
        capture_output=True,
        text=True,
        check=False,
    )
    return result.stdout.strip() or "?"
