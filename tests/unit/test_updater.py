"""The install algorithm (protoboard.updater.engine) on real folders, with small bundles."""

from __future__ import annotations

import errno
import json

import pytest
from bundle_factory import CP9, CP10, catalog, drive, lib, write_bundle

from protoboard.updater.backends import BackendError, DiskBackend, device_info_from_override
from protoboard.updater.catalog import parse_requirement
from protoboard.updater.engine import (
    UpdaterError,
    apply,
    open_device,
    plan_install,
    plan_uninstall,
    plan_update,
    status,
)
from protoboard.updater.installed import JOURNAL_PATH, MANIFEST_PATH, Manifest
from protoboard.updater.mpy import mpy_header, read_mpy_header

LIBS = {
    "adafruit_bus_device": lib(
        "5.2.10",
        {
            "adafruit_bus_device/__init__.py": "",
            "adafruit_bus_device/i2c_device.py": "__version__ = '5.2.10'\nI2C = 1\n",
            "adafruit_bus_device/spi_device.py": "__version__ = '5.2.10'\nSPI = 1\n",
        },
    ),
    "adafruit_register": lib(
        "1.10.1",
        {
            "adafruit_register/__init__.py": "",
            "adafruit_register/i2c_bit.py": "__version__ = '1.10.1'\n",
        },
        deps=["adafruit_bus_device"],
    ),
    "adafruit_bme280": lib(
        "2.6.4",
        {
            "adafruit_bme280/__init__.py": "",
            "adafruit_bme280/basic.py": "__version__ = '2.6.4'\nBASIC = 1\n",
            "adafruit_bme280/advanced.py": "__version__ = '2.6.4'\nADVANCED = 1\n",
        },
        deps=["adafruit_bus_device"],
        external=["typing-extensions", "adafruit-blinka"],
    ),
    "adafruit_ticks": lib("1.1.0"),
    "neopixel": lib("6.3.12", deps=["adafruit_pixelbuf"]),
    "adafruit_pixelbuf": lib("2.0.4"),
}


def want(*texts):
    return [parse_requirement(t) for t in texts]


def install(root, cat, *names, **kw):
    backend = DiskBackend(root)
    device = open_device(backend)
    plan = plan_install(device, cat, want(*names), **kw)
    apply(plan, installer="protoboard test")
    return plan, backend


def files_under(root):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def bundles(tmp_path):
    return write_bundle(tmp_path / "bundles", LIBS, majors=(9, 10))


