"""Hostile bundles, drives and servers against the library updater (issue 10, cases 10 and 11).

Every case builds the hostile input for real (zips, folders, symbolic links, a socket server)
and checks that the updater refuses it with a plain message (a UserError), never a traceback,
and never writes outside the drive's ``lib/``.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import zipfile
from pathlib import Path

import pytest
from bundle_factory import drive, lib, write_bundle
from click.testing import CliRunner

from protoboard.cli import main
from protoboard.errors import UserError
from protoboard.updater.backends import DiskBackend
from protoboard.updater.bundle import Bundle, BundleError
from protoboard.updater.catalog import BundleSet, Catalog, parse_requirement
from protoboard.updater.engine import apply, open_device, plan_install, plan_uninstall
from protoboard.updater.fetch import Fetcher, FetchError
from protoboard.updater.installed import JOURNAL_PATH, MANIFEST_PATH, Manifest

pytestmark = pytest.mark.hostile

TOP = "evil-py-20261120"
META = {"package": False, "dependencies": [], "external_dependencies": []}


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.setenv("PROTOBOARD_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("PROTOBOARD_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PROTOBOARD_GITHUB_URL", "http://127.0.0.1:9")  # nothing listens
    return tmp_path, drive(tmp_path / "CIRCUITPY")


def run(*args: object) -> object:
    result = CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def zip_of(path: Path, members: dict[str, bytes], *, level: int = 9) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return path


def zeros_zip(path: Path, name: str, size: int) -> Path:
    """A zip whose member ``name`` is ``size`` zero bytes, written in chunks."""
    path.parent.mkdir(parents=True, exist_ok=True)
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        with zf.open(name, "w", force_zip64=True) as member:
            left = size
            while left > 0:
                member.write(chunk[: min(left, len(chunk))])
                left -= len(chunk)
    return path


def outside_files(tmp: Path, root: Path) -> list[str]:
    """Every file under ``tmp`` except the drive's lib/, the cache and the bundles."""
    skip = (root / "lib", tmp / "cache", tmp / "bundles", tmp / "config")
    return sorted(
        p.relative_to(tmp).as_posix()
        for p in tmp.rglob("*")
        if p.is_file() and not any(p.is_relative_to(s) for s in skip)
    )


# -- case 10: zip bombs and endless downloads -------------------------------------------------


CHILD = r"""
import io, json, resource, sys
from contextlib import redirect_stdout, redirect_stderr
from protoboard.cli import main
import protoboard.updater.engine, protoboard.updater.bundle, rich.console  # imported up front
out = io.StringIO()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    with redirect_stdout(out), redirect_stderr(out):
        main(["install", "bomb", "--bundle", sys.argv[1], "--path", sys.argv[2], "--offline"],
             standalone_mode=False)
    status = 0
except SystemExit as e:
    status = e.code
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"status": status, "grew_kib": after - before, "out": out.getvalue()}))
"""


def test_zip_bomb_is_refused_from_the_directory_without_inflating_it(env):
    tmp, root = env
    size = 256 * 1024 * 1024
    bomb = zeros_zip(tmp / "bundles" / f"{TOP}.zip", f"{TOP}/lib/bomb.py", size)
    assert bomb.stat().st_size < size // 500
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(bomb), str(root)],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 2, result
    assert "lib/bomb.py" in result["out"] and "inflates to" in result["out"]
    assert result["grew_kib"] < 32 * 1024, result  # before: +512 MiB (data read twice)
    assert list((root / "lib").iterdir()) == []


def test_a_compression_ratio_no_library_has_is_refused(env):
    tmp, root = env
    bomb = zeros_zip(tmp / "bundles" / f"{TOP}.zip", f"{TOP}/lib/bomb.py", 3 * 1024 * 1024)
    result = run("install", "bomb", "--path", root, "--bundle", bomb)
    assert result.exit_code == 2  # type: ignore[attr-defined]
    assert "compresses" in result.output  # type: ignore[attr-defined]
    assert list((root / "lib").iterdir()) == []


def _patch_sizes(path: Path, member: str, claimed: int) -> None:
    """Make the zip's central directory and local header claim ``claimed`` inflated bytes."""
    data = bytearray(path.read_bytes())
    raw = member.encode()
    cd = data.find(b"PK\x01\x02")
    assert data[cd + 46 : cd + 46 + len(raw)] == raw
    struct.pack_into("<I", data, cd + 24, claimed)
    local = data.find(b"PK\x03\x04")
    struct.pack_into("<I", data, local + 22, claimed)
    path.write_bytes(bytes(data))


