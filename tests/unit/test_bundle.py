"""Adafruit-format bundles (protoboard.updater.bundle), built locally in tmp_path."""

import json
import stat
import zipfile

import pytest

from protoboard.updater.bundle import Bundle, BundleError, canonical_name
from protoboard.updater.mpy import mpy_header, read_mpy_header

TAG = "20261120"
META = {
    "adafruit_bus_device": {
        "package": True,
        "pypi_name": "adafruit-circuitpython-busdevice",
        "version": "5.2.10",
        "repo": "https://github.com/adafruit/adafruit_circuitpython_busdevice",
        "path": "lib/adafruit_bus_device",
        "dependencies": [],
        "external_dependencies": [],
        "pypi_description": "CircuitPython bus device classes",
    },
    "adafruit_register": {
        "package": True,
        "pypi_name": "adafruit-circuitpython-register",
        "version": "1.10.1",
        "repo": "https://github.com/adafruit/adafruit_circuitpython_register",
        "path": "lib/adafruit_register",
        "dependencies": ["adafruit_bus_device"],
        "external_dependencies": [],
    },
    "adafruit_mcp9808": {
        "package": False,
        "pypi_name": "adafruit-circuitpython-mcp9808",
        "version": "3.3.32",
        "repo": "https://github.com/adafruit/adafruit_circuitpython_mcp9808",
        "path": "lib/adafruit_mcp9808",
        "dependencies": ["adafruit_bus_device", "adafruit_register"],
        "external_dependencies": ["typing-extensions"],
    },
}


def lib_files(ext):
    body = (lambda m: mpy_header(m) + b"\x00body") if ext == ".mpy" else None

    def content(text):
        return text.encode() if body is None else body(10)

    return {
        "lib/adafruit_bus_device/__init__.py": b"",  # empty files stay .py
        f"lib/adafruit_bus_device/i2c_device{ext}": content("__version__ = '5.2.10'\n"),
        f"lib/adafruit_bus_device/spi_device{ext}": content("__version__ = '5.2.10'\n"),
        "lib/adafruit_register/__init__.py": b"",
        f"lib/adafruit_register/i2c_bit{ext}": content("x = 1\n"),
        f"lib/adafruit_mcp9808{ext}": content("__version__ = '3.3.32'\n"),
        "examples/mcp9808/mcp9808_simpletest.py": b"import adafruit_mcp9808\n",
        "requirements/adafruit_mcp9808/requirements.txt": b"Adafruit-Blinka\n"
        b"adafruit-circuitpython-busdevice\n"
        b"adafruit-circuitpython-register>=1.0\ntyping-extensions~=4.0\n",
        "requirements/adafruit_register/requirements.txt": b"adafruit-circuitpython-busdevice\n",
        "README.txt": b"bundle\n",
    }


def make_bundle(tmp_path, kind="py", meta=META, json_inside=False, json_beside=True, extra=None):
    top = f"adafruit-circuitpython-bundle-{kind}-{TAG}"
    ext = ".py" if kind == "py" else ".mpy"
    files = lib_files(ext)
    if json_inside and meta is not None:
        files[f"adafruit-circuitpython-bundle-{TAG}.json"] = json.dumps(meta).encode()
    if meta is not None and json_beside:
        (tmp_path / f"adafruit-circuitpython-bundle-{TAG}.json").write_text(
            json.dumps(meta, sort_keys=True)
        )
    path = tmp_path / f"{top}.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in {**files, **(extra or {})}.items():
            zf.writestr(f"{top}/{name}", data)
    return path


