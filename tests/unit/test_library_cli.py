"""The library verbs of the ``protoboard`` command, on real folders and bundle zips."""

from __future__ import annotations

import json
import zipfile

import pytest
from bundle_factory import CP10, drive, lib, write_bundle
from click.testing import CliRunner
from test_updater import LIBS

from protoboard.cli import main


@pytest.fixture
def env(tmp_path, monkeypatch):
    monkeypatch.setenv("PROTOBOARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PROTOBOARD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PROTOBOARD_GITHUB_URL", "http://127.0.0.1:9")  # nothing listens
    monkeypatch.chdir(tmp_path)
    paths = write_bundle(tmp_path / "bundles", LIBS, majors=(9, 10))
    root = drive(tmp_path / "CIRCUITPY")
    return tmp_path, root, str(paths["py"])


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_install_auto_list_freeze_and_reinstall_from_the_freeze(env):
    tmp, root, bundle = env
    (root / "code.py").write_text(
        "import board, time\nimport adafruit_bme280.basic as b\n"
        "from neopixl import NeoPixel\nimport helpers\n"
    )
    (root / "helpers.py").write_text("from adafruit_ticks import ticks_ms\n")
    result = run("install", "--auto", "--path", root, "--bundle", bundle)
    assert result.exit_code == 0, result.output
    assert (
        "neopixl is imported by the code but is in none of the bundles. Did you mean "
        "neopixel?" in result.output
    )
    assert {p.name for p in (root / "lib").iterdir()} == {
        ".protoboard.json",
        "adafruit_bme280",
        "adafruit_bus_device",
        "adafruit_ticks.py",
    }

    listed = json.loads(run("list", "--path", root, "--bundle", bundle, "--json").output)
    assert {r["name"]: r["installed"] for r in listed["libraries"]} == {
        "adafruit_bme280": "2.6.4",
        "adafruit_bus_device": "5.2.10",
        "adafruit_ticks": "1.1.0",
    }
    assert not any(r["outdated"] for r in listed["libraries"])

    assert run("freeze", "--path", root, "-o", tmp / "requirements.txt").exit_code == 0
    assert (tmp / "requirements.txt").read_text() == (
        "adafruit_bme280==2.6.4\nadafruit_bus_device==5.2.10\nadafruit_ticks==1.1.0\n"
    )
    other = drive(tmp / "OTHER", CP10)
    result = run("install", "-r", tmp / "requirements.txt", "--path", other, "--bundle", bundle)
    assert result.exit_code == 0, result.output
    assert (other / "lib/adafruit_ticks.mpy").exists()


def test_update_dry_run_json_then_update(env, tmp_path):
    tmp, root, bundle = env
    run("install", "adafruit_ticks", "neopixel", "--path", root, "--bundle", bundle)
    newer = dict(LIBS, adafruit_ticks=lib("1.2.0"))
    new = write_bundle(tmp / "new", newer, tag="20261121")
    out = run("update", "--dry-run", "--json", "--path", root, "--bundle", new["py"])
    plan = json.loads(out.output)
    assert [(c["name"], c["action"]) for c in plan["changes"] if c["action"] != "keep"] == [
        ("adafruit_ticks", "upgrade")
    ]
    assert "1.1.0" in (root / "lib/adafruit_ticks.py").read_text()
    assert run("update", "--path", root, "--bundle", new["py"]).exit_code == 0
    assert "1.2.0" in (root / "lib/adafruit_ticks.py").read_text()
    out = run("list", "--outdated", "--path", root, "--bundle", new["py"])
    assert "No libraries need an update." in out.output


def test_uninstall_and_show(env):
    _tmp, root, bundle = env
    run("install", "adafruit_register", "--path", root, "--bundle", bundle)
    result = run("uninstall", "adafruit_register", "--path", root)
    assert result.exit_code == 0 and "adafruit_bus_device" in result.output
    assert not (root / "lib/adafruit_register").exists()
    shown = json.loads(
        run("show", "adafruit-circuitpython-register", "--bundle", bundle, "--json").output
    )
    assert shown["version"] == "1.10.1" and shown["dependencies"] == ["adafruit_bus_device"]
    assert "adafruit_bme280" in run("show", "bme", "--bundle", bundle).output


def test_no_network_and_nothing_cached_is_a_plain_message(env):
    _tmp, root, _ = env
    result = run("install", "neopixel", "--path", root)
    assert result.exit_code == 2
    assert "no bundle source is usable" in result.output
    assert "protoboard bundle add" in result.output
    result = run("install", "neopixel", "--path", root, "--offline")
    assert result.exit_code == 2 and "offline" in result.output


def test_missing_boot_out_asks_for_the_version(env):
    _tmp, root, bundle = env
    (root / "boot_out.txt").unlink()
    result = run("install", "adafruit_ticks", "--path", root, "--bundle", bundle)
    assert result.exit_code == 2 and "--cpy-version" in result.output
    result = run(
        "install", "adafruit_ticks", "--path", root, "--bundle", bundle, "--cpy-version", "9.2.1"
    )
    assert result.exit_code == 0
    assert (root / "lib/adafruit_ticks.mpy").read_bytes()[:2] == b"C\x06"