def test_a_directory_that_lies_about_sizes_does_not_get_past(env):
    tmp, root = env
    body = b"x = 1\n" * 1000
    name = f"{TOP}/lib/liar.py"
    longer = zip_of(tmp / "bundles" / "long" / f"{TOP}.zip", {name: body})
    _patch_sizes(longer, name, len(body) + 500)  # claims more than there is
    shorter = zip_of(tmp / "bundles" / "short" / f"{TOP}.zip", {name: body})
    _patch_sizes(shorter, name, 100)  # claims less: inflating must stop at the claim
    for bundle in (longer, shorter):
        result = run("install", "liar", "--path", root, "--bundle", bundle)
        assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
        assert "lib/liar.py" in result.output  # type: ignore[attr-defined]
        assert list((root / "lib").iterdir()) == []


def _endless_server(head: bytes, body_chunk: bytes = b"x" * 65536) -> tuple[str, threading.Event]:
    """A socket server answering every connection with ``head`` then ``body_chunk`` until
    the client hangs up."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    stop = threading.Event()

    def serve() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            with conn, contextlib.suppress(OSError):
                conn.recv(65536)
                conn.sendall(head)
                while not stop.is_set():
                    conn.sendall(body_chunk)
        srv.close()

    threading.Thread(target=serve, daemon=True).start()
    return f"http://127.0.0.1:{srv.getsockname()[1]}/x-py-20261120.zip", stop


@pytest.mark.parametrize(
    "head",
    [
        b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",  # no length, never ends
        b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999\r\n\r\n",  # a length past the bound
    ],
    ids=["endless", "huge-length"],
)
def test_a_download_past_the_bound_is_cut_off(tmp_path, head):
    url, stop = _endless_server(head)
    try:
        fetcher = Fetcher(tmp_path / "cache", retries=0, backoff=0, max_bytes=4 * 1024 * 1024)
        with pytest.raises(FetchError, match="more than"):
            fetcher.get(url)
    finally:
        stop.set()
    parts = list((tmp_path / "cache").rglob("*.part"))
    assert parts == []


def test_a_body_longer_than_its_content_length_is_not_kept(tmp_path):
    url, stop = _endless_server(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
    try:
        path = Fetcher(tmp_path / "cache", retries=0, backoff=0).get(url)
    finally:
        stop.set()
    assert path.stat().st_size == 1000


# -- case 11: pathological JSON ---------------------------------------------------------------


def _bundle_with_json(folder: Path, data: bytes) -> Path:
    paths = write_bundle(folder, {"a": lib("1.0.0")})
    paths["json"].write_bytes(data)
    return paths["py"]


PATHOLOGICAL = {
    "digits": '{"a": {"version": "1", "package": false, "path": "lib/a", "x": '
    + "9" * 5000
    + ', "dependencies": [], "external_dependencies": []}}',
    "nesting": '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
    "nesting-open": "[" * 100_000,
}
PATHOLOGICAL_BYTES = {k: v.encode() for k, v in PATHOLOGICAL.items()}
PATHOLOGICAL_BYTES["not-utf8"] = b'{"sources": ["\xff"]}'


@pytest.mark.parametrize("kind", sorted(PATHOLOGICAL_BYTES))
def test_pathological_bundle_json_is_a_plain_error(env, kind):
    tmp, root = env
    bundle = _bundle_with_json(tmp / "bundles", PATHOLOGICAL_BYTES[kind])
    with pytest.raises(BundleError) as caught:
        Bundle.open(bundle)
    message = str(caught.value)
    assert "test-bundle-20261120.json" in message
    assert "bundle" in (caught.value.hint or message)
    result = run("install", "a", "--path", root, "--bundle", bundle)
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]


@pytest.mark.parametrize("kind", sorted(PATHOLOGICAL_BYTES))
def test_pathological_manifest_is_a_note_not_a_traceback(env, kind):
    _tmp, root = env
    (root / MANIFEST_PATH).write_bytes(PATHOLOGICAL_BYTES[kind])
    manifest = Manifest.parse((root / MANIFEST_PATH).read_bytes())
    assert manifest.problem and not manifest.entries
    device = open_device(DiskBackend(root))
    assert any("unreadable" in n for n in device.notes)


@pytest.mark.parametrize("kind", sorted(PATHOLOGICAL_BYTES))
def test_pathological_sources_config_is_a_plain_error(env, kind):
    tmp, _root = env
    (tmp / "config").mkdir()
    (tmp / "config" / "bundles.json").write_bytes(PATHOLOGICAL_BYTES[kind])
    result = run("bundle", "list")
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert "bundles.json" in result.output  # type: ignore[attr-defined]


# -- case 11: journals naming paths outside the drive -----------------------------------------


def _journal(root: Path, ops: list[list[str]], phase: str = "commit") -> None:
    (root / JOURNAL_PATH).write_text(json.dumps({"format": 1, "phase": phase, "ops": ops}))


HOSTILE_OPS = {
    "dotdot-delete": [["delete", "lib/../code.py"]],
    "absolute-delete": [["delete", "/tmp/x"]],
    "outside-lib": [["delete", "code.py"]],
    "dotdot-move": [["move", "lib/.protoboard-stage-x.py", "lib/../../evil.py"]],
    "move-from-outside": [["move", "boot_out.txt", "lib/x.py"]],
    "staged-dotdot": [["staged", "../outside.txt"]],
    "backslash": [["delete", "lib\\..\\code.py"]],
    "nul": [["delete", "lib/x\x00y"]],
}


@pytest.mark.parametrize("kind", sorted(HOSTILE_OPS))
def test_a_journal_naming_paths_outside_lib_is_quarantined(env, kind):
    tmp, root = env
    (root / "code.py").write_text("print('mine')\n")
    (tmp / "outside.txt").write_text("host file\n")
    phase = "stage" if kind.startswith("staged") else "commit"
    _journal(root, HOSTILE_OPS[kind], phase)
    before = outside_files(tmp, root)
    device = open_device(DiskBackend(root))
    assert any("refused" in n for n in device.notes), device.notes
    assert not (root / JOURNAL_PATH).exists()
    assert list((root / "lib").glob(".protoboard.journal*refused*"))
    assert outside_files(tmp, root) == before
    open_device(DiskBackend(root))  # later commands work
    result = run("list", "--path", root, "--offline")
    assert "Traceback" not in result.output  # type: ignore[attr-defined]


def test_a_journal_through_a_symlinked_folder_touches_nothing_outside(env):
    tmp, root = env
    host = tmp / "host"
    host.mkdir()
    (host / "precious.txt").write_text("keep me\n")
    (root / "lib" / "pkg").symlink_to(host, target_is_directory=True)
    _journal(root, [["delete", "lib/pkg/precious.txt"]])
    device = open_device(DiskBackend(root))
    assert (host / "precious.txt").read_text() == "keep me\n"
    assert any("refused" in n or "symbolic link" in n for n in device.notes), device.notes


# -- case 11: symbolic links in folder bundles and drives ------------------------------------


def test_symlinks_in_a_folder_bundle_are_not_followed(env):
    tmp, root = env
    secret = tmp / "secret.txt"
    secret.write_text("ssh key\n")
    folder = tmp / "bundles" / TOP
    (folder / "lib" / "pkg").mkdir(parents=True)
    (folder / "lib" / "pkg" / "__init__.py").write_text("")
    (folder / "lib" / "pkg" / "key.py").symlink_to(secret)
    (folder / "lib" / "leak.py").symlink_to(secret)
    (tmp / "hostdir").mkdir()
    (tmp / "hostdir" / "x.py").write_text("host\n")
    (folder / "lib" / "dirlink").symlink_to(tmp / "hostdir", target_is_directory=True)
    with Bundle.open(folder) as bundle:
        assert "leak" not in bundle.libraries and "dirlink" not in bundle.libraries
        assert bundle.libraries["pkg"].files == ("lib/pkg/__init__.py",)
        assert any("symbolic link" in w for w in bundle.warnings)
    run("install", "pkg", "leak", "--path", root, "--bundle", folder)
    on_drive = [p.read_text() for p in (root / "lib").rglob("*") if p.is_file()]
    assert "ssh key\n" not in on_drive


def _install_a(root: Path, tmp: Path) -> None:
    paths = write_bundle(tmp / "bundles", {"a": lib("1.0.0", {"a/__init__.py": "A = 1\n"})})
    py = Bundle.open(paths["py"], paths["json"])
    cat = Catalog([BundleSet("test", "1", py, py, "py")])
    device = open_device(DiskBackend(root))
    apply(plan_install(device, cat, [parse_requirement("a")]), installer="test")


def test_a_drive_whose_lib_is_a_symlink_is_not_written_through(env):
    tmp, root = env
    host = tmp / "host"
    host.mkdir()
    (root / "lib").rmdir()
    (root / "lib").symlink_to(host, target_is_directory=True)
    with pytest.raises(UserError, match="symbolic link"):
        _install_a(root, tmp)
    assert list(host.iterdir()) == []


def test_a_package_folder_that_is_a_symlink_is_not_written_through(env):
    tmp, root = env
    host = tmp / "host"
    host.mkdir()
    (root / "lib" / "a").symlink_to(host, target_is_directory=True)
    with contextlib.suppress(UserError):
        _install_a(root, tmp)
    assert list(host.iterdir()) == []


def test_a_manifest_naming_files_outside_lib_never_deletes_them(env):
    _tmp, root = env
    (root / "code.py").write_text("print('mine')\n")
    (root / "lib" / "a.py").write_text("A = 1\n")
    manifest = {
        "format": 1,
        "libraries": {
            "a": {
                "version": "1.0.0",
                "flavour": "py",
                "files": {
                    "lib/a.py": {"size": 6, "sha256": "0" * 32},
                    "code.py": {"size": 14, "sha256": "0" * 32},
                    "lib/../boot_out.txt": {"size": 1, "sha256": "0" * 32},
                },
            }
        },
    }
    (root / MANIFEST_PATH).write_text(json.dumps(manifest))
    device = open_device(DiskBackend(root))
    plan = plan_uninstall(device, ["a"])
    apply(plan, installer="test")
    assert (root / "code.py").exists() and (root / "boot_out.txt").exists()
    assert not (root / "lib" / "a.py").exists()


# -- case 11: names inside zips ----------------------------------------------------------------


BAD_NAMES = {
    "dotdot": f"{TOP}/lib/../../x.py",
    "absolute": "/etc/x.py",
    "backslash": f"{TOP}/lib/..\\..\\x.py",
    "drive-letter": "C:/x.py",
    "fat-invalid": f"{TOP}/lib/pkg/a:b.py",
    "control": f"{TOP}/lib/pkg/a\nb.py",
}


@pytest.mark.parametrize("kind", sorted(BAD_NAMES))
def test_unsafe_member_names_are_refused(env, kind):
    tmp, root = env
    bad = zip_of(
        tmp / "bundles" / f"{TOP}.zip",
        {f"{TOP}/lib/pkg/__init__.py": b"", BAD_NAMES[kind]: b"boom = 1\n"},
    )
    with pytest.raises(BundleError, match="unsafe entry|cannot be stored"):
        Bundle.open(bad)
    assert outside_files(tmp, root) == ["CIRCUITPY/boot_out.txt"]


def test_names_differing_only_in_case_are_refused(env):
    tmp, _root = env
    bad = zip_of(
        tmp / "bundles" / f"{TOP}.zip",
        {
            f"{TOP}/lib/pkg/__init__.py": b"",
            f"{TOP}/lib/pkg/Mod.py": b"",
            f"{TOP}/lib/pkg/mod.py": b"",
        },
    )
    with pytest.raises(BundleError, match="only in case"):
        Bundle.open(bad)


def test_a_zip_with_too_many_entries_is_refused(env):
    tmp, _root = env
    path = tmp / "bundles" / f"{TOP}.zip"
    path.parent.mkdir(parents=True)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        for i in range(100_001):
            zf.writestr(f"{TOP}/examples/{i}.txt", b"")
    with pytest.raises(BundleError, match="entries"):
        Bundle.open(path)


# -- the web workflow client and the bundler's archives ----------------------------------------


def _reply_server(body: bytes) -> tuple[int, threading.Event]:
    """A server answering every request with 200 and ``body`` (Content-Length set)."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(8)
    stop = threading.Event()
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\nConnection: close\r\n\r\n" % len(body)

    def serve() -> None:
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = srv.accept()
            except TimeoutError:
                continue
            with conn, contextlib.suppress(OSError):
                conn.recv(65536)
                conn.sendall(head + body)
        srv.close()

    threading.Thread(target=serve, daemon=True).start()
    return srv.getsockname()[1], stop