def test_py_bundle(tmp_path):
    with Bundle.open(make_bundle(tmp_path)) as b:
        assert (b.kind, b.major, b.tag) == ("py", None, TAG)
        assert b.prefix == "adafruit-circuitpython-bundle"
        assert set(b.libraries) == set(META)
        mcp = b.libraries["adafruit_mcp9808"]
        assert mcp.version == "3.3.32" and not mcp.package
        assert mcp.files == ("lib/adafruit_mcp9808.py",)
        assert mcp.dependencies == ("adafruit_bus_device", "adafruit_register")
        assert mcp.external_dependencies == ("typing-extensions",)
        assert mcp.repo.endswith("mcp9808") and mcp.pypi_name == "adafruit-circuitpython-mcp9808"
        bd = b.libraries["adafruit_bus_device"]
        assert bd.package and len(bd.files) == 3


def test_mpy_bundle_and_extract(tmp_path):
    with Bundle.open(make_bundle(tmp_path, "10.x-mpy")) as b:
        assert (b.kind, b.major) == ("10.x-mpy", 10)
        target = tmp_path / "CIRCUITPY" / "lib"
        installed = [
            p for lib in b.resolve(["adafruit_mcp9808"]) for p in b.extract(lib.name, target)
        ]
    assert [p.name for p in installed] == [
        "adafruit_bus_device",
        "adafruit_register",
        "adafruit_mcp9808.mpy",
    ]
    info = read_mpy_header(target / "adafruit_bus_device" / "i2c_device.mpy")
    assert info.format_name == "C6"
    assert (target / "adafruit_bus_device" / "__init__.py").read_bytes() == b""
    assert sorted(p.name for p in target.iterdir()) == [
        "adafruit_bus_device",
        "adafruit_mcp9808.mpy",
        "adafruit_register",
    ]  # no temp left


def test_extract_replaces_package_whole(tmp_path):
    target = tmp_path / "lib"
    (target / "adafruit_register").mkdir(parents=True)
    (target / "adafruit_register" / "stale.mpy").write_bytes(b"old")
    (target / "adafruit_mcp9808.py").write_text("old")
    with Bundle.open(make_bundle(tmp_path)) as b:
        b.extract("adafruit_register", target)
        b.extract("adafruit_mcp9808", target)
    assert sorted(p.name for p in (target / "adafruit_register").iterdir()) == [
        "__init__.py",
        "i2c_bit.py",
    ]
    assert "3.3.32" in (target / "adafruit_mcp9808.py").read_text()


def test_folder_bundle(tmp_path):
    z = make_bundle(tmp_path)
    out = tmp_path / "extracted"
    with zipfile.ZipFile(z) as zf:
        zf.extractall(out)
    for path in (out, out / z.stem):
        b = Bundle.open(path, json_path=tmp_path / f"adafruit-circuitpython-bundle-{TAG}.json")
        assert b.kind == "py" and b.libraries["adafruit_register"].version == "1.10.1"
        b.extract("adafruit_register", tmp_path / "lib")
    assert (tmp_path / "lib" / "adafruit_register" / "i2c_bit.py").exists()


def test_folder_bundle_skips_symlinks(tmp_path):
    z = make_bundle(tmp_path)
    out = tmp_path / "x"
    with zipfile.ZipFile(z) as zf:
        zf.extractall(out)
    secret = tmp_path / "secret"
    secret.write_text("s")
    (out / z.stem / "lib" / "adafruit_register" / "evil.py").symlink_to(secret)
    b = Bundle.open(out)
    assert any("evil.py, a symbolic link" in w for w in b.warnings)
    b.extract("adafruit_register", tmp_path / "lib")
    assert not (tmp_path / "lib" / "adafruit_register" / "evil.py").exists()
    assert (tmp_path / "lib" / "adafruit_register" / "i2c_bit.py").exists()


def test_json_inside_the_zip(tmp_path):
    with Bundle.open(make_bundle(tmp_path, json_inside=True, json_beside=False)) as b:
        assert b.libraries["adafruit_mcp9808"].version == "3.3.32"
        assert b.json_name.endswith(".json")


