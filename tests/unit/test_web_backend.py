"""WebBackend against our real web-workflow server (protoboard.web.fsapi) on 127.0.0.1: the
Backend contract method by method, then the updater end to end over HTTP."""

from __future__ import annotations

import http.server
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from bundle_factory import CP10, catalog, drive, lib, write_bundle

from protoboard.updater.backends import BackendError
from protoboard.updater.catalog import parse_requirement
from protoboard.updater.engine import (
    apply,
    open_device,
    plan_install,
    plan_uninstall,
    plan_update,
    status,
)
from protoboard.updater.installed import JOURNAL_PATH, MANIFEST_PATH
from protoboard.updater.mpy import mpy_header
from protoboard.updater.web_backend import PASSWORD_ENV, WebBackend
from protoboard.web.fsapi import FsApiServer

PASSWORD = "hunter2-not-in-messages"
FEATHER = {
    "version": "10.0.3",
    "board_id": "adafruit_feather_rp2040",
    "mcu_name": "RP2040",
    "board_name": "Adafruit Feather RP2040",
}


class Board:
    """A FsApiServer plus the knobs tests turn: USB owning the drive, a server-side request
    count (every request the handler saw, whatever the client thinks it sent)."""

    def __init__(
        self, root: Path, board: dict | None = None, port: int = 0, size_limit: int | None = None
    ) -> None:
        self.root = root
        self.read_only = False
        self.requests: list[tuple[str, str]] = []
        self.server = FsApiServer(
            root,
            password=PASSWORD,
            port=port,
            board=board,
            read_only=lambda: self.read_only,
            size_limit=size_limit,
            timeout=3,
        )
        self.board = board

    def start(self) -> Board:
        self.server.start()
        handler = self.server._httpd.RequestHandlerClass  # type: ignore[union-attr]
        log = self.requests

        class Counting(handler):  # type: ignore[misc, valid-type]
            def _handle(self, method: str) -> None:
                log.append((method, self.path))
                super()._handle(method)

        self.server._httpd.RequestHandlerClass = Counting  # type: ignore[union-attr]
        return self

    def stop(self) -> None:
        self.server.stop()

    def restart(self) -> None:
        """The board comes back on the same address."""
        self.server = FsApiServer(
            self.root,
            password=PASSWORD,
            port=self.server.port,
            board=self.board,
            read_only=lambda: self.read_only,
            timeout=3,
        )
        self.start()

    def backend(self, password: str | None = PASSWORD, **kw) -> WebBackend:
        return WebBackend(self.server.host, self.server.port, password, timeout=5, **kw)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return drive(tmp_path / "CIRCUITPY", CP10, "adafruit_feather_rp2040")


@pytest.fixture
def board(root: Path) -> Iterator[Board]:
    b = Board(root, FEATHER).start()
    yield b
    b.stop()