def test_a_board_sending_an_endless_reply_is_cut_off():
    from protoboard.updater.web_backend import WebBackend

    url, stop = _endless_server(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n")
    port = int(url.split(":")[2].split("/")[0])
    try:
        with pytest.raises(UserError, match="sent more than"):
            WebBackend("127.0.0.1", port, "pw", timeout=5).list_dir("lib")
    finally:
        stop.set()


@pytest.mark.parametrize("name", ["../../etc", "a/b", "..", "x\x00y", "a\\b"])
def test_a_board_listing_unsafe_names_is_refused(name):
    from protoboard.updater.web_backend import WebBackend

    body = json.dumps({"free": 10, "block_size": 512, "files": [{"name": name}]}).encode()
    port, stop = _reply_server(body)
    try:
        with pytest.raises(UserError, match="listing"):
            WebBackend("127.0.0.1", port, "pw", timeout=5).list_dir("lib")
    finally:
        stop.set()


def test_pathological_json_from_a_board_is_a_plain_error():
    from protoboard.updater.web_backend import WebBackend

    port, stop = _reply_server(b"[" * 100_000)
    try:
        backend = WebBackend("127.0.0.1", port, "pw", timeout=5)
        with pytest.raises(UserError):
            backend.device_info()
        with pytest.raises(UserError):
            backend.list_dir("lib")
    finally:
        stop.set()


def test_a_zip_bomb_from_pypi_is_refused_before_unpacking(tmp_path):
    from protoboard.bundler.errors import BundlerError
    from protoboard.bundler.library_sources import _unpack

    wheel = zeros_zip(tmp_path / "x-1.0-py3-none-any.whl", "x/big.py", 128 * 1024 * 1024)
    with pytest.raises(BundlerError, match="compresses"):
        _unpack(wheel, tmp_path / "out", "bdist_wheel")
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


def test_a_tar_bomb_from_pypi_is_refused_before_unpacking(tmp_path):
    import io
    import tarfile

    from protoboard.bundler.errors import BundlerError
    from protoboard.bundler.library_sources import _unpack

    sdist = tmp_path / "x-1.0.tar.gz"
    with tarfile.open(sdist, "w:gz") as tf:
        info = tarfile.TarInfo("x-1.0/x/big.py")
        info.size = 80 * 1024 * 1024
        tf.addfile(info, io.BytesIO(bytes(info.size)))
    with pytest.raises(BundlerError, match="unpacks to"):
        _unpack(sdist, tmp_path / "out", "sdist")
    assert not any(p.is_file() for p in (tmp_path / "out").rglob("*"))


# -- fuzzing: only UserErrors or success, and nothing written outside lib/ ---------------------

import tempfile  # noqa: E402

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from protoboard.updater import limits  # noqa: E402

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PIECES = [
    "lib",
    "..",
    ".",
    "",
    "code.py",
    "boot_out.txt",
    "a",
    "a.py",
    "pkg",
    "Pkg",
    "x.mpy",
    ".protoboard-stage-a",
    ".pbstage-a.py",
    ".protoboard.json",
    ".protoboard.journal.json",
    "link",
    "a\\..\\b",
    "x\x00",
    "C:",
    "/",
    "a:b",
    "\n",
    "é",
    "a" * 300,
]
paths = st.lists(st.sampled_from(PIECES), min_size=1, max_size=5).map("/".join)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**60), max_value=10**60)
    | st.floats(allow_nan=False)
    | st.text(max_size=20)
    | paths,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=10) | paths, inner, max_size=4)
    ),
    max_leaves=20,
)