def bad_zip(tmp, name, entries):
    path = tmp / name
    with zipfile.ZipFile(path, "w") as zf:
        for entry, data in entries.items():
            zf.writestr(entry, data)
    return path


def test_bad_bundles_are_refused_and_nothing_is_installed(env):
    tmp, root, _bundle = env
    data = (tmp / "bundles/test-bundle-py-20261120.zip").read_bytes()
    truncated = tmp / "cut" / "test-bundle-py-20261120.zip"
    truncated.parent.mkdir()
    truncated.write_bytes(data[: len(data) // 2])
    top = "evil-bundle-py-20261120"
    escaping = bad_zip(
        tmp,
        f"{top}.zip",
        {f"{top}/lib/x.py": "x = 1\n", f"{top}/lib/../../../outside.py": "boom\n"},
    )
    for path, message in ((truncated, "not a readable zip"), (escaping, "escapes")):
        result = run("install", "adafruit_ticks", "--path", root, "--bundle", path)
        assert result.exit_code == 2, result.output
        assert message in result.output
    assert [p.name for p in (root / "lib").iterdir()] == []
    assert not (tmp / "outside.py").exists()


def test_bundle_json_with_missing_keys_or_cycles(env):
    tmp, root, _ = env
    paths = write_bundle(
        tmp / "cyc", {"a": lib("1.0.0", deps=["b"]), "b": lib("1.0.0", deps=["a"])}
    )
    result = run("install", "a", "--path", root, "--bundle", paths["py"])
    assert result.exit_code == 2 and "circle: a -> b -> a" in result.output
    meta = json.loads(paths["json"].read_text())
    del meta["a"]["version"]
    paths["json"].write_text(json.dumps(meta))
    result = run("install", "a", "--path", root, "--bundle", paths["py"])
    assert result.exit_code == 2 and "missing key 'version'" in result.output
    assert [p.name for p in (root / "lib").iterdir()] == []


def test_bundle_sources_add_list_remove(env):
    tmp, root, _bundle = env
    assert run("bundle", "add", "mine", tmp / "bundles").exit_code == 0
    listed = json.loads(run("bundle", "list", "--json").output)
    assert [s["name"] for s in listed] == ["mine", "adafruit", "community"]
    assert listed[0]["cached"] == ["20261120"]
    # the configured local source serves installs, the unreachable GitHub ones are skipped
    result = run("install", "adafruit_ticks", "--path", root)
    assert result.exit_code == 0, result.output
    assert "skipping adafruit" in result.output
    assert run("bundle", "remove", "mine").exit_code == 0
    assert run("bundle", "add", "x", "not a place").exit_code == 2


def test_path_and_host_together_is_refused(env):
    _tmp, root, _bundle = env
    result = run("list", "--path", root, "--host", "example.local")
    assert result.exit_code == 2 and "not both" in result.output


def test_requirement_files_with_bad_lines_and_pins_in_update(env):
    tmp, root, bundle = env
    bad = tmp / "bad.txt"
    bad.write_text("adafruit_ticks\n--index-url https://example.org\n")
    result = run("install", "-r", bad, "--path", root, "--bundle", bundle)
    assert result.exit_code == 2 and "bad.txt, line 2" in result.output
    result = run("install", "-r", tmp / "missing.txt", "--path", root, "--bundle", bundle)
    assert result.exit_code == 2 and "cannot read" in result.output
    run("install", "adafruit_ticks", "--path", root, "--bundle", bundle)
    new = write_bundle(tmp / "new", dict(LIBS, adafruit_ticks=lib("1.2.0")), tag="20261121")
    pins = tmp / "pins.txt"
    pins.write_text("adafruit_ticks==1.1.0   # stay\n")
    out = run("update", "-r", pins, "--path", root, "--bundle", new["py"], "--bundle", bundle)
    assert out.exit_code == 0, out.output
    assert "1.1.0" in (root / "lib/adafruit_ticks.py").read_text()


def test_list_shows_what_is_installed_even_when_no_bundle_can_be_opened(env):
    """Offline with nothing cached: the libraries are still listed, marked as not checked."""
    _, root, bundle = env
    assert run("install", "adafruit_ticks", "--path", root, "--bundle", bundle).exit_code == 0
    result = run("list", "--path", root, "--offline")
    assert result.exit_code == 0, result.output
    assert "adafruit_ticks" in result.output and "1.1.0" in result.output
    assert "not checked" in result.output
    assert "updates not checked:" in result.output
    report = json.loads(run("list", "--path", root, "--offline", "--json").output)
    assert report["libraries"][0]["in_bundles"] is None
    assert report["updates_unchecked"]
