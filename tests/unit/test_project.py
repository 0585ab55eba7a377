"""``protoboard project get | new``: Learn-style project bundles onto real drive folders, with
real zips, a real HTTP server and the updater's real transaction."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from bundle_factory import CP9, CP10, drive, write_bundle
from click.testing import CliRunner
from test_updater import LIBS

from protoboard.cli import main
from protoboard.project.install import plan_project
from protoboard.project.source import open_project
from protoboard.updater.backends import DiskBackend
from protoboard.updater.bundle import Bundle
from protoboard.updater.catalog import BundleSet, Catalog
from protoboard.updater.engine import apply, open_device

CODE = "import board\nimport adafruit_bme280.basic\nprint('weather')\n"
MPY = b"C\x06\x00\x1f" + b"\x00" * 12  # a CircuitPython 9/10 .mpy header and some bytes


def learn_zip(path: Path, *, majors=(9, 10), top="Weather_Station", extra=None) -> Path:
    """A zip laid out as Learn's "Download Project Bundle" gives it."""
    with zipfile.ZipFile(path, "w") as zf:
        for major in majors:
            root = f"{top}/CircuitPython {major}.x/" if top else f"CircuitPython {major}.x/"
            zf.writestr(root + "code.py", CODE.replace("weather", f"weather {major}"))
            zf.writestr(root + "fonts/Helvetica-Bold-16.bdf", "STARTFONT 2.1\n")
            zf.writestr(root + "images/sky.bmp", b"BM" + bytes(60))
            zf.writestr(root + "lib/adafruit_bme280/basic.mpy", MPY)
            zf.writestr(root + "lib/adafruit_bme280/__init__.mpy", MPY)
            zf.writestr(root + "lib/adafruit_bus_device/i2c_device.mpy", MPY)
            zf.writestr(root + "__MACOSX/._code.py", "junk")
            for name, data in (extra or {}).items():
                zf.writestr(root + name, data)
    return path


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PROTOBOARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PROTOBOARD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PROTOBOARD_GITHUB_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.setenv("PROTOBOARD_BACKUP_DIR", str(tmp_path / "project-backups"))
    monkeypatch.chdir(tmp_path)
    paths = write_bundle(tmp_path / "bundles", LIBS, majors=(9, 10))
    root = drive(tmp_path / "CIRCUITPY")
    (root / "code.py").write_text("print('my own program')\n")
    return tmp_path, root, str(paths["py"]), paths


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_get_puts_the_10x_folder_on_protoboards_drive_with_py_libraries(env):
    tmp, root, bundle, _ = env
    zipped = learn_zip(tmp / "Weather_Station.zip")
    result = run("project", "get", zipped, "--path", root, "--bundle", bundle)
    assert result.exit_code == 0, result.output
    assert (root / "code.py").read_text() == CODE.replace("weather", "weather 10")
    assert (root / "fonts/Helvetica-Bold-16.bdf").read_text() == "STARTFONT 2.1\n"
    assert (root / "images/sky.bmp").read_bytes() == b"BM" + bytes(60)
    # the libraries come from the bundle's .py build, not the project's .mpy files
    assert (root / "lib/adafruit_bme280/basic.py").exists()
    assert (root / "lib/adafruit_bus_device/i2c_device.py").exists()
    assert not list(root.rglob("*.mpy"))
    assert not (root / "__MACOSX").exists()
    assert "replace   code.py" in result.output
    assert "new       fonts/Helvetica-Bold-16.bdf" in result.output
    # the program it replaced is kept on this computer
    saved = next((tmp / "project-backups").glob("*-Weather_Station/code.py"))
    assert saved.read_text() == "print('my own program')\n"
    assert f"saved in {saved.parent}" in result.output
    assert not [p for p in root.rglob("*") if p.name.startswith(".protoboard-stage")]

    again = run("project", "get", zipped, "--path", root, "--bundle", bundle, "--json")
    report = json.loads(again.output)
    assert report["new"] == [] and report["replaced"] == []
    assert set(report["unchanged"]) == {"code.py", "fonts/Helvetica-Bold-16.bdf", "images/sky.bmp"}
    assert all(lib["action"] == "keep" for lib in report["libraries"])