def test_without_json_uses_requirements(tmp_path):
    with Bundle.open(make_bundle(tmp_path, meta=None)) as b:
        mcp = b.libraries["adafruit_mcp9808"]
        assert mcp.version is None and not mcp.package
        assert mcp.dependencies == ("adafruit_bus_device", "adafruit_register")
        assert mcp.external_dependencies == ("Adafruit-Blinka", "typing-extensions")
        assert b.libraries["adafruit_bus_device"].package
        assert [lib.name for lib in b.resolve(["adafruit_mcp9808"])] == [
            "adafruit_bus_device",
            "adafruit_register",
            "adafruit_mcp9808",
        ]


def test_resolve_order_and_names(tmp_path):
    with Bundle.open(make_bundle(tmp_path)) as b:
        wanted = ["adafruit_register", "adafruit-circuitpython-mcp9808"]
        names = [lib.name for lib in b.resolve(wanted)]
        assert names == ["adafruit_bus_device", "adafruit_register", "adafruit_mcp9808"]
        with pytest.raises(
            BundleError,
            match=r"unknown library 'adafruit_mcp9809'.*did you mean "
            r"adafruit_mcp9808",
        ):
            b.resolve(["adafruit_mcp9809"])
        with pytest.raises(BundleError, match="unknown library 'zzz'") as e:
            b.find("zzz")
        assert "did you mean" not in str(e.value)


def test_canonical_name():
    assert canonical_name("adafruit-circuitpython-mcp9808") == "adafruit_mcp9808"
    assert canonical_name("Adafruit-CircuitPython-Register>=1.0") == "adafruit_register"
    assert canonical_name("typing-extensions; python_version<'3.8'") == "typing_extensions"


def test_cycle(tmp_path):
    meta = json.loads(json.dumps(META))
    meta["adafruit_bus_device"]["dependencies"] = ["adafruit_mcp9808"]
    with (
        Bundle.open(make_bundle(tmp_path, meta=meta)) as b,
        pytest.raises(
            BundleError,
            match="dependency cycle: adafruit_mcp9808 -> adafruit_bus_device -> adafruit_mcp9808",
        ),
    ):
        b.resolve(["adafruit_mcp9808"])


def test_dependency_missing_from_bundle(tmp_path):
    meta = json.loads(json.dumps(META))
    meta["adafruit_register"]["dependencies"] = ["adafruit_bus_devic"]
    with (
        Bundle.open(make_bundle(tmp_path, meta=meta)) as b,
        pytest.raises(
            BundleError,
            match="adafruit_register needs 'adafruit_bus_devic'.*did you mean adafruit_bus_device",
        ),
    ):
        b.resolve(["adafruit_mcp9808"])


@pytest.mark.parametrize(
    "key", ["version", "package", "path", "dependencies", "external_dependencies"]
)
def test_missing_key(tmp_path, key):
    meta = json.loads(json.dumps(META))
    del meta["adafruit_register"][key]
    with pytest.raises(BundleError, match=f"library 'adafruit_register': missing key '{key}'"):
        Bundle.open(make_bundle(tmp_path, meta=meta))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dependencies": "adafruit_bus_device"}, "'dependencies' must be a list"),
        ({"package": "yes"}, "'package' must be true or false"),
        ({"version": 1.0}, "'version' must be a string"),
    ],
)
def test_bad_values(tmp_path, change, message):
    meta = json.loads(json.dumps(META))
    meta["adafruit_register"].update(change)
    with pytest.raises(BundleError, match=message):
        Bundle.open(make_bundle(tmp_path, meta=meta))


def test_optional_keys_absent(tmp_path):
    meta = json.loads(json.dumps(META))
    for key in ("repo", "pypi_name", "pypi_description"):
        meta["adafruit_bus_device"].pop(key, None)
    with Bundle.open(make_bundle(tmp_path, meta=meta)) as b:
        assert b.libraries["adafruit_bus_device"].repo is None


def test_invalid_json(tmp_path):
    z = make_bundle(tmp_path)
    (tmp_path / f"adafruit-circuitpython-bundle-{TAG}.json").write_text("{not json")
    with pytest.raises(BundleError, match="invalid JSON"):
        Bundle.open(z)
    (tmp_path / f"adafruit-circuitpython-bundle-{TAG}.json").write_text("[1]")
    with pytest.raises(BundleError, match="not an object"):
        Bundle.open(z)