def _snapshot(tmp: Path, root: Path) -> dict[str, bytes]:
    """Every file outside the drive's lib/ (the drive's root files and a host folder)."""
    return {
        p.relative_to(tmp).as_posix(): p.read_bytes()
        for p in sorted(tmp.rglob("*"))
        if p.is_file()
        and not p.is_symlink()
        and not p.is_relative_to(root / "lib")
        and not p.is_relative_to(tmp / "bundles")
    }


def _fuzz_drive(tmp: Path) -> Path:
    root = drive(tmp / "CIRCUITPY")
    (root / "code.py").write_text("print('mine')\n")
    host = tmp / "host"
    host.mkdir()
    (host / "precious.txt").write_text("keep\n")
    (root / "lib" / "link").symlink_to(host, target_is_directory=True)
    return root


def _install_all(root: Path, bundle: Bundle) -> None:
    cat = Catalog([BundleSet("fuzz", "1", bundle, bundle, "py")])
    device = open_device(DiskBackend(root))
    wanted = [parse_requirement(n) for n in sorted(bundle.libraries)[:5] if n[:1].isalnum()]
    if wanted:
        apply(plan_install(device, cat, wanted), installer="fuzz")


@FUZZ
@given(st.binary(max_size=300) | json_values.map(lambda v: json.dumps(v).encode()))
def test_fuzz_bounded_json_parser(data):
    try:
        limits.loads(data)
    except limits.BadJSON:
        pass