def test_a_real_board_gets_its_own_major_folder_and_mpy_builds(env):
    tmp, _, _, paths = env
    board9 = drive(tmp / "CP9", CP9)
    zipped = learn_zip(tmp / "p.zip")
    result = run("project", "get", zipped, "--path", board9, "--bundle", paths["9.x-mpy"])
    assert result.exit_code == 0, result.output
    assert "weather 9" in (board9 / "code.py").read_text()
    assert (board9 / "lib/adafruit_bme280/basic.mpy").read_bytes()[:2] == b"C\x06"
    assert "the CircuitPython 9.x files" in result.output


def test_a_board_whose_version_has_no_folder_is_told_which_exist(env):
    tmp, _, _, paths = env
    board10 = drive(tmp / "CP10", CP10)
    zipped = learn_zip(tmp / "p.zip", majors=(8, 9))
    result = run("project", "get", zipped, "--path", board10, "--bundle", paths["10.x-mpy"])
    assert result.exit_code == 2
    assert "has no folder for CircuitPython 10" in result.output
    assert "it has: CircuitPython 9.x, CircuitPython 8.x" in result.output
    assert "--folder 9" in result.output
    assert not (board10 / "code.py").exists()
    taken = run(
        "project", "get", zipped, "--path", board10, "--bundle", paths["10.x-mpy"], "--folder", 9
    )
    assert taken.exit_code == 0, taken.output
    assert "weather 9" in (board10 / "code.py").read_text()
    assert (board10 / "lib/adafruit_bme280/basic.mpy").exists()


def test_libraries_no_bundle_has_are_copied_when_the_drive_can_load_them(env):
    tmp, root, bundle, _ = env
    extra = {"lib/my_helper.py": "VALUE = 1\n", "lib/closed_source.mpy": MPY}
    zipped = learn_zip(tmp / "p.zip", extra=extra)
    result = run("project", "get", zipped, "--path", root, "--bundle", bundle)
    assert result.exit_code == 0, result.output
    assert (root / "lib/my_helper.py").read_text() == "VALUE = 1\n"
    assert not (root / "lib/closed_source.mpy").exists()
    assert "closed_source is in none of the library bundles" in result.output
    assert "Protoboard runs .py source, not .mpy" in result.output
    assert "my_helper is in none of the library bundles: copied" in result.output


def test_a_library_the_bundle_forgot_is_found_in_the_imports(env):
    tmp, root, bundle, _ = env
    zipped = learn_zip(tmp / "p.zip", extra={"helpers.py": "import adafruit_ticks\n"})
    result = run("project", "get", zipped, "--path", root, "--bundle", bundle)
    assert result.exit_code == 0, result.output
    assert (root / "lib/adafruit_ticks.py").exists()
    assert (root / "helpers.py").exists()


def test_dry_run_changes_nothing(env):
    tmp, root, bundle, _ = env
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = run(
        "project", "get", learn_zip(tmp / "p.zip"), "--path", root, "-n", "--bundle", bundle
    )
    assert result.exit_code == 0, result.output
    assert "Dry run" in result.output
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


def test_a_plain_project_folder_and_a_url(env, server):
    tmp, root, bundle, _ = env
    folder = tmp / "mine"
    folder.mkdir()
    (folder / "code.py").write_text("import adafruit_ticks\nprint('mine')\n")
    (folder / "data.json").write_text("{}")
    result = run("project", "get", folder, "--path", root, "--bundle", bundle)
    assert result.exit_code == 0, result.output
    assert (root / "code.py").read_text() == "import adafruit_ticks\nprint('mine')\n"
    assert (root / "lib/adafruit_ticks.py").exists()

    learn_zip(server.root / "bundle.zip")
    other = drive(tmp / "OTHER")
    result = run("project", "get", server.url("bundle.zip"), "--path", other, "--bundle", bundle)
    assert result.exit_code == 0, result.output
    assert "weather 10" in (other / "code.py").read_text()