def files_under(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- the Backend contract -----------------------------------------------------------------


def test_device_info_of_a_circuitpython_board_and_of_protoboard(board: Board, root: Path):
    backend = board.backend()
    info = backend.device_info()
    assert info is not None
    assert (info.kind, str(info.version), info.board_id, info.found_in) == (
        "circuitpython",
        "10.0.3",
        "adafruit_feather_rp2040",
        "/cp/version.json",
    )
    assert backend.web_api_version == 4 and backend.stats.requests == 1
    with FsApiServer(root, password=PASSWORD) as ours:  # default board: Protoboard
        info = WebBackend(ours.host, ours.port, PASSWORD).device_info()
    assert info is not None and info.kind == "protoboard"


class OldServer(FsApiServer):
    def version(self) -> dict:
        return {"web_api_version": 0, "version": "7.3.0"}


class NotABoard(FsApiServer):
    def version(self) -> dict:
        return {"hello": "world"}


@pytest.mark.parametrize(
    "server_class,message",
    [
        (OldServer, "web API version 0; Protoboard needs 1 or newer"),
        (NotABoard, "not what CircuitPython's web workflow sends"),
    ],
)
def test_device_info_refuses_what_is_not_a_web_workflow(root: Path, server_class, message):
    with server_class(root, password=PASSWORD) as server:
        with pytest.raises(BackendError, match=message):
            WebBackend(server.host, server.port, PASSWORD).device_info()


def test_list_dir_entries_and_missing_folders(board: Board, root: Path):
    (root / "lib" / "pkg").mkdir()
    (root / "lib" / "pkg" / "a.py").write_bytes(b"12345")
    (root / "lib" / "x.mpy").write_bytes(b"C\x06" + b"0" * 98)
    backend = board.backend()
    entries = backend.list_dir("lib")
    assert entries is not None
    assert [(e.path, e.is_dir, e.size) for e in entries] == [
        ("lib/pkg", True, 0),
        ("lib/x.mpy", False, 100),
    ]
    assert (
        entries[1].mtime_ns
        == (root / "lib/x.mpy").stat().st_mtime_ns // 2_000_000_000 * 2_000_000_000
    )
    assert [e.path for e in backend.walk("lib")] == ["lib/pkg", "lib/pkg/a.py", "lib/x.mpy"]
    assert backend.list_dir("nothing/here") is None
    root_names = [e.name for e in backend.list_dir("") or []]
    assert "boot_out.txt" in root_names and "lib" in root_names


def test_listings_are_remembered_and_free_space_comes_with_them(board: Board):
    backend = board.backend()
    backend.list_dir("lib")
    before = backend.stats.requests
    backend.list_dir("lib")
    space = backend.free_space()
    assert backend.stats.requests == before  # neither cost a request
    assert space is not None and space[0] > 0 and space[1] > 0
    assert backend.writable is True

    fresh = board.backend()
    assert fresh.free_space() is not None  # nothing listed yet: /cp/diskinfo.json
    assert fresh.stats.by_kind == {"space": 1}


def test_read_write_mkdir(board: Board, root: Path):
    backend = board.backend()
    assert backend.read("lib/none.py") is None
    backend.mkdir("lib/new pkg")
    backend.mkdir("lib/new pkg")  # exists: no error
    backend.write("lib/new pkg/ä b.py", b"x = 1\n")
    assert (root / "lib/new pkg/ä b.py").read_bytes() == b"x = 1\n"
    assert backend.read("lib/new pkg/ä b.py") == b"x = 1\n"
    assert backend.stats.writes == [("lib/new pkg/ä b.py", 6)]
    assert backend.stats.bytes_written == 6 and backend.stats.bytes_read >= 6
    # what we wrote shows in a listing without asking the board again
    requests = backend.stats.requests
    assert [(e.name, e.size) for e in backend.list_dir("lib/new pkg") or []] == [("ä b.py", 6)]
    assert backend.stats.requests == requests
    # and a fresh backend sees the same on the board
    assert [(e.name, e.size) for e in board.backend().list_dir("lib/new pkg") or []] == [
        ("ä b.py", 6)
    ]
    with pytest.raises(BackendError, match="its folder lib/missing does not exist"):
        backend.write("lib/missing/x.py", b"1")
    with pytest.raises(ValueError):
        backend.write("../outside.py", b"1")


def test_replace_over_files_and_folders(board: Board, root: Path):
    (root / "lib/old.py").write_text("old")
    (root / "lib/pkg").mkdir()
    (root / "lib/pkg/a.py").write_text("old a")
    backend = board.backend()
    backend.write("lib/.pbstage-old.py", b"new")
    backend.replace("lib/.pbstage-old.py", "lib/old.py")  # target exists (unknown)
    backend.list_dir("lib")
    backend.write("lib/.pbstage-old.py", b"newer")
    n = len(board.requests)
    backend.replace("lib/.pbstage-old.py", "lib/old.py")  # both known: DELETE, MOVE
    assert [m for m, _ in board.requests[n:]] == ["DELETE", "MOVE"]
    assert (root / "lib/old.py").read_text() == "newer"
    backend.mkdir("lib/.pbstage-pkg")
    backend.write("lib/.pbstage-pkg/b.py", b"b")
    backend.replace("lib/.pbstage-pkg", "lib/pkg")
    assert sorted(p.name for p in (root / "lib/pkg").iterdir()) == ["b.py"]
    n = len(board.requests)
    backend.write("lib/.pbstage-new.py", b"n")
    backend.replace("lib/.pbstage-new.py", "lib/fresh.py")  # no target: one MOVE
    assert [m for m, _ in board.requests[n:]] == ["PUT", "MOVE"]
    assert not [p for p in files_under(root) if ".pbstage" in p]
    assert {e.name for e in backend.list_dir("lib") or []} == {"fresh.py", "old.py", "pkg"}


def test_replace_of_a_source_already_moved_keeps_the_target(board: Board, root: Path):
    """Replaying an interrupted update's journal must not delete what was already moved."""
    (root / "lib/pkg").mkdir()
    (root / "lib/pkg/a.py").write_text("moved before the interruption")
    backend = board.backend()
    backend.list_dir("lib")
    with pytest.raises(BackendError, match="lib/.pbstage-pkg is not there"):
        backend.replace("lib/.pbstage-pkg", "lib/pkg")
    assert (root / "lib/pkg/a.py").read_text() == "moved before the interruption"


def test_remove_files_folders_and_what_is_gone(board: Board, root: Path):
    (root / "lib/pkg/sub").mkdir(parents=True)
    (root / "lib/pkg/sub/a.py").write_text("a")
    (root / "lib/x.py").write_text("x")
    backend = board.backend()
    backend.list_dir("lib/pkg/sub")
    backend.remove("lib/pkg")
    backend.remove("lib/x.py")
    backend.remove("lib/x.py")  # gone already: no error
    assert list((root / "lib").iterdir()) == []
    assert backend.list_dir("lib/pkg/sub") is None  # the remembered listing went with it
    assert backend.list_dir("lib") == []


# --- errors in plain words ------------------------------------------------------------------


@pytest.mark.parametrize(
    "password,what", [("wrong", "refused the password"), (None, "needs a password")]
)
def test_wrong_or_missing_password(board: Board, password, what):
    backend = board.backend(password)
    with pytest.raises(BackendError) as err:
        backend.list_dir("lib")
    text = str(err.value)
    assert what in text and "HTTP 401" in text
    assert "CIRCUITPY_WEB_API_PASSWORD" in text and "settings.toml" in text
    assert "--password" in text and PASSWORD_ENV in text
    assert f"http://127.0.0.1:{board.server.port}" in text
    assert PASSWORD not in text and (password is None or password not in text)


def test_no_password_on_the_board_is_403(root: Path):
    with FsApiServer(root, password=None) as server:
        with pytest.raises(BackendError, match="has no web workflow password") as err:
            WebBackend(server.host, server.port, "x").read("boot_out.txt")
    assert "CIRCUITPY_WEB_API_PASSWORD" in str(err.value)


def test_full_drive(root: Path):
    b = Board(root, FEATHER, size_limit=10).start()
    try:
        with pytest.raises(BackendError, match=r"is full, so writing lib/big.py failed \(HTTP 413"):
            b.backend().write("lib/big.py", b"x" * 100)
    finally:
        b.stop()
    assert not (root / "lib/big.py").exists()


def test_cannot_reach_and_no_answer(tmp_path: Path):
    with socket.socket() as sock:  # a port nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    backend = WebBackend("127.0.0.1", port, PASSWORD, timeout=2)
    with pytest.raises(BackendError) as err:
        backend.device_info()
    assert f"cannot reach http://127.0.0.1:{port}" in str(err.value)
    assert "same network" in str(err.value) and PASSWORD not in str(err.value)

    with socket.socket() as silent:  # accepts (backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)
        port = silent.getsockname()[1]
        backend = WebBackend("127.0.0.1", port, PASSWORD, timeout=0.3)
        with pytest.raises(BackendError, match="did not answer within 0.3 s"):
            backend.list_dir("lib")


# --- the updater over HTTP ------------------------------------------------------------------

LIBS = {
    "adafruit_bus_device": lib(
        "5.2.10",
        {
            "adafruit_bus_device/__init__.py": "",
            "adafruit_bus_device/i2c_device.py": "__version__ = '5.2.10'\nI2C = 1\n",
            "adafruit_bus_device/spi_device.py": "__version__ = '5.2.10'\nSPI = 1\n",
        },
    ),
    "adafruit_bme280": lib(
        "2.6.4",
        {
            "adafruit_bme280/__init__.py": "",
            "adafruit_bme280/basic.py": "__version__ = '2.6.4'\nBASIC = 1\n",
            "adafruit_bme280/advanced.py": "__version__ = '2.6.4'\nADVANCED = 1\n",
        },
        deps=["adafruit_bus_device"],
        external=["adafruit-blinka"],
    ),
    "adafruit_ticks": lib("1.1.0"),
    "neopixel": lib("6.3.12", deps=["adafruit_pixelbuf"]),
    "adafruit_pixelbuf": lib("2.0.4"),
}


def bumped(libs: dict, name: str, version: str) -> dict:
    old = libs[name]["version"]
    files = libs[name]["files"] or {f"{name}.py": f"__version__ = '{old}'\nVALUE = 1\n"}
    return {
        **libs,
        name: {
            **libs[name],
            "version": version,
            "files": {k: v.replace(old, version) for k, v in files.items()},
        },
    }


def install(backend: WebBackend, cat, *names: str) -> None:
    plan = plan_install(open_device(backend), cat, [parse_requirement(n) for n in names])
    apply(plan, installer="protoboard test")


def test_install_update_uninstall_over_http(board: Board, root: Path, tmp_path: Path):
    bundles = write_bundle(tmp_path / "b1", LIBS)
    backend = board.backend()
    install(backend, catalog(bundles, "10.x-mpy"), "adafruit_bme280", "neopixel")
    on_drive = files_under(root / "lib")
    assert sorted(on_drive) == [
        ".protoboard.json",
        "adafruit_bme280/__init__.py",
        "adafruit_bme280/advanced.mpy",
        "adafruit_bme280/basic.mpy",
        "adafruit_bus_device/__init__.py",
        "adafruit_bus_device/i2c_device.mpy",
        "adafruit_bus_device/spi_device.mpy",
        "adafruit_pixelbuf.mpy",
        "neopixel.mpy",
    ]
    assert on_drive["neopixel.mpy"].startswith(mpy_header(10))
    assert not (root / JOURNAL_PATH).exists()

    # a new release changes one library: only its file is sent
    new = write_bundle(tmp_path / "b2", bumped(LIBS, "adafruit_pixelbuf", "2.0.5"), tag="20261121")
    backend = board.backend()
    n = len(board.requests)
    device = open_device(backend)
    plan = plan_update(device, catalog(new, "10.x-mpy", tag="20261121"))
    assert [(c.name, c.action) for c in plan.active] == [("adafruit_pixelbuf", "upgrade")]
    apply(plan, installer="protoboard test")
    puts = [p for m, p in board.requests[n:] if m == "PUT" and not p.endswith("/")]
    # the journal lists what will be staged, then what to rename
    assert puts == [
        "/fs/lib/.protoboard.journal.json",
        "/fs/lib/.pbstage-adafruit_pixelbuf.mpy",
        "/fs/lib/.pbstage-.protoboard.json",
        "/fs/lib/.protoboard.journal.json",
    ]
    library_writes = [w for w in backend.stats.writes if ".protoboard" not in w[0]]
    assert library_writes == [
        ("lib/.pbstage-adafruit_pixelbuf.mpy", len(on_drive["adafruit_pixelbuf.mpy"]))
    ]
    after = files_under(root / "lib")
    assert b"2.0.5" in after["adafruit_pixelbuf.mpy"]
    assert {
        k: v for k, v in after.items() if k not in ("adafruit_pixelbuf.mpy", ".protoboard.json")
    } == {
        k: v for k, v in on_drive.items() if k not in ("adafruit_pixelbuf.mpy", ".protoboard.json")
    }

    rows = {
        r["name"]: r
        for r in status(open_device(board.backend()), catalog(new, "10.x-mpy", tag="20261121"))
    }
    assert rows["adafruit_pixelbuf"]["installed"] == "2.0.5"
    assert not any(r["outdated"] for r in rows.values())

    apply(plan_uninstall(open_device(board.backend()), ["adafruit_bme280"]), installer="t")
    assert not (root / "lib/adafruit_bme280").exists()
    assert (root / "lib/adafruit_bus_device").exists()  # reported as an orphan, kept
    assert sorted(open_device(board.backend()).libraries) == [
        "adafruit_bus_device",
        "adafruit_pixelbuf",
        "neopixel",
    ]


def twenty() -> dict:
    libs = {}
    for i in range(20):
        if i % 4 == 0:
            files = {f"lib_{i:02}/__init__.py": "", f"lib_{i:02}/core.py": f"X = {i}\n"}
            libs[f"lib_{i:02}"] = lib("1.0.0", files)
        else:
            libs[f"lib_{i:02}"] = lib("1.0.0", deps=[f"lib_{i - 1:02}"] if i % 4 == 3 else [])
    return libs


def test_list_of_20_managed_libraries_costs_3_requests(board: Board, tmp_path: Path):
    libs = twenty()
    cat = catalog(write_bundle(tmp_path / "b", libs), "10.x-mpy")
    install(board.backend(), cat, *libs)
    newer = catalog(
        write_bundle(tmp_path / "b2", bumped(libs, "lib_05", "1.0.1"), tag="20261121"),
        "10.x-mpy",
        tag="20261121",
    )
    backend = board.backend()
    n = len(board.requests)
    rows = status(open_device(backend, deep=False), newer)
    assert len(rows) == 20
    assert [r["name"] for r in rows if r["outdated"]] == ["lib_05"]
    assert backend.stats.requests == 3 == len(board.requests) - n
    assert [p for _, p in board.requests[n:]] == [
        "/cp/version.json",
        "/fs/lib/",
        "/fs/lib/.protoboard.json",
    ]


def test_usb_owns_the_drive_nothing_changes(board: Board, root: Path, tmp_path: Path):
    bundles = write_bundle(tmp_path / "b", LIBS)
    install(board.backend(), catalog(bundles, "10.x-mpy"), "adafruit_ticks")
    before = files_under(root)
    board.read_only = True
    plan = plan_install(
        open_device(board.backend()),
        catalog(bundles, "10.x-mpy"),
        [parse_requirement("adafruit_bme280")],
    )
    with pytest.raises(BackendError) as err:
        apply(plan, installer="t")
    assert "in use by USB (a computer has it mounted)" in str(err.value)
    assert "Eject CIRCUITPY" in str(err.value)
    assert files_under(root) == before


class Interrupt(Exception):
    pass


@pytest.mark.parametrize("step,at", [("stage", 2), ("commit", 1)])
def test_board_gone_mid_update_then_back(
    board: Board, root: Path, tmp_path: Path, step: str, at: int
):
    bundles = write_bundle(tmp_path / "b", LIBS)
    install(board.backend(), catalog(bundles, "10.x-mpy"), "adafruit_bme280")
    new_libs = bumped(LIBS, "adafruit_bme280", "2.7.0")
    new = catalog(
        write_bundle(tmp_path / "b2", new_libs, tag="20261121"), "10.x-mpy", tag="20261121"
    )
    seen: list[str] = []

    def pull_the_plug(name: str) -> None:
        if name == step:
            seen.append(name)
            if len(seen) == at:
                board.stop()

    backend = board.backend()
    plan = plan_update(open_device(backend), new)
    with pytest.raises(BackendError) as err:
        apply(plan, installer="t", fail_after=pull_the_plug)
    assert f"cannot reach http://127.0.0.1:{board.server.port}" in str(err.value)
    assert PASSWORD not in str(err.value)

    def versions() -> set[bytes]:
        found = set()
        for f in ("basic.mpy", "advanced.mpy"):
            data = (root / "lib/adafruit_bme280" / f).read_bytes()
            found |= {v for v in (b"2.6.4", b"2.7.0") if v in data}
        return found

    if step == "stage":  # nothing moved yet: the old version, and a journal saying
        assert versions() == {b"2.6.4"}  # which staged files to clean up
        assert b'"phase": "stage"' in (root / JOURNAL_PATH).read_bytes()
    else:  # the journal says how to finish
        assert (root / JOURNAL_PATH).exists()

    board.restart()
    device = open_device(board.backend())  # finishes or cleans up first
    assert versions() == ({b"2.7.0"} if step == "commit" else {b"2.6.4"})
    assert not (root / JOURNAL_PATH).exists()
    apply(plan_update(device, new), installer="t")
    assert versions() == {b"2.7.0"}
    assert not [p for p in files_under(root) if ".pbstage" in p or "journal" in p]
    rows = status(open_device(board.backend()), new)
    assert rows[0]["installed"] == "2.7.0" and not rows[0]["outdated"]
    assert MANIFEST_PATH.split("/")[1] in {p.name for p in (root / "lib").iterdir()}


def test_install_interrupted_between_folder_moves_is_finished(
    board: Board, root: Path, tmp_path: Path
):
    """New packages are staged as whole folders; replaying the journal must keep the folders
    already moved into place (the move of a source that is gone is skipped, not a delete)."""
    cat = catalog(write_bundle(tmp_path / "b", LIBS), "10.x-mpy")
    commits: list[str] = []

    def stop_after_first_move(step: str) -> None:
        if step == "commit":
            commits.append(step)
            if len(commits) == 1:
                raise Interrupt

    plan = plan_install(open_device(board.backend()), cat, [parse_requirement("adafruit_bme280")])
    with pytest.raises(Interrupt):
        apply(plan, installer="t", fail_after=stop_after_first_move)
    device = open_device(board.backend())
    assert "finished an update that was interrupted" in device.notes[0]
    assert sorted(device.libraries) == ["adafruit_bme280", "adafruit_bus_device"]
    assert not any(lib.missing_files for lib in device.libraries.values())
    assert sorted(p for p in files_under(root / "lib") if not p.startswith(".")) == [
        "adafruit_bme280/__init__.py",
        "adafruit_bme280/advanced.mpy",
        "adafruit_bme280/basic.mpy",
        "adafruit_bus_device/__init__.py",
        "adafruit_bus_device/i2c_device.mpy",
        "adafruit_bus_device/spi_device.mpy",
    ]


class _Recorder(http.server.BaseHTTPRequestHandler):
    """A host that records what reaches it; with ``redirect`` set, it redirects every GET."""

    redirect: str | None = None
    seen: list[tuple[str, str | None]]

    def do_GET(self) -> None:
        self.seen.append((self.path, self.headers.get("Authorization")))
        if self.redirect:
            self.send_response(307)
            self.send_header("Location", self.redirect + self.path)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def _serve(address: str, redirect: str | None = None):
    seen: list[tuple[str, str | None]] = []
    handler = type("Handler", (_Recorder,), {"redirect": redirect, "seen": seen})
    server = http.server.ThreadingHTTPServer((address, 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, seen


def test_a_redirect_to_another_host_is_not_followed_with_the_password():
    """Only circuitpython.local's redirect to the board's own name is followed."""
    elsewhere, elsewhere_seen = _serve("127.0.0.2")
    target = f"http://127.0.0.2:{elsewhere.server_port}"
    board, board_seen = _serve("127.0.0.1", redirect=target)
    backend = WebBackend("127.0.0.1", board.server_port, "secret", timeout=5)
    try:
        with pytest.raises(BackendError) as refused:
            backend.list_dir("")
        assert "not following it" in str(refused.value)
        assert "--host 127.0.0.2" in (refused.value.hint or "")
        assert board_seen and elsewhere_seen == []  # the password never left for 127.0.0.2
    finally:
        backend.close()
        for server in (board, elsewhere):
            server.shutdown()
            server.server_close()