@FUZZ
@given(st.dictionaries(st.text(max_size=12) | paths, json_values, max_size=4) | json_values)
def test_fuzz_bundle_json(doc):
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        root = _fuzz_drive(tmp)
        paths_ = write_bundle(tmp / "bundles", {"a": lib("1.0.0")})
        paths_["json"].write_text(json.dumps(doc))
        before = _snapshot(tmp, root)
        try:
            with Bundle.open(paths_["py"]) as bundle:
                _install_all(root, bundle)
        except UserError:
            pass
        assert _snapshot(tmp, root) == before


@FUZZ
@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "pkg", "link"]),
        st.fixed_dictionaries(
            {
                "files": st.dictionaries(
                    paths,
                    st.fixed_dictionaries(
                        {"size": st.integers(0, 10), "sha256": st.just("0" * 32)}
                    ),
                    max_size=4,
                )
            },
            optional={
                "version": json_values,
                "requested": json_values,
                "dependencies": json_values,
            },
        ),
        max_size=3,
    )
)
def test_fuzz_manifest_then_uninstall(libraries):
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        root = _fuzz_drive(tmp)
        (root / "lib" / "a.py").write_text("A = 1\n")
        (root / "lib" / "pkg").mkdir()
        (root / "lib" / "pkg" / "__init__.py").write_text("")
        doc = {"format": 1, "libraries": libraries}
        (root / MANIFEST_PATH).write_text(json.dumps(doc))
        before = _snapshot(tmp, root)
        manifest = Manifest.parse((root / MANIFEST_PATH).read_bytes())
        assert all(
            p.startswith("lib/") and ".." not in p.split("/")
            for e in manifest.entries.values()
            for p in e.files
        )
        try:
            device = open_device(DiskBackend(root))
            names = [n for n in ("a", "pkg") if n in device.libraries]
            if names:
                apply(plan_uninstall(device, names), installer="fuzz")
        except UserError:
            pass
        assert _snapshot(tmp, root) == before


