"""The bundler (protoboard.bundler.build and its CLI), on local fixtures only.

PyPI is replaced by a fake fetcher serving sdists and wheels built here in tmp_path; git sources
use a local repository through file://; mpy-cross is the fake of test_mpycross.py. Tests that
use real PyPI and real circup are in tests/interop/test_circup_bundle.py.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from test_mpycross import fake_output, write_fake_mpy_cross

from protoboard.bundler import build as bundler
from protoboard.bundler import zipwriter
from protoboard.bundler.build import (
    BundlerError,
    build_bundle,
    default_tag,
    load_manifest,
    stamp_version,
)
from protoboard.bundler.commands import build as build_command
from protoboard.bundler.mpycross import MpyCross
from protoboard.updater.bundle import REQUIRED_KEYS, Bundle
from protoboard.updater.fetch import NotFoundError
from protoboard.updater.mpy import read_mpy_header

ROOT = Path(__file__).resolve().parents[2]
TAG = "20261121"
PYPI = "https://pypi.example/pypi"
JSON_KEYS = {
    "package",
    "pypi_name",
    "version",
    "repo",
    "path",
    "dependencies",
    "external_dependencies",
    "pypi_description",
}


# -- fixtures: sources -------------------------------------------------------------------------


def write_tree(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content.encode() if isinstance(content, str) else content)
    return root


FIRST_PARTY = {
    "pyproject.toml": '[project]\nname = "fp-helper"\nversion = "1.4.0"\n'
    'description = "A first-party helper"\n'
    '[project.urls]\nHomepage = "https://Example.org/FP_Helper.git"\n'
    '[tool.setuptools]\npy-modules = ["fp_helper"]\n',
    "fp_helper.py": '"""helper"""\n__version__ = "0.0.0+auto.0"\nVALUE = 1\n',
    "requirements.txt": "# deps\nAdafruit-Blinka\nadafruit-circuitpython-fakesensor>=1.0\n"
    "Some_External~=2.0\n",
    "examples/fp-demo.py": "import fp_helper\n",
    "examples/sub/more.txt": "notes\n",
}

SENSOR_FILES = {
    "pyproject.toml": '[project]\nname = "adafruit-circuitpython-fakesensor"\n'
    'description = "Fake sensor driver"\ndynamic = ["version"]\n'
    '[tool.setuptools]\npackages = ["adafruit_fakesensor"]\n',
    "requirements.txt": "Adafruit-Blinka\nadafruit-circuitpython-busdevice\n"
    "typing-extensions~=4.0\n",
    "adafruit_fakesensor/__init__.py": "",
    "adafruit_fakesensor/core.py": "__version__ = '0.0.0-auto.0'\r\nREADING = 42",
    "adafruit_fakesensor/font.bin": b"\x00\x01\x02",
    "examples/fakesensor_simpletest.py": "import adafruit_fakesensor\n",
    "setup.py": "raise SystemExit('not a module')\n",
}


def make_sdist(folder: Path, dist: str, version: str, files: dict[str, str | bytes]) -> Path:
    """An sdist .tar.gz: one top folder ``<dist>-<version>/`` holding ``files``."""
    top = f"{dist.replace('-', '_')}-{version}"
    src = write_tree(folder / "build" / top, files)
    path = folder / f"{top}.tar.gz"
    with tarfile.open(path, "w:gz") as tf:
        tf.add(src, arcname=top)
    return path


def make_wheel(
    folder: Path, dist: str, version: str, files: dict[str, str], requires: list[str]
) -> Path:
    name = dist.replace("-", "_")
    meta = [
        f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n"
        "Summary: Bus device classes\n"
        "Project-URL: Homepage, https://github.com/adafruit/Adafruit_CircuitPython_BusDevice\n"
    ]
    meta += [f"Requires-Dist: {r}\n" for r in requires]
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as zf:
        for rel, content in files.items():
            zf.writestr(rel, content)
        zf.writestr(f"{name}-{version}.dist-info/METADATA", "".join(meta))
        zf.writestr(f"{name}-{version}.dist-info/RECORD", "")
    return path


class FakePyPI:
    """The two calls the bundler makes on a Fetcher, answered from local files."""

    def __init__(self) -> None:
        self.json: dict[str, Any] = {}
        self.files: dict[str, Path] = {}
        self.forgotten: list[str] = []

    def add(
        self,
        dist: str,
        version: str,
        path: Path,
        *,
        packagetype: str = "sdist",
        sha256: str | None = None,
        per_version: bool = True,
    ) -> None:
        url = f"https://files.example/{path.name}"
        self.files[url] = path
        entry = {
            "packagetype": packagetype,
            "filename": path.name,
            "url": url,
            "digests": {"sha256": sha256 or hashlib.sha256(path.read_bytes()).hexdigest()},
        }
        info = {
            "name": dist,
            "version": version,
            "summary": f"{dist} summary",
            "project_urls": {"Homepage": f"https://github.com/adafruit/{dist}"},
        }
        if per_version:
            self.json[f"{PYPI}/{dist}/{version}/json"] = {"info": info, "urls": [entry]}
        project = self.json.setdefault(f"{PYPI}/{dist}/json", {"info": info, "releases": {}})
        project["releases"][version] = [entry]

    def get_json(self, url: str, *, refresh: bool = True) -> Any:
        if url not in self.json:
            raise NotFoundError(f"{url} was not found (HTTP 404)")
        return self.json[url]

    def get(
        self, url: str, *, sha256: str | None = None, name: str | None = None, refresh: bool = True
    ) -> Path:
        if url not in self.files:
            raise NotFoundError(f"{url} was not found (HTTP 404)")
        return self.files[url]

    def forget(self, url: str) -> None:
        self.forgotten.append(url)


@pytest.fixture
def pypi(tmp_path: Path) -> FakePyPI:
    fake = FakePyPI()
    dl = tmp_path / "downloads"
    dl.mkdir()
    fake.add(
        "adafruit-circuitpython-fakesensor",
        "1.2.3",
        make_sdist(dl, "adafruit-circuitpython-fakesensor", "1.2.3", SENSOR_FILES),
    )
    wheel = make_wheel(
        dl,
        "adafruit-circuitpython-busdevice",
        "5.2.17",
        {
            "adafruit_bus_device/__init__.py": "",
            "adafruit_bus_device/i2c_device.py": '__version__ = "5.2.17"\n',
        },
        ["Adafruit-Blinka>=7.0.0", "adafruit-circuitpython-typing", 'pytest; extra == "test"'],
    )
    fake.add(
        "adafruit-circuitpython-busdevice",
        "5.2.17",
        wheel,
        packagetype="bdist_wheel",
        per_version=False,
    )
    return fake


def write_manifest(folder: Path, body: str, *, header: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "test.toml"
    path.write_text(
        (
            header
            if header is not None
            else f'[bundle]\nprefix = "test-bundle"\ntag = "{TAG}"\ntargets = [10]\n'
        )
        + body
    )
    return path


LIBS = """
[[library]]
path = "libs/fp_helper"