def test_an_interrupted_install_is_finished_by_the_next_command(env):
    """After the journal is written, a crash leaves renames to do: the next open finishes them,
    code.py included (moves outside lib/ are allowed only onto the staged file's own name)."""
    tmp, root, _, paths = env
    py = Bundle.open(paths["py"])
    catalog = Catalog([BundleSet("t", "1", py, py, "py")])
    with open_project(str(learn_zip(tmp / "p.zip"))) as source:
        device = open_device(DiskBackend(root))
        plan = plan_project(source, device, catalog, 10).plan

        def crash(step: str) -> None:
            if step == "journal":
                raise KeyboardInterrupt

        with pytest.raises(KeyboardInterrupt):
            apply(plan, installer="test", fail_after=crash)
    assert (root / "code.py").read_text() == "print('my own program')\n"
    finished = open_device(DiskBackend(root))
    assert "finished an update that was interrupted" in " ".join(finished.notes)
    assert "weather 10" in (root / "code.py").read_text()
    assert (root / "images/sky.bmp").exists()
    assert not [p for p in root.rglob("*") if ".protoboard-stage" in p.name]


def test_a_failure_while_staging_leaves_the_drive_as_it_was(env):
    tmp, root, _, paths = env
    before = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    py = Bundle.open(paths["py"])
    catalog = Catalog([BundleSet("t", "1", py, py, "py")])
    with open_project(str(learn_zip(tmp / "p.zip"))) as source:
        plan = plan_project(source, open_device(DiskBackend(root)), catalog, 10).plan
        seen = []

        def cut(step: str) -> None:
            seen.append(step)
            if seen.count("stage") == 9:  # among the extras
                raise OSError(28, "No space left on device")

        with pytest.raises(OSError):
            apply(plan, installer="test", fail_after=cut)
    after = {p.relative_to(root): p.read_bytes() for p in root.rglob("*") if p.is_file()}
    assert after == before
    assert not (root / "fonts").exists() and not (root / "images").exists()


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"../evil.py": "x"}, "unsafe entry '../evil.py'"),
        ({"/etc/x": "x"}, "unsafe entry"),
        (
            {"P/CircuitPython 10.x/code.py": "", "P/CircuitPython 10.x/a|b.txt": "x"},
            "cannot be stored",
        ),
        (
            {
                "P/CircuitPython 10.x/code.py": "",
                "P/CircuitPython 10.x/A.txt": "",
                "P/CircuitPython 10.x/a.txt": "",
            },
            "differ only in case",
        ),
        ({"readme.txt": "x"}, "not a project bundle"),
        ({"P/CircuitPython 10.x/notes.txt": "x"}, "holds no code.py"),
    ],
)
def test_bad_bundles_are_refused_before_anything_is_written(env, entries, message):
    tmp, root, bundle, _ = env
    zipped = tmp / "bad.zip"
    with zipfile.ZipFile(zipped, "w") as zf:
        for name, data in entries.items():
            zf.writestr(zipfile.ZipInfo(name), data)
    before = sorted(p.relative_to(root) for p in root.rglob("*"))
    result = run("project", "get", zipped, "--path", root, "--bundle", bundle)
    assert result.exit_code == 2
    assert message in result.output
    assert sorted(p.relative_to(root) for p in root.rglob("*")) == before