ops = st.one_of(
    st.tuples(st.just("delete"), paths).map(list),
    st.tuples(st.just("staged"), paths).map(list),
    st.tuples(st.just("move"), paths, paths).map(list),
    st.lists(json_values, max_size=3),
)


@FUZZ
@given(st.sampled_from(["stage", "commit", "other"]), st.lists(ops, max_size=4))
def test_fuzz_journal(phase, journal_ops):
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        root = _fuzz_drive(tmp)
        (root / "lib" / ".protoboard-stage-a").write_text("staged\n")
        (root / "lib" / "a.py").write_text("A = 1\n")
        _journal(root, journal_ops, phase)
        before = _snapshot(tmp, root)
        try:
            open_device(DiskBackend(root))
            open_device(DiskBackend(root))  # and the next command works
        except UserError:
            pass
        assert _snapshot(tmp, root) == before
        assert not (root / JOURNAL_PATH).exists()


@pytest.mark.filterwarnings("ignore:Duplicate name")  # duplicate names are one of the attacks
@FUZZ
@given(st.lists(paths, min_size=1, max_size=5))
def test_fuzz_zip_member_names(names):
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        root = _fuzz_drive(tmp)
        members = {f"{TOP}/lib/ok.py": b"OK = 1\n"}
        members.update({f"{TOP}/{n}": b"X = 1\n" for n in names})
        members.update({n: b"Y = 1\n" for n in names})
        try:
            bundle_zip = zip_of(tmp / "bundles" / f"{TOP}.zip", members)
        except (IndexError, ValueError):
            assume(False)  # a name zipfile itself cannot write ("")
        before = _snapshot(tmp, root)
        try:
            with Bundle.open(bundle_zip) as bundle:
                _install_all(root, bundle)
        except UserError:
            pass
        assert _snapshot(tmp, root) == before