def test_json_library_without_files(tmp_path):
    meta = json.loads(json.dumps(META))
    meta["adafruit_ghost"] = {**META["adafruit_register"], "path": "lib/adafruit_ghost"}
    with (
        Bundle.open(make_bundle(tmp_path, meta=meta)) as b,
        pytest.raises(BundleError, match="adafruit_ghost: listed in the JSON but no files"),
    ):
        b.extract("adafruit_ghost", tmp_path / "lib")


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("../../evil.py", "'..' escapes"),
        ("lib/adafruit_register/../../../evil.py", "'..' escapes"),
    ],
)
def test_hostile_dotdot(tmp_path, entry, message):
    z = tmp_path / f"adafruit-circuitpython-bundle-py-{TAG}.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr(f"adafruit-circuitpython-bundle-py-{TAG}/lib/ok.py", b"")
        zf.writestr(f"adafruit-circuitpython-bundle-py-{TAG}/{entry}", b"evil")
    with pytest.raises(BundleError, match=message):
        Bundle.open(z)


def test_hostile_absolute(tmp_path):
    z = tmp_path / "b.zip"
    with zipfile.ZipFile(z, "w") as zf:
        zf.writestr("lib/ok.py", b"")
        info = zipfile.ZipInfo("/etc/evil.py")
        zf.writestr(info, b"evil")
    with pytest.raises(BundleError, match="absolute path"):
        Bundle.open(z)
    z2 = tmp_path / "c.zip"
    with zipfile.ZipFile(z2, "w") as zf:
        zf.writestr("C:/evil.py", b"evil")
    with pytest.raises(BundleError, match="absolute path"):
        Bundle.open(z2)


def test_hostile_symlink_entry(tmp_path):
    z = tmp_path / "b.zip"
    with zipfile.ZipFile(z, "w") as zf:
        info = zipfile.ZipInfo("lib/link.py")
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        zf.writestr(info, "/etc/passwd")
    with pytest.raises(BundleError, match="symbolic link"):
        Bundle.open(z)


def test_truncated_zip(tmp_path):
    z = make_bundle(tmp_path)
    data = z.read_bytes()
    z.write_bytes(data[: len(data) // 2])
    with pytest.raises(BundleError, match="not a readable zip"):
        Bundle.open(z)


def test_corrupt_central_directory(tmp_path):
    z = make_bundle(tmp_path)
    data = bytearray(z.read_bytes())
    cd = data.rfind(b"PK\x01\x02")
    data[cd : cd + 4] = b"XXXX"
    z.write_bytes(bytes(data))
    with pytest.raises(BundleError, match="not a readable zip"):
        Bundle.open(z)


def test_corrupt_member_data_leaves_nothing(tmp_path):
    z = make_bundle(tmp_path)
    data = bytearray(z.read_bytes())
    name = b"lib/adafruit_bus_device/spi_device.py"
    pos = data.find(name) + len(name)  # local header name, then the deflated data
    data[pos : pos + 8] = b"\xff" * 8
    z.write_bytes(bytes(data))
    target = tmp_path / "lib"
    with Bundle.open(z) as b, pytest.raises(BundleError, match="spi_device.py"):
        b.extract("adafruit_bus_device", target)
    assert list(target.iterdir()) == []


def test_not_a_bundle(tmp_path):
    with pytest.raises(BundleError, match="no such bundle"):
        Bundle.open(tmp_path / "missing.zip")
    (tmp_path / "junk.zip").write_bytes(b"hello")
    with pytest.raises(BundleError, match="not a readable zip"):
        Bundle.open(tmp_path / "junk.zip")
    (tmp_path / "empty").mkdir()
    with pytest.raises(BundleError, match="not a bundle folder"):
        Bundle.open(tmp_path / "empty")