@pytest.mark.hostile
def test_not_a_zip_a_truncated_zip_and_a_zip_bomb(env):
    tmp, root, bundle, _ = env
    text = tmp / "project.zip"
    text.write_text("<html>Sign in</html>")
    result = run("project", "get", text, "--path", root, "--bundle", bundle)
    assert result.exit_code == 2 and "is not a zip file" in result.output

    whole = learn_zip(tmp / "whole.zip").read_bytes()
    cut = tmp / "cut.zip"
    cut.write_bytes(whole[: len(whole) // 2])
    result = run("project", "get", cut, "--path", root, "--bundle", bundle)
    assert result.exit_code == 2 and "download it again" in result.output

    bomb = tmp / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("P/CircuitPython 10.x/code.py", "print(1)\n")
        zf.writestr("P/CircuitPython 10.x/big.bin", bytes(8 * 1024 * 1024))
    result = run("project", "get", bomb, "--path", root, "--bundle", bundle)
    assert result.exit_code == 2 and "zip bomb" in result.output
    assert (root / "code.py").read_text() == "print('my own program')\n"


@pytest.mark.hostile
def test_a_symbolic_link_in_a_project_folder_is_not_followed(env):
    tmp, root, bundle, _ = env
    folder = tmp / "linked"
    folder.mkdir()
    (folder / "code.py").write_text("print(1)\n")
    (folder / "secret.txt").symlink_to("/etc/hostname")
    result = run("project", "get", folder, "--path", root, "--bundle", bundle)
    assert result.exit_code == 0, result.output
    assert not (root / "secret.txt").exists()


@pytest.mark.parametrize("template", ["blink", "button"])
def test_a_new_project_runs_on_the_simulated_board(tmp_path, template):
    result = run("project", "new", "demo", "--template", template, "--in", tmp_path)
    assert result.exit_code == 0, result.output
    code = tmp_path / "demo/code.py"
    assert code.read_text().startswith("# demo:")
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(code), "--timeout", "1.5", "--trace"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    printed, traced = ("LED on", "LED -> ") if template == "blink" else ("released", "D5 -> high")
    assert printed in done.stdout
    assert traced in done.stderr


def test_new_refuses_a_bad_name_and_an_existing_folder(tmp_path):
    assert "not a good project name" in run("project", "new", "../up", "--in", tmp_path).output
    (tmp_path / "taken").mkdir()
    result = run("project", "new", "taken", "--in", tmp_path)
    assert result.exit_code == 2 and "already exists" in result.output


def test_pack_makes_a_bundle_that_get_installs(env):
    tmp, root, bundle, _ = env
    folder = tmp / "weather"
    (folder / "fonts").mkdir(parents=True)
    (folder / "code.py").write_text("import adafruit_ticks\nprint('weather')\n")
    (folder / "fonts" / "big.bdf").write_text("STARTFONT 2.1\n")
    (folder / ".secret").write_text("not packed")
    result = run("project", "pack", folder, "--out", tmp / "dist", "--cpy", 9, "--cpy", 10)
    assert result.exit_code == 0, result.output
    zipped = tmp / "dist" / "weather.zip"
    with zipfile.ZipFile(zipped) as archive:
        names = sorted(archive.namelist())
    assert names == [
        "weather/CircuitPython 10.x/code.py",
        "weather/CircuitPython 10.x/fonts/big.bdf",
        "weather/CircuitPython 9.x/code.py",
        "weather/CircuitPython 9.x/fonts/big.bdf",
    ]
    again = run("project", "pack", folder, "--out", tmp / "dist2", "--cpy", 9, "--cpy", 10)
    assert again.exit_code == 0
    assert (tmp / "dist2" / "weather.zip").read_bytes() == zipped.read_bytes()  # reproducible
    result = run("project", "get", zipped, "--path", root, "--bundle", bundle)
    assert result.exit_code == 0, result.output
    assert (root / "fonts" / "big.bdf").exists() and (root / "lib" / "adafruit_ticks.py").exists()
    empty = tmp / "empty"
    empty.mkdir()
    refused = run("project", "pack", empty, "--out", tmp / "dist3")
    assert refused.exit_code == 2 and "has no code.py" in refused.output