@pytest.mark.parametrize(
    "source",
    ["not " * 100_000 + "x\n", "x = a" + ".a" * 1_000_000 + "\n", "#" * (2 * 1024 * 1024)],
    ids=["memory", "recursion", "huge"],
)
def test_install_auto_on_a_pathological_code_py_is_a_note(env, source):
    tmp, root = env
    (root / "code.py").write_text(source)
    paths = write_bundle(tmp / "bundles", {"a": lib("1.0.0")})
    result = run("install", "--auto", "--path", root, "--bundle", paths["py"])
    assert "code.py" in result.output, result.output  # type: ignore[attr-defined]


def test_a_huge_file_in_lib_is_not_read_whole(env):
    _tmp, root = env
    with open(root / "lib" / "huge.py", "wb") as f:
        f.truncate(3 * 1024**3)  # sparse: 3 GiB that costs no disk
    child = (
        "import json, resource, sys\n"
        "from protoboard.updater.backends import DiskBackend\n"
        "from protoboard.updater.engine import open_device\n"
        "d = open_device(DiskBackend(sys.argv[1]))\n"
        "print(json.dumps([sorted(d.libraries),"
        " resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(root)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    names, peak_kib = json.loads(done.stdout)
    assert names == ["huge"]
    assert peak_kib < 1024 * 1024  # before: the 3 GiB were read into memory


# -- recursion: deep folders on a drive, long dependency chains in a bundle ---------------------


def _deep(folder: Path, levels: int) -> None:
    """``levels`` nested folders ``d/d/d/...`` below ``folder`` (built with relative paths:
    the full path is far past PATH_MAX)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        for _ in range(levels):
            os.mkdir("d", dir_fd=fd)
            new = os.open("d", os.O_RDONLY, dir_fd=fd)
            os.close(fd)
            fd = new
        os.close(os.open("x.py", os.O_WRONLY | os.O_CREAT, dir_fd=fd))
    finally:
        os.close(fd)


def test_a_package_nested_1500_deep_is_listed_and_uninstalled_plainly(env):
    _tmp, root = env
    (root / "lib" / "pkg").mkdir()
    (root / "lib" / "pkg" / "__init__.py").write_text("")
    _deep(root / "lib" / "pkg", 1500)
    try:
        device = open_device(DiskBackend(root), deep=True)
        apply(plan_uninstall(device, ["pkg"]), installer="test")
    except UserError:
        pass
    result = run("uninstall", "pkg", "--path", root)
    assert result.exit_code in (0, 2), result.output  # type: ignore[attr-defined]
    DiskBackend(root).remove("lib/pkg")  # (pytest's own clean-up recurses per level)
    assert not (root / "lib" / "pkg").exists()


def test_a_dependency_chain_5000_long_is_a_plain_error(env):
    tmp, root = env
    n = 5000
    libs = {f"m{i}": lib("1.0.0", deps=[f"m{i + 1}"] if i + 1 < n else []) for i in range(n)}
    paths = write_bundle(tmp / "bundles", libs)
    result = run("install", "m0", "--path", root, "--bundle", paths["py"])
    assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
    assert "deep" in result.output  # type: ignore[attr-defined]
    with Bundle.open(paths["py"], paths["json"]) as bundle, pytest.raises(BundleError):
        bundle.resolve(["m0"])


def test_a_huge_or_linked_boot_out_is_not_read_whole(env):
    tmp, root = env
    (root / "boot_out.txt").unlink()
    with open(root / "boot_out.txt", "wb") as f:
        f.write(b"Adafruit CircuitPython 10.0.3 on 2025-10-17; Feather with rp2040\n")
        f.truncate(3 * 1024**3)  # sparse
    child = (
        "import json, resource, sys\n"
        "from protoboard.updater.backends import DiskBackend\n"
        "info = DiskBackend(sys.argv[1]).device_info()\n"
        "print(json.dumps([info.kind, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(root)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    kind, peak_kib = json.loads(done.stdout)
    assert kind == "circuitpython" and peak_kib < 1024 * 1024
    (root / "boot_out.txt").unlink()
    (tmp / "host.txt").write_text("Adafruit CircuitPython 9.2.1 on x; y with z\n")
    (root / "boot_out.txt").symlink_to(tmp / "host.txt")
    assert DiskBackend(root).device_info() is None