def test_install_on_protoboard_takes_py_with_dependencies_first(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    plan, _ = install(root, catalog(bundles), "adafruit_bme280")
    assert [c.name for c in plan.active] == ["adafruit_bus_device", "adafruit_bme280"]
    assert "lib/adafruit_bme280/basic.py" in files_under(root)
    assert not any(".pbstage" in f or ".protoboard-" in f for f in files_under(root))
    manifest = json.loads((root / MANIFEST_PATH).read_text())
    entry = manifest["libraries"]["adafruit_bme280"]
    assert entry["version"] == "2.6.4" and entry["flavour"] == "py" and entry["requested"]
    assert manifest["libraries"]["adafruit_bus_device"]["requested"] is False
    assert not (root / JOURNAL_PATH).exists()


def test_install_on_circuitpython_10_takes_the_10x_mpy(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY", CP10)
    install(root, catalog(bundles, "10.x-mpy"), "adafruit_ticks")
    data = (root / "lib/adafruit_ticks.mpy").read_bytes()
    assert data.startswith(mpy_header(10))
    assert read_mpy_header(data).magic == "C"
    assert not (root / "lib/adafruit_ticks.py").exists()


def test_pypi_names_and_unknown_names(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit-circuitpython-ticks")
    assert (root / "lib/adafruit_ticks.py").exists()
    with pytest.raises(UpdaterError, match="Did you mean adafruit_ticks\\?"):
        install(root, catalog(bundles), "adafruit_tick")


def test_second_install_writes_nothing(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit_bme280")
    plan, backend = install(root, catalog(bundles), "adafruit_bme280")
    assert plan.active == []
    assert backend.stats.files_written == 0


def bump(libs, name, version, files=None):
    new = dict(libs)
    new[name] = {
        **libs[name],
        "version": version,
        "files": files
        if files is not None
        else {
            k: v.replace(libs[name]["version"], version)
            for k, v in (
                libs[name]["files"]
                or {f"{name}.py": f"__version__ = '{libs[name]['version']}'\nVALUE = 1\n"}
            ).items()
        },
    }
    return new


def test_update_writes_only_the_changed_files(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit_bme280", "adafruit_ticks", "neopixel")
    before = {f: (root / f).stat().st_mtime_ns for f in files_under(root)}
    # 2.6.5 changes basic.py only
    files = dict(LIBS["adafruit_bme280"]["files"])
    files["adafruit_bme280/basic.py"] = "__version__ = '2.6.5'\nBASIC = 2\n"
    files["adafruit_bme280/advanced.py"] = LIBS["adafruit_bme280"]["files"][
        "adafruit_bme280/advanced.py"
    ]
    new = write_bundle(
        tmp_path / "new", bump(LIBS, "adafruit_bme280", "2.6.5", files), tag="20261121"
    )
    backend = DiskBackend(root)
    device = open_device(backend)
    plan = plan_update(device, catalog(new, tag="20261121"))
    assert [(c.name, c.action) for c in plan.active] == [("adafruit_bme280", "upgrade")]
    assert plan.active[0].writes == ["lib/adafruit_bme280/basic.py"]
    apply(plan, installer="t")
    after = {f: (root / f).stat().st_mtime_ns for f in files_under(root)}
    changed = sorted(f for f in after if before.get(f) != after[f])
    assert changed == ["lib/.protoboard.json", "lib/adafruit_bme280/basic.py"]
    written = [
        (p, n)
        for p, n in backend.stats.writes
        if not p.startswith("lib/.protoboard") and ".protoboard.json" not in p
    ]
    assert written == [
        ("lib/adafruit_bme280/.protoboard-stage-basic.py", len(files["adafruit_bme280/basic.py"]))
    ]
    rows = {r["name"]: r for r in status(open_device(backend), catalog(new))}
    assert (
        rows["adafruit_bme280"]["installed"] == "2.6.5" and not rows["adafruit_bme280"]["outdated"]
    )


def test_file_to_package_and_back(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit_ticks")
    as_package = bump(
        LIBS,
        "adafruit_ticks",
        "2.0.0",
        {
            "adafruit_ticks/__init__.py": "__version__ = '2.0.0'\n",
            "adafruit_ticks/core.py": "X = 1\n",
        },
    )
    new = write_bundle(tmp_path / "v2", as_package, tag="20261121")
    device = open_device(DiskBackend(root))
    apply(plan_update(device, catalog(new)), installer="t")
    assert "lib/adafruit_ticks.py" not in files_under(root)
    assert (root / "lib/adafruit_ticks/core.py").exists()
    back = bump(LIBS, "adafruit_ticks", "3.0.0")
    newer = write_bundle(tmp_path / "v3", back, tag="20261122")
    apply(plan_update(open_device(DiskBackend(root)), catalog(newer)), installer="t")
    assert not (root / "lib/adafruit_ticks").exists()
    assert "3.0.0" in (root / "lib/adafruit_ticks.py").read_text()


def test_a_9x_build_is_repaired_on_a_10x_board(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY", CP9)
    install(root, catalog(bundles, "9.x-mpy"), "adafruit_ticks")
    # the board was upgraded to 10.x: the headers look the same, the manifest knows
    (root / "boot_out.txt").write_text(CP10 + "\nBoard ID:adafruit_feather_rp2040\n")
    device = open_device(DiskBackend(root))
    rows = status(device, catalog(bundles, "10.x-mpy"))
    assert rows[0]["reason"].startswith("built for CircuitPython 9")
    plan = plan_update(device, catalog(bundles, "10.x-mpy"))
    assert [(c.name, c.action) for c in plan.active] == [("adafruit_ticks", "repair")]
    apply(plan, installer="t")
    entry = Manifest.parse((root / MANIFEST_PATH).read_bytes()).entries["adafruit_ticks"]
    assert entry.flavour == "10.x-mpy"


def test_unmanaged_8x_mpy_and_mpy_on_protoboard_are_repaired(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY", CP10)
    (root / "lib/adafruit_ticks.mpy").write_bytes(mpy_header(8) + b"__version__\x051.1.0")
    device = open_device(DiskBackend(root))
    assert device.libraries["adafruit_ticks"].version == "1.1.0"
    row = status(device, catalog(bundles, "10.x-mpy"))[0]
    assert "cannot load on CircuitPython 10" in row["reason"]
    apply(plan_update(device, catalog(bundles, "10.x-mpy")), installer="t")
    assert (root / "lib/adafruit_ticks.mpy").read_bytes().startswith(mpy_header(10))

    ours = drive(tmp_path / "ours")
    (ours / "lib/adafruit_ticks.mpy").write_bytes(mpy_header(10) + b"x")
    device = open_device(DiskBackend(ours))
    plan = plan_update(device, catalog(bundles))
    assert plan.active[0].action == "repair" and "Protoboard runs .py" in plan.active[0].reason
    apply(plan, installer="t")
    assert files_under(ours / "lib") == [".protoboard.json", "adafruit_ticks.py"]


def test_files_it_did_not_install_are_left_alone(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    (root / "lib/my_helpers.py").write_text("X = 1\n")
    install(root, catalog(bundles), "adafruit_bus_device")
    (root / "lib/adafruit_bus_device/mine.py").write_text("# my notes\n")
    device = open_device(DiskBackend(root))
    plan = plan_update(device, catalog(bundles))
    assert any("my_helpers: in no bundle" in n for n in plan.notes)
    apply(plan_uninstall(open_device(DiskBackend(root)), ["adafruit_bus_device"]), installer="t")
    assert files_under(root / "lib") == [
        ".protoboard.json",
        "adafruit_bus_device/mine.py",
        "my_helpers.py",
    ]


def test_uninstall_of_a_whole_package_and_orphans(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit_register")
    plan = plan_uninstall(open_device(DiskBackend(root)), ["adafruit_register"])
    assert plan.changes[0].deletes == ["lib/adafruit_register"]
    assert any("no longer needed by anything: adafruit_bus_device" in n for n in plan.notes)
    apply(plan, installer="t")
    assert not (root / "lib/adafruit_register").exists()
    with pytest.raises(UpdaterError, match="not installed"):
        plan_uninstall(open_device(DiskBackend(root)), ["adafruit_register"])


def test_edited_library_is_kept_unless_forced(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit_ticks")
    original = (root / "lib/adafruit_ticks.py").read_text()
    edited = original.replace("VALUE = 1", "VALUE = 2")  # same size: found by hash
    (root / "lib/adafruit_ticks.py").write_text(edited)
    new = write_bundle(tmp_path / "new", bump(LIBS, "adafruit_ticks", "1.2.0"), tag="20261121")
    device = open_device(DiskBackend(root), deep=True)
    assert device.libraries["adafruit_ticks"].changed_files == ["lib/adafruit_ticks.py"]
    plan = plan_update(device, catalog(new))
    assert plan.active == [] and any("your edits stay" in n for n in plan.notes)
    assert (root / "lib/adafruit_ticks.py").read_text() == edited
    apply(
        plan_update(open_device(DiskBackend(root), deep=True), catalog(new), force=True),
        installer="t",
    )
    assert "my fix" not in (root / "lib/adafruit_ticks.py").read_text()


def test_pins_take_an_older_release(tmp_path, bundles):
    from protoboard.updater.bundle import Bundle
    from protoboard.updater.catalog import BundleSet

    root = drive(tmp_path / "CIRCUITPY")
    new = write_bundle(tmp_path / "new", bump(LIBS, "adafruit_ticks", "1.2.0"), tag="20261121")
    old_py = Bundle.open(bundles["py"], bundles["json"])
    cat = catalog(new, tag="20261121", more=[BundleSet("test", "20261120", old_py, old_py, "py")])
    install(root, cat, "adafruit_ticks==1.1.0")
    assert "1.1.0" in (root / "lib/adafruit_ticks.py").read_text()
    with pytest.raises(UpdaterError, match="found 1.2.0 .*1.1.0"):
        install(root, cat, "adafruit_ticks==9.9.9")
    # update with the pin keeps it; without, it moves on
    device = open_device(DiskBackend(root))
    assert (
        plan_update(
            device, cat, pins={"adafruit_ticks": parse_requirement("adafruit_ticks==1.1.0")}
        ).active
        == []
    )
    assert plan_update(device, cat).active[0].action == "upgrade"


def test_dependency_cycle_is_reported(tmp_path):
    libs = {"a": lib("1.0.0", deps=["b"]), "b": lib("1.0.0", deps=["a"])}
    paths = write_bundle(tmp_path / "b", libs)
    root = drive(tmp_path / "CIRCUITPY")
    with pytest.raises(UpdaterError, match="circle: a -> b -> a"):
        install(root, catalog(paths), "a")
    assert files_under(root / "lib") == []


class SmallDrive(DiskBackend):
    """A drive that reports little free space (a full CIRCUITPY), or refuses writes."""

    free = 2048
    error: int | None = None

    def free_space(self):
        return self.free, 512

    def write_stream(self, path, chunks):
        if self.error is not None and ".protoboard.journal" not in path:
            raise self._error(OSError(self.error, "simulated"), f"writing {path}")
        super().write_stream(path, chunks)


def test_full_drive_is_refused_before_writing(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    backend = SmallDrive(root)
    plan = plan_install(open_device(backend), catalog(bundles), want("adafruit_bme280"))
    with pytest.raises(UpdaterError, match=r"needs .* KiB free and 2.0 KiB is free. Nothing was"):
        apply(plan, installer="t")
    assert files_under(root / "lib") == []


@pytest.mark.parametrize("code,message", [(errno.EROFS, "read-only"), (errno.ENOSPC, "is full")])
def test_write_errors_leave_nothing_half_installed(tmp_path, bundles, code, message):
    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit_ticks")
    before = {f: (root / f).read_bytes() for f in files_under(root)}
    backend = SmallDrive(root)
    backend.free = 10 << 20
    backend.error = code
    plan = plan_install(open_device(backend), catalog(bundles), want("adafruit_bme280"))
    with pytest.raises(BackendError, match=message):
        apply(plan, installer="t")
    assert {f: (root / f).read_bytes() for f in files_under(root)} == before


class Interrupt(Exception):
    pass


def test_interrupted_while_staging_leaves_the_old_version(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit_bme280")
    before = {f: (root / f).read_bytes() for f in files_under(root)}
    libs = bump(LIBS, "adafruit_bme280", "2.7.0")
    new = write_bundle(tmp_path / "new", libs, tag="20261121")
    plan = plan_update(open_device(DiskBackend(root)), catalog(new))
    calls = []

    def fail(step):
        calls.append(step)
        if len(calls) == 2:
            raise Interrupt

    with pytest.raises(Interrupt):
        apply(plan, installer="t", fail_after=fail)
    assert {f: (root / f).read_bytes() for f in files_under(root)} == before


def test_interrupted_while_renaming_is_finished_next_time(tmp_path, bundles):
    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit_bme280")
    new = write_bundle(tmp_path / "new", bump(LIBS, "adafruit_bme280", "2.7.0"), tag="20261121")
    plan = plan_update(open_device(DiskBackend(root)), catalog(new))
    commits = []

    def fail(step):
        if step == "commit":
            commits.append(step)
            if len(commits) == 1:
                raise Interrupt

    with pytest.raises(Interrupt):
        apply(plan, installer="t", fail_after=fail)
    assert (root / JOURNAL_PATH).exists()
    device = open_device(DiskBackend(root))
    assert "finished an update that was interrupted" in device.notes[0]
    assert not (root / JOURNAL_PATH).exists()
    assert {lib.version for lib in device.libraries.values()} >= {"2.7.0"}
    for f in ("basic.py", "advanced.py"):
        assert "2.7.0" in (root / "lib/adafruit_bme280" / f).read_text()
    assert not any("stage" in f for f in files_under(root))


def test_missing_or_unknown_boot_out(tmp_path, bundles):
    root = tmp_path / "CIRCUITPY"
    (root / "lib").mkdir(parents=True)
    with pytest.raises(UpdaterError, match="--cpy-version"):
        open_device(DiskBackend(root))
    (root / "boot_out.txt").write_text("Some Other Firmware 1.0\n")
    with pytest.raises(UpdaterError, match="--cpy-version"):
        open_device(DiskBackend(root))
    device = open_device(DiskBackend(root), device_info_from_override("9.2.1"))
    assert device.flavour == "9.x-mpy"
    with pytest.raises(BackendError, match="not a version"):
        device_info_from_override("nine")
    assert open_device(DiskBackend(root), device_info_from_override("protoboard")).flavour == "py"


def test_libraries_deleted_by_hand_leave_the_manifest(tmp_path, bundles):
    import shutil

    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit_register")
    shutil.rmtree(root / "lib/adafruit_register")
    install(root, catalog(bundles), "adafruit_ticks")
    manifest = Manifest.parse((root / MANIFEST_PATH).read_bytes())
    assert set(manifest.entries) == {"adafruit_bus_device", "adafruit_ticks"}


def test_killed_while_staging_is_cleaned_up_next_time(tmp_path, bundles, monkeypatch):
    from protoboard.updater import engine as updater

    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(bundles), "adafruit_bme280")
    before = {f: (root / f).read_bytes() for f in files_under(root)}
    new = write_bundle(tmp_path / "new", bump(LIBS, "adafruit_bme280", "2.7.0"), tag="20261121")
    plan = plan_update(open_device(DiskBackend(root)), catalog(new))
    monkeypatch.setattr(updater._Stager, "discard", lambda self: None)  # as if killed -9

    def crash(step):
        if step == "stage":
            raise Interrupt

    with pytest.raises(Interrupt):
        apply(plan, installer="t", fail_after=crash)
    assert any("stage-" in f for f in files_under(root))  # left inside the package
    device = open_device(DiskBackend(root))
    assert "cleaned up after an update that was interrupted" in device.notes[0]
    assert {f: (root / f).read_bytes() for f in files_under(root)} == before


def test_pypi_names_map_through_the_bundle_json(tmp_path):
    libs = {"adafruit_connection_manager": lib("3.1.0")}
    paths = write_bundle(tmp_path / "b", libs)
    meta = json.loads(paths["json"].read_text())
    meta["adafruit_connection_manager"]["pypi_name"] = "adafruit-circuitpython-connectionmanager"
    paths["json"].write_text(json.dumps(meta))
    root = drive(tmp_path / "CIRCUITPY")
    install(root, catalog(paths), "adafruit-circuitpython-connectionmanager")
    assert (root / "lib/adafruit_connection_manager.py").exists()