[[library]]
pypi = "adafruit-circuitpython-fakesensor"
version = "1.2.3"

[[library]]
pypi = "adafruit-circuitpython-busdevice==5.2.17"
"""


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    write_tree(tmp_path / "m" / "libs" / "fp_helper", FIRST_PARTY)
    return write_manifest(tmp_path / "m", LIBS)


@pytest.fixture
def compiler(tmp_path: Path) -> MpyCross:
    return MpyCross(10, write_fake_mpy_cross(tmp_path / "bin"))


def build(manifest_path: Path, out: Path, pypi: FakePyPI, **kwargs: Any) -> bundler.BuildResult:
    return build_bundle(load_manifest(manifest_path), out, fetcher=pypi, pypi_url=PYPI, **kwargs)


def zip_entries(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


# -- the manifest ------------------------------------------------------------------------------


def test_manifest_fields_and_relative_paths(manifest: Path, tmp_path: Path):
    m = load_manifest(manifest)
    assert (m.prefix, m.name, m.tag, m.targets) == ("test-bundle", "test-bundle", TAG, (10,))
    kinds = [(s.kind, s.location, s.version) for s in m.libraries]
    assert kinds == [
        ("path", str(tmp_path / "m" / "libs" / "fp_helper"), None),
        ("pypi", "adafruit-circuitpython-fakesensor", "1.2.3"),
        ("pypi", "adafruit-circuitpython-busdevice", "5.2.17"),
    ]


def test_tag_precedence(tmp_path: Path):
    path = write_manifest(tmp_path, LIBS, header='[bundle]\nprefix = "p"\n')
    epoch = {"SOURCE_DATE_EPOCH": "1763683200"}  # 2025-11-21 00:00 UTC
    assert load_manifest(path, environ=epoch).tag == "20251121"
    assert load_manifest(path, tag="20240102", environ=epoch).tag == "20240102"
    assert load_manifest(path, environ={}).tag == default_tag({})
    with_tag = write_manifest(
        tmp_path / "t", LIBS, header='[bundle]\nprefix = "p"\ntag = "20230405"\n'
    )
    assert load_manifest(with_tag, environ=epoch).tag == "20230405"
    assert load_manifest(with_tag, tag="20240102").tag == "20240102"
    assert load_manifest(path).targets == (9, 10)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[bundle\nprefix = "x"', "not valid TOML"),
        ('[[library]]\npath = "x"\n', "missing [bundle] table"),
        ('[bundle]\nname = "x"\n[[library]]\npath = "x"\n', "prefix must be a lowercase"),
        ('[bundle]\nprefix = "My Bundle"\n[[library]]\npath = "x"\n', "prefix must be a lowercase"),
        ('[bundle]\nprefix = "x"\n[[libraries]]\npath = "x"\n', "unknown top-level table"),
        ('[bundle]\nprefix = "x"\n', "no libraries"),
        ('library = "x"\n[bundle]\nprefix = "x"\n', "must be an array of tables"),
        (
            '[bundle]\nprefix = "x"\n[[library]]\nhg = "http://x"\n',
            "no source (found unknown key 'hg')",
        ),
        ('[bundle]\nprefix = "x"\n[[library]]\npath = "a"\npypi = "b"\n', "more than one source"),
        ('[bundle]\nprefix = "x"\n[[library]]\npypi = "adafruit-x"\n', "need an exact version"),
        ('[bundle]\nprefix = "x"\n[[library]]\npypi = "a"\nversion = "1.*"\n', "exact version"),
        ('[bundle]\nprefix = "x"\n[[library]]\ngit = "file:///x"\n', "needs ref"),
        ('[bundle]\nprefix = "x"\n[[library]]\npath = "a"\nref = "v1"\n', "unknown key for a path"),
        ('[bundle]\nprefix = "x"\ntag = "2026-11-21"\n[[library]]\npath = "a"\n', "not a date"),
        ('[bundle]\nprefix = "x"\ntargets = 10\n[[library]]\npath = "a"\n', "targets must be"),
        (
            '[bundle]\nprefix = "x"\n[mpy-cross]\n10 = {url = "u"}\n[[library]]\npath = "a"\n',
            "needs sha256",
        ),
        ('[bundle]\nprefix = "x"\nprefx = 1\n[[library]]\npath = "a"\n', "did you mean 'prefix'"),
    ],
)
def test_bad_manifests_say_what_is_wrong(tmp_path: Path, text: str, message: str):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(BundlerError) as info:
        load_manifest(path)
    assert message in f"{info.value} {info.value.hint}"
    assert str(path) in str(info.value)


def test_missing_manifest_and_bad_tag_option(tmp_path: Path, manifest: Path):
    with pytest.raises(BundlerError, match="no such manifest"):
        load_manifest(tmp_path / "nope.toml")
    with pytest.raises(BundlerError, match="--tag: tag '2026' is not a date"):
        load_manifest(manifest, tag="2026")
    with pytest.raises(BundlerError, match="SOURCE_DATE_EPOCH"):
        default_tag({"SOURCE_DATE_EPOCH": "yesterday"})


def test_the_starter_manifest_is_valid():
    m = load_manifest(ROOT / "bundles" / "starter.toml", tag=TAG)
    assert m.prefix == "protoboard-starter"
    assert len(m.libraries) >= 10
    paths = [Path(s.location) for s in m.libraries if s.kind == "path"]
    assert paths and all((p / "pyproject.toml").is_file() for p in paths)
    assert all(s.version for s in m.libraries if s.kind == "pypi")


# -- stamping ----------------------------------------------------------------------------------


def test_stamp_version_only_touches_version_lines():
    src = b'__version__ = "0.0.0+auto.0"\r\nx = "0.0.0+auto.0"\n__version__: str = \'0.0.0-auto.0\''
    assert stamp_version(src, "2.1.0") == (
        b'__version__ = "2.1.0"\r\nx = "0.0.0+auto.0"\n__version__: str = \'2.1.0\'\n'
    )
    assert stamp_version(b"", "1.0") == b""


# -- building ----------------------------------------------------------------------------------


def test_output_files_and_zip_layout(
    manifest: Path, tmp_path: Path, pypi: FakePyPI, compiler: MpyCross
):
    out = tmp_path / "out"
    result = build(manifest, out, pypi, compilers={10: compiler})
    names = sorted(p.name for p in out.iterdir())
    assert (
        names
        == sorted(p.name for p in result.files)
        == [
            f"test-bundle-10.x-mpy-{TAG}.zip",
            f"test-bundle-{TAG}.json",
            f"test-bundle-examples-{TAG}.zip",
            f"test-bundle-py-{TAG}.zip",
        ]
    )
    top = f"test-bundle-py-{TAG}/"
    py = zip_entries(out / f"test-bundle-py-{TAG}.zip")
    assert {n[len(top) :] for n in py} == {
        "README.txt",
        "VERSIONS.txt",
        "lib/fp_helper.py",
        "lib/adafruit_fakesensor/__init__.py",
        "lib/adafruit_fakesensor/core.py",
        "lib/adafruit_fakesensor/font.bin",
        "lib/adafruit_bus_device/__init__.py",
        "lib/adafruit_bus_device/i2c_device.py",
        "examples/fp_helper/fp_demo.py",  # dashes in file names become underscores
        "examples/fp_helper/sub/more.txt",
        "examples/fakesensor/fakesensor_simpletest.py",
        "requirements/fp_helper/requirements.txt",
        "requirements/fp_helper/pyproject.toml",
        "requirements/adafruit_fakesensor/requirements.txt",
        "requirements/adafruit_fakesensor/pyproject.toml",
        "requirements/adafruit_bus_device/requirements.txt",
    }
    assert all(n.startswith(top) for n in py)
    examples = zip_entries(out / f"test-bundle-examples-{TAG}.zip")
    rels = {n.split("/", 1)[1] for n in examples}
    assert not any(r.startswith(("lib/", "requirements/")) for r in rels)
    assert "examples/fakesensor/fakesensor_simpletest.py" in rels
    versions = py[top + "VERSIONS.txt"].decode()
    assert versions.split("\r\n")[:3] == [
        TAG,
        "https://example.org/fp_helper/releases/tag/1.4.0",
        "https://github.com/adafruit/adafruit-circuitpython-fakesensor/releases/tag/1.2.3",
    ]


def test_versions_are_stamped_and_files_copied(manifest: Path, tmp_path: Path, pypi: FakePyPI):
    build(manifest, tmp_path / "out", pypi)
    top = f"test-bundle-py-{TAG}/lib/"
    py = zip_entries(tmp_path / "out" / f"test-bundle-py-{TAG}.zip")
    assert b'__version__ = "1.4.0"' in py[top + "fp_helper.py"]
    assert py[top + "adafruit_fakesensor/core.py"] == b"__version__ = '1.2.3'\r\nREADING = 42\n"
    assert py[top + "adafruit_fakesensor/font.bin"] == b"\x00\x01\x02"
    assert py[top + "adafruit_fakesensor/__init__.py"] == b""


def test_json_has_every_key_sorted_and_dependencies_split(
    manifest: Path, tmp_path: Path, pypi: FakePyPI
):
    build(manifest, tmp_path / "out", pypi)
    raw = (tmp_path / "out" / f"test-bundle-{TAG}.json").read_text()
    data = json.loads(raw)
    assert raw == json.dumps(data, sort_keys=True)
    assert all(set(entry) == JSON_KEYS for entry in data.values())
    assert data["fp_helper"] == {
        "package": False,
        "pypi_name": "fp-helper",
        "version": "1.4.0",
        "repo": "https://example.org/fp_helper",
        "path": "lib/fp_helper",
        "dependencies": ["adafruit_fakesensor"],
        "external_dependencies": ["some_external"],
        "pypi_description": "A first-party helper",
    }
    sensor = data["adafruit_fakesensor"]
    assert sensor["package"] is True
    assert sensor["pypi_name"] == "adafruit-circuitpython-fakesensor"
    assert sensor["dependencies"] == ["adafruit_bus_device"]
    assert sensor["external_dependencies"] == ["typing-extensions"]  # Blinka filtered
    bus = data["adafruit_bus_device"]  # from the wheel
    assert bus["external_dependencies"] == ["adafruit-circuitpython-typing"]
    assert bus["pypi_description"] == "Bus device classes"
    assert bus["repo"] == "https://github.com/adafruit/adafruit-circuitpython-busdevice"


def test_wheel_requirements_are_written_for_circup(manifest: Path, tmp_path: Path, pypi: FakePyPI):
    build(manifest, tmp_path / "out", pypi)
    py = zip_entries(tmp_path / "out" / f"test-bundle-py-{TAG}.zip")
    req = py[f"test-bundle-py-{TAG}/requirements/adafruit_bus_device/requirements.txt"]
    assert req.decode().split() == ["Adafruit-Blinka>=7.0.0", "adafruit-circuitpython-typing"]


def test_builds_are_byte_reproducible(
    manifest: Path, tmp_path: Path, pypi: FakePyPI, compiler: MpyCross
):
    first = build(manifest, tmp_path / "a", pypi, compilers={10: compiler}, jobs=3)
    for path in (tmp_path / "m" / "libs" / "fp_helper").rglob("*"):
        path.touch()  # new mtimes must not change a byte
    second = build(manifest, tmp_path / "b", pypi, compilers={10: compiler}, jobs=1)
    for a, b in zip(first.files, second.files, strict=True):
        assert a.name == b.name
        assert a.read_bytes() == b.read_bytes(), a.name
    with zipfile.ZipFile(first.files[0]) as zf:
        infos = zf.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert {i.date_time for i in infos} == {(2026, 11, 21, 0, 0, 0)}
        assert {i.external_attr >> 16 for i in infos} == {0o100644}


def test_mpy_zip_compiles_with_the_right_names(
    manifest: Path, tmp_path: Path, pypi: FakePyPI, compiler: MpyCross
):
    build(manifest, tmp_path / "out", pypi, compilers={10: compiler})
    top = f"test-bundle-10.x-mpy-{TAG}/"
    mpy = zip_entries(tmp_path / "out" / f"test-bundle-10.x-mpy-{TAG}.zip")
    core = mpy[top + "lib/adafruit_fakesensor/core.mpy"]
    assert read_mpy_header(core).version == 6 and read_mpy_header(core).magic == "C"
    stamped = b"__version__ = '1.2.3'\r\nREADING = 42\n"
    assert core == fake_output("adafruit_fakesensor/core.py", stamped)
    assert mpy[top + "lib/adafruit_fakesensor/__init__.py"] == b""  # empty stays .py
    assert mpy[top + "lib/adafruit_fakesensor/font.bin"] == b"\x00\x01\x02"
    assert top + "lib/fp_helper.mpy" in mpy and top + "lib/fp_helper.py" not in mpy
    assert top + "requirements/adafruit_fakesensor/requirements.txt" in mpy
    assert top + "examples/fakesensor/fakesensor_simpletest.py" in mpy


def test_manifest_compiler_and_skipped_targets(tmp_path: Path, pypi: FakePyPI):
    write_tree(tmp_path / "m" / "libs" / "fp_helper", FIRST_PARTY)
    write_fake_mpy_cross(tmp_path / "m" / "tools", 9)
    path = write_manifest(
        tmp_path / "m",
        LIBS,
        header=(
            f'[bundle]\nprefix = "test-bundle"\ntag = "{TAG}"\ntargets = [9, 10]\n'
            '[mpy-cross]\n9 = "tools/mpy-cross-9.x"\n'
        ),
    )
    notes: list[str] = []

    class Recorder:
        def stage(self, label, total=None):
            pass

        def advance(self, n=1):
            pass

        def note(self, message):
            notes.append(message)

    result = build(path, tmp_path / "out", pypi, progress=Recorder())
    assert {p.name for p in result.files} >= {f"test-bundle-9.x-mpy-{TAG}.zip"}
    assert not (tmp_path / "out" / f"test-bundle-10.x-mpy-{TAG}.zip").exists()
    assert notes == result.notes and "10.x-mpy zip skipped" in notes[0]
    assert "--mpy-cross 10=PATH" in notes[0]


def test_bundle_open_reads_the_output_back(
    manifest: Path, tmp_path: Path, pypi: FakePyPI, compiler: MpyCross
):
    build(manifest, tmp_path / "out", pypi, compilers={10: compiler})
    for kind in ("py", "10.x-mpy"):
        with Bundle.open(tmp_path / "out" / f"test-bundle-{kind}-{TAG}.zip") as b:
            assert (b.prefix, b.kind, b.tag) == ("test-bundle", kind, TAG)
            assert set(b.libraries) == {"fp_helper", "adafruit_fakesensor", "adafruit_bus_device"}
            assert b.libraries["adafruit_fakesensor"].version == "1.2.3"
            order = [lib.name for lib in b.resolve(["fp_helper"])]
            assert order == ["adafruit_bus_device", "adafruit_fakesensor", "fp_helper"]
            ext = ".py" if kind == "py" else ".mpy"
            assert f"lib/fp_helper{ext}" in b.libraries["fp_helper"].files
            target = tmp_path / f"drive-{kind}" / "lib"
            b.extract("adafruit_fakesensor", target)
            assert (target / "adafruit_fakesensor" / f"core{ext}").is_file()
    assert set(REQUIRED_KEYS) <= JSON_KEYS  # what Bundle needs, we write


def test_the_first_party_library_builds_and_runs_on_the_simulated_board(
    tmp_path: Path, sim, run_code
):
    library = (ROOT / "libraries" / "protoboard_blink").as_posix()
    path = write_manifest(tmp_path, f'[[library]]\npath = "{library}"\n')
    result = build_bundle(load_manifest(path), tmp_path / "out")
    with Bundle.open(result.files[0]) as b:
        assert b.libraries["protoboard_blink"].version == "1.0.0"
        b.extract("protoboard_blink", tmp_path / "drive" / "lib")
    code = tmp_path / "drive" / "code.py"
    code.write_text(
        "import board\nfrom protoboard_blink import Blinker, __version__\n"
        "print(__version__)\nled = Blinker(board.LED)\nled.blink(0.1)\n"
        "while True:\n    led.update()\n"
    )
    run = run_code(code, timeout=0.45, lib_paths=[tmp_path / "drive" / "lib"])
    assert run.ok, run.traceback
    assert sim.pin("LED").levels[:4] == [False, True, False, True]
    import sys

    sys.modules.pop("protoboard_blink", None)


def test_git_source_from_a_local_repository(tmp_path: Path, pypi: FakePyPI):
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    repo = write_tree(
        tmp_path / "repo",
        {
            "pyproject.toml": '[project]\nname = "circuitpython-gitlib"\ndynamic = ["version"]\n',
            "gitlib.py": '__version__ = "0.0.0+auto.0"\n',
            "examples/gitlib_simpletest.py": "import gitlib\n",
        },
    )
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "one"], check=True)
    subprocess.run([*git, "tag", "v2.0.1"], check=True)
    (repo / "gitlib.py").write_text("after the tag\n")
    subprocess.run([*git, "commit", "-qam", "two"], check=True)
    path = write_manifest(tmp_path / "m", f'[[library]]\ngit = "{repo.as_uri()}"\nref = "v2.0.1"\n')
    result = build(path, tmp_path / "out", pypi)
    py = zip_entries(result.files[0])
    assert py[f"test-bundle-py-{TAG}/lib/gitlib.py"] == b'__version__ = "2.0.1"\n'
    assert f"test-bundle-py-{TAG}/examples/gitlib/gitlib_simpletest.py" in py
    meta = result.metadata["gitlib"]
    assert meta["repo"] == repo.as_uri().lower() and meta["pypi_name"] == "circuitpython-gitlib"
    bad = write_manifest(tmp_path / "m2", f'[[library]]\ngit = "{repo.as_uri()}"\nref = "v9.9.9"\n')
    with pytest.raises(BundlerError, match="could not check out ref 'v9.9.9'"):
        build(bad, tmp_path / "out2", pypi)


def test_git_missing_is_explained(tmp_path: Path, pypi: FakePyPI, monkeypatch):
    monkeypatch.setattr(bundler.shutil, "which", lambda name: None)
    path = write_manifest(tmp_path, '[[library]]\ngit = "file:///x"\nref = "1.0"\n')
    with pytest.raises(BundlerError) as info:
        build(path, tmp_path / "out", pypi)
    assert "git program is needed" in str(info.value) and "install git" in info.value.hint


# -- bad input ---------------------------------------------------------------------------------


def assert_nothing_written(out: Path) -> None:
    assert not out.exists() or not any(out.iterdir())
    leftovers = [p for p in out.parent.iterdir() if p.name.startswith(".protoboard-")]
    assert leftovers == []


def test_missing_library_folder(tmp_path: Path, pypi: FakePyPI):
    path = write_manifest(tmp_path, '[[library]]\npath = "libs/nothing"\n')
    with pytest.raises(BundlerError, match="library #1 .*libs/nothing.* does not exist"):
        build(path, tmp_path / "out", pypi)
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ('pypi = "adafruit-circuitpython-nothing"\nversion = "1.0.0"', "PyPI has no project"),
        (
            'pypi = "adafruit-circuitpython-fakesensor"\nversion = "9.9.9"',
            "PyPI has no adafruit-circuitpython-fakesensor version 9.9.9",
        ),
    ],
)
def test_pypi_name_or_version_not_found(tmp_path: Path, pypi: FakePyPI, entry: str, message: str):
    path = write_manifest(tmp_path, f"[[library]]\n{entry}\n")
    with pytest.raises(BundlerError, match=message) as info:
        build(path, tmp_path / "out", pypi)
    assert "pypi.org/" in info.value.hint
    assert_nothing_written(tmp_path / "out")


def test_sha256_mismatch(tmp_path: Path, pypi: FakePyPI):
    sdist = make_sdist(
        tmp_path / "dl2", "adafruit-circuitpython-other", "1.0.0", {"other.py": "x = 1\n"}
    )
    pypi.add("adafruit-circuitpython-other", "1.0.0", sdist, sha256="0" * 64)
    path = write_manifest(
        tmp_path, '[[library]]\npypi = "adafruit-circuitpython-other"\nversion = "1.0.0"\n'
    )
    with pytest.raises(BundlerError, match="has sha256 .* but PyPI says 0000"):
        build(path, tmp_path / "out", pypi)
    assert pypi.forgotten  # the bad copy is dropped from the cache
    pinned = write_manifest(
        tmp_path / "p",
        '[[library]]\npypi = "adafruit-circuitpython-'
        'fakesensor"\nversion = "1.2.3"\nsha256 = "' + "1" * 64 + '"\n',
    )
    with pytest.raises(BundlerError, match="not the 1111.* the manifest pins"):
        build(pinned, tmp_path / "out", pypi)
    assert_nothing_written(tmp_path / "out")


@pytest.mark.parametrize("packagetype", ["sdist", "bdist_wheel"])
def test_corrupt_archive(tmp_path: Path, pypi: FakePyPI, packagetype: str):
    name = "broken-1.0.0.tar.gz" if packagetype == "sdist" else "broken-1.0.0-py3-none-any.whl"
    bad = tmp_path / name
    bad.write_bytes(b"\x1f\x8b not really gzip" if packagetype == "sdist" else b"PK\x03\x04..")
    pypi.add("broken", "1.0.0", bad, packagetype=packagetype)
    path = write_manifest(tmp_path, '[[library]]\npypi = "broken"\nversion = "1.0.0"\n')
    with pytest.raises(BundlerError, match="corrupt or not an archive") as info:
        build(path, tmp_path / "out", pypi)
    assert "download it afresh" in info.value.hint
    assert_nothing_written(tmp_path / "out")


def test_module_name_collision(tmp_path: Path, pypi: FakePyPI):
    write_tree(tmp_path / "libs" / "a", {"same.py": "x = 1\n"})
    write_tree(tmp_path / "libs" / "b", {"same.py": "x = 2\n"})
    path = write_manifest(
        tmp_path,
        '[[library]]\npath = "libs/a"\nversion = "1.0"\n'
        '[[library]]\npath = "libs/b"\nversion = "1.0"\n',
    )
    with pytest.raises(
        BundlerError, match="module 'same' comes from two libraries: library #1 .* and library #2"
    ):
        build(path, tmp_path / "out", pypi)


def test_library_without_module_or_version(tmp_path: Path, pypi: FakePyPI):
    write_tree(tmp_path / "libs" / "empty", {"README.md": "hi\n", "setup.py": "x\n"})
    write_tree(tmp_path / "libs" / "nover", {"thing.py": "x = 1\n"})
    path = write_manifest(tmp_path, '[[library]]\npath = "libs/empty"\nversion = "1.0"\n')
    with pytest.raises(BundlerError, match="no module found") as info:
        build(path, tmp_path / "out", pypi)
    assert "py-modules" in info.value.hint
    path = write_manifest(tmp_path, '[[library]]\npath = "libs/nover"\n')
    with pytest.raises(BundlerError, match="no version"):
        build(path, tmp_path / "out", pypi)


def test_failing_mpy_cross_shows_file_and_stderr_and_writes_nothing(
    manifest: Path, tmp_path: Path, pypi: FakePyPI, compiler: MpyCross
):
    lib = tmp_path / "m" / "libs" / "fp_helper"
    (lib / "fp_helper.py").write_text("def oops(:\n")
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("an earlier file\n")
    with pytest.raises(BundlerError) as info:
        build(manifest, out, pypi, compilers={10: compiler})
    assert "failed on fp_helper.py" in str(info.value)
    assert "SyntaxError" in str(info.value)
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".protoboard-")]


def test_output_folder_not_writable(manifest: Path, tmp_path: Path, pypi: FakePyPI):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(BundlerError, match="exists and is not a folder"):
        build(manifest, blocker, pypi)
    with pytest.raises(BundlerError, match="cannot create the output folder"):
        build(manifest, blocker / "sub", pypi)


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root can write to any folder"
)
def test_read_only_output_folder(manifest: Path, tmp_path: Path, pypi: FakePyPI):
    out = tmp_path / "ro"
    out.mkdir()
    out.chmod(0o555)
    try:
        with pytest.raises(BundlerError, match="permission denied"):
            build(manifest, out, pypi)
    finally:
        out.chmod(0o755)


def test_missing_compiler_path(manifest: Path, tmp_path: Path, pypi: FakePyPI):
    with pytest.raises(BundlerError, match="does not exist"):
        build(
            manifest,
            tmp_path / "out",
            pypi,
            compilers={10: MpyCross(10, tmp_path / "no-mpy-cross")},
        )
    assert_nothing_written(tmp_path / "out")


# -- the command -------------------------------------------------------------------------------


def test_cli_builds_and_reports(tmp_path: Path, monkeypatch):
    monkeypatch.setenv("PROTOBOARD_CACHE_DIR", str(tmp_path / "cache"))
    write_tree(tmp_path / "libs" / "fp", {"fp.py": '__version__ = "0.0.0+auto.0"\n'})
    path = write_manifest(tmp_path, '[[library]]\npath = "libs/fp"\nversion = "3.0.0"\n')
    exe = write_fake_mpy_cross(tmp_path / "bin")
    result = CliRunner().invoke(
        build_command,
        [
            str(path),
            "--out",
            str(tmp_path / "out"),
            "--tag",
            "20260102",
            "--mpy-cross",
            f"10={exe}",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "built test-bundle 20260102: 1 libraries" in result.output
    assert (tmp_path / "out" / "test-bundle-10.x-mpy-20260102.zip").is_file()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tag", "tomorrow"], "tag 'tomorrow' is not a date"),
        (["--mpy-cross", "ten"], "expected N=PATH"),
        (["--mpy-cross", "10=/no/such/mpy-cross"], "does not exist"),
    ],
)
def test_cli_errors_are_plain_messages(tmp_path: Path, args: list[str], message: str):
    write_tree(tmp_path / "libs" / "fp", {"fp.py": "x = 1\n"})
    path = write_manifest(tmp_path, '[[library]]\npath = "libs/fp"\nversion = "3.0.0"\n')
    result = CliRunner().invoke(build_command, [str(path), "-o", str(tmp_path / "o"), *args])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_cli_help_teaches():
    result = CliRunner().invoke(build_command, ["--help"])
    assert result.exit_code == 0
    for text in ("P-py-T.zip", "--mpy-cross", "bundles/README.md", "SOURCE_DATE_EPOCH"):
        assert text in result.output


def test_zip_helper_refuses_two_files_with_one_name(tmp_path: Path):
    with pytest.raises(BundlerError, match="two files would both be"):
        zipwriter.write_zip(tmp_path / "x.zip", "top", {"a-b.py": b"", "a_b.py": b""}, TAG)
