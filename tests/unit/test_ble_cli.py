"""`protoboard ble ...` against an in-process device serving a real folder (--loopback), and the
bleak transport's checks and error messages with fakes (no radio here)."""

from __future__ import annotations

import asyncio
import os
import sys
import types

import pytest
from click.testing import CliRunner

from protoboard.ble import bleak_transport as bt
from protoboard.ble import protocol as p
from protoboard.ble.client import FileTransferClient
from protoboard.ble.commands import ble, remote_path
from protoboard.ble.transport import (
    BluetoothUnavailable,
    ConnectionLost,
    DeviceNotFound,
    LinkTransport,
    TransferTimeout,
    Transport,
    TransportError,
    run_operation,
)


@pytest.fixture
def device(tmp_path):
    folder = tmp_path / "device"
    folder.mkdir()
    return folder


@pytest.fixture
def project(tmp_path):
    root = tmp_path / "project"
    (root / "lib" / "sensors").mkdir(parents=True)
    (root / "code.py").write_text("print('hello')\n")
    (root / "lib" / "util.py").write_text("X = 1\n")
    (root / "lib" / "sensors" / "big.bin").write_bytes(os.urandom(5000))
    return root


@pytest.fixture
def sessions(monkeypatch):
    """The protocol commands each loopback session sent (Counter by command byte)."""
    seen = []
    original = LinkTransport.close

    async def close(self):
        seen.append(self.commands.copy())
        await original(self)

    monkeypatch.setattr(LinkTransport, "close", close)
    return seen


def cli(device, *args, read_only=False, input=None):
    extra = ["--loopback", str(device)] + (["--loopback-read-only"] if read_only else [])
    result = CliRunner().invoke(ble, [*args, *extra], input=input)
    assert "Traceback" not in result.output, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exc_info
    return result


def test_put_ls_get_round_trip(device, project, tmp_path):
    assert cli(device, "put", str(project / "code.py")).exit_code == 0
    assert (device / "code.py").read_bytes() == (project / "code.py").read_bytes()
    result = cli(device, "put", str(project / "lib"))
    assert result.exit_code == 0 and "2 file(s)" in result.output
    assert (device / "lib" / "sensors" / "big.bin").read_bytes() == (
        project / "lib" / "sensors" / "big.bin"
    ).read_bytes()
    # the board keeps the local modification time (to FAT's 2 s)
    local = (project / "lib" / "util.py").stat().st_mtime_ns
    assert abs((device / "lib" / "util.py").stat().st_mtime_ns - local) < 2_000_000_000

    listing = cli(device, "ls").output.splitlines()
    assert [line.split()[-1] for line in listing] == ["code.py", "lib/"]
    recursive = cli(device, "ls", "-r", "lib").output
    assert "sensors/big.bin" in recursive and " 5000 " in recursive
    assert cli(device, "ls", "code.py").output.split()[0] == str(len("print('hello')\n"))

    out = tmp_path / "back"
    assert cli(device, "get", "/lib", str(out)).exit_code == 0
    for rel in ("util.py", "sensors/big.bin"):
        assert (out / rel).read_bytes() == (project / "lib" / rel).read_bytes()
    assert cli(device, "get", "code.py", str(out)).exit_code == 0  # into an existing folder
    assert (out / "code.py").read_bytes() == (project / "code.py").read_bytes()


def test_put_into_existing_folder_and_missing_parent(device, project):
    (device / "lib").mkdir()
    assert cli(device, "put", str(project / "code.py"), "/lib").exit_code == 0
    assert (device / "lib" / "code.py").is_file()
    result = cli(device, "put", str(project / "code.py"), "/nope/code.py")
    assert result.exit_code == 2 and "/nope does not exist" in result.output
    assert "mkdir -p /nope" in result.output


def test_mkdir_mv_rm(device):
    result = cli(device, "mkdir", "a/b/c")
    assert result.exit_code == 2 and "/a/b does not exist" in result.output
    assert "mkdir -p /a/b/c" in result.output
    assert cli(device, "mkdir", "-p", "a/b/c").exit_code == 0
    assert (device / "a" / "b" / "c").is_dir()
    assert cli(device, "mkdir", "-p", "/a/b/c").exit_code == 0  # exists: fine with -p
    assert "already exists" in cli(device, "mkdir", "/a").output

    (device / "f.txt").write_text("data")
    assert cli(device, "mv", "f.txt", "/g.txt").exit_code == 0
    assert (device / "g.txt").read_text() == "data" and not (device / "f.txt").exists()
    assert cli(device, "mv", "/g.txt", "/a/b").exit_code == 0  # into a folder
    assert (device / "a" / "b" / "g.txt").is_file()
    (device / "h.txt").write_text("h")
    assert "already exists" in cli(device, "mv", "/h.txt", "/a/b/g.txt").output

    result = cli(device, "rm", "/a", input="n\n")  # asks before deleting a folder
    assert result.exit_code == 1 and "Delete the folder /a" in result.output
    assert (device / "a").is_dir()
    assert cli(device, "rm", "/a", input="y\n").exit_code == 0 and not (device / "a").exists()
    assert cli(device, "rm", "-y", "h.txt").exit_code == 0 and not (device / "h.txt").exists()
    assert "refusing" in cli(device, "rm", "-y", "/").output


def test_missing_paths_name_the_path(device, tmp_path):
    for args in (
        ["get", "/nope.py", str(tmp_path / "x")],
        ["ls", "/nope"],
        ["rm", "/nope"],
        ["mv", "/nope", "/x"],
    ):
        result = cli(device, *args)
        assert result.exit_code == 2, args
        assert "/nope" in result.output and "does not exist" in result.output
        assert "protoboard ble ls /" in result.output
    assert not (tmp_path / "x").exists()


def test_read_only_drive_says_what_to_do(device, project):
    (device / "old.py").write_text("x")
    for args in (
        ["put", str(project / "code.py")],
        ["mv", "/old.py", "/new.py"],
        ["rm", "/old.py"],
        ["mkdir", "/d"],
    ):
        result = cli(device, *args, read_only=True)
        assert result.exit_code == 2, args
        assert "read-only" in result.output and "eject" in result.output, result.output
    assert sorted(os.listdir(device)) == ["old.py"]


def test_sync_sends_only_what_changed(device, project, sessions):
    result = cli(device, "sync", str(project))
    assert result.exit_code == 0 and "sent 3 file(s)" in result.output
    assert sessions[-1][p.WRITE] == 3
    inodes = {name: (device / name).stat().st_ino for name in ("code.py", "lib/util.py")}

    result = cli(device, "sync", str(project))
    assert "sent 0 file(s)" in result.output and "3 unchanged" in result.output
    assert sessions[-1][p.WRITE] == 0 and sessions[-1][p.MKDIR] == 0

    (project / "lib" / "util.py").write_text("X = 2  # longer\n")  # size changes
    code = project / "code.py"
    os.utime(code, ns=(code.stat().st_atime_ns, code.stat().st_mtime_ns + 10_000_000_000))
    (project / "lib" / "new").mkdir()
    (project / "lib" / "new" / "n.py").write_text("n")
    (project / ".git").mkdir()  # skipped by default
    (project / ".git" / "HEAD").write_text("ref")
    (device / "extra.txt").write_text("only on the board")
    (device / ".metadata_never_index").write_text("")

    result = cli(device, "sync", str(project), "--dry-run")
    assert "would send 3 file(s)" in result.output and sessions[-1][p.WRITE] == 0
    result = cli(device, "sync", str(project))
    assert "sent 3 file(s)" in result.output and "1 extra on the board" in result.output
    assert sessions[-1][p.WRITE] == 3
    assert (device / "lib" / "util.py").read_text() == "X = 2  # longer\n"
    assert (device / "lib" / "new" / "n.py").read_text() == "n"
    assert (device / "lib" / "util.py").stat().st_ino != inodes["lib/util.py"]
    assert (device / "extra.txt").exists() and not (device / ".git").exists()

    result = cli(device, "sync", str(project), "--delete")
    assert "delete  /extra.txt" in result.output and sessions[-1][p.WRITE] == 0
    assert not (device / "extra.txt").exists()
    assert (device / ".metadata_never_index").exists()  # excluded names are left alone


def test_sync_into_a_subfolder_and_type_conflicts(device, project):
    (device / "app").mkdir()
    (device / "app" / "code.py").mkdir()  # a folder where the project has a file
    result = cli(device, "sync", str(project), "/app")
    assert result.exit_code == 0, result.output
    assert (device / "app" / "code.py").read_bytes() == (project / "code.py").read_bytes()
    assert (device / "app" / "lib" / "sensors" / "big.bin").is_file()


def test_remote_paths_are_absolute():
    assert remote_path("lib/x.py") == "/lib/x.py"
    assert remote_path("/lib//x.py/") == "/lib/x.py"
    assert remote_path("../../etc") == "/etc"
    assert remote_path("") == remote_path(".") == "/"
    assert remote_path("a\\b") == "/a/b"


def test_missing_loopback_folder(tmp_path):
    result = CliRunner().invoke(ble, ["ls", "--loopback", str(tmp_path / "nope")])
    assert result.exit_code == 2 and "does not exist" in result.output


# --- transport -------------------------------------------------------------------------


class Silent(Transport):
    name = "silent board"

    async def _write(self, chunk):
        self.last = chunk

    async def close(self):
        self._lost()


def test_run_operation_times_out_and_reports_disconnects():
    async def go():
        t = Silent()
        with pytest.raises(TransferTimeout, match="silent board did not answer"):
            await run_operation(t, FileTransferClient().listdir("/"), timeout=0.01)
        await t.close()
        with pytest.raises(ConnectionLost):
            await run_operation(t, FileTransferClient().listdir("/"), timeout=1)

    asyncio.run(go())


def test_link_transport_splits_to_the_mtu_and_reports_progress(device):
    (device / "f.bin").write_bytes(b"x" * 2000)
    seen = []

    async def go():
        async with LinkTransport.serve(device, mtu=23) as t:
            assert t.max_write == 20
            data = await run_operation(
                t, FileTransferClient().read_file("/f.bin"), progress=lambda s, r: seen.append(r)
            )
            names = await run_operation(t, FileTransferClient().listdir("/"))
            return data, names

    data, names = asyncio.run(go())
    assert data == b"x" * 2000 and [n.name for n in names] == ["f.bin"]
    assert seen == sorted(seen) and seen[-1] > 2000


# --- bleak transport, without a radio ---------------------------------------------------


def test_without_bleak_every_radio_command_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "bleak", None)  # import bleak -> ImportError
    for args in (["scan"], ["ls", "--device", "CIRCUITPY1234"], ["put", __file__]):
        result = CliRunner().invoke(ble, args)
        assert result.exit_code == 2, args
        assert "not installed" in result.output and "pip install 'protoboard[ble]'" in result.output
        assert "Traceback" not in result.output


def _fake_bleak(monkeypatch, discover=None, client=None):
    exc = types.ModuleType("bleak.exc")

    class BleakError(Exception):
        pass

    class BleakDBusError(BleakError):
        def __init__(self, name, body):
            super().__init__(name, body)
            self.dbus_error = name

    exc.BleakError, exc.BleakDBusError = BleakError, BleakDBusError

    async def default_discover(timeout, return_adv):
        return {}

    module = types.ModuleType("bleak")
    module.BleakScanner = types.SimpleNamespace(discover=discover or default_discover)
    module.BleakClient = client
    module.exc = exc
    monkeypatch.setitem(sys.modules, "bleak", module)
    monkeypatch.setitem(sys.modules, "bleak.exc", exc)
    return exc


@pytest.mark.parametrize(
    "error, words",
    [
        (FileNotFoundError(2, "No such file or directory"), "D-Bus is not running"),
        ("BleakError:No Bluetooth adapters found.", "no Bluetooth adapter"),
        ("DBus:org.bluez.Error.NotReady", "turned off"),
        ("DBus:org.freedesktop.DBus.Error.ServiceUnknown", "bluetoothd"),
        (PermissionError(13, "Permission denied"), "Bluetooth error while scanning"),
    ],
)
def test_bluetooth_errors_are_explained(monkeypatch, error, words):
    holder = {}

    async def discover(timeout, return_adv):
        raise holder["error"]

    exc = _fake_bleak(monkeypatch, discover=discover)
    if isinstance(error, str):
        kind, _, text = error.partition(":")
        error = exc.BleakError(text) if kind == "BleakError" else exc.BleakDBusError(text, [])
    holder["error"] = error
    for args in (["scan", "--timeout", "0"], ["ls", "--scan-timeout", "0"]):
        result = CliRunner().invoke(ble, args)
        assert result.exit_code == 2 and words in result.output, result.output
        assert "Traceback" not in result.output


def test_bleak_scan_and_choose(monkeypatch):
    def adv(name, uuids=(), rssi=-50):
        return types.SimpleNamespace(local_name=name, service_uuids=list(uuids), rssi=rssi)

    def dev(address, name=None):
        return types.SimpleNamespace(address=address, name=name)

    seen = {
        "A": (dev("AA:AA:AA:AA:AA:AA"), adv("CIRCUITPYa1b2", rssi=-70)),
        "B": (dev("BB:BB:BB:BB:BB:BB"), adv(None, [p.SERVICE_UUID.upper()], rssi=-40)),
        "C": (dev("CC:CC:CC:CC:CC:CC", "Headphones"), adv(None)),
    }

    async def discover(timeout, return_adv):
        assert return_adv
        return seen

    _fake_bleak(monkeypatch, discover=discover)
    found = asyncio.run(bt.scan(0.1))
    assert [f.address[:2] for f in found] == ["BB", "AA"]  # strongest first, boards only
    everything = asyncio.run(bt.scan(0.1, everything=True))
    assert [(f.address[:2], f.file_transfer) for f in everything] == [
        ("BB", True),
        ("CC", False),
        ("AA", True),
    ]
    with pytest.raises(DeviceNotFound, match="found 2 boards"):
        bt.choose(found, None)
    assert bt.choose(found, "circuitpya1b2").address.startswith("AA")
    assert bt.choose(everything, "bb:bb:bb:bb:bb:bb").address.startswith("BB")
    assert bt.choose(found, "CIRCUITPY").address.startswith("AA")  # unique prefix
    with pytest.raises(DeviceNotFound, match="no device 'nope'"):
        bt.choose(found, "nope")
    with pytest.raises(DeviceNotFound, match="no CircuitPython board"):
        bt.choose([], None)
    result = CliRunner().invoke(ble, ["scan", "--timeout", "0"])
    assert result.exit_code == 0 and "CIRCUITPYa1b2" in result.output and "-40 dBm" in result.output


class FakeClient:
    """Just enough of bleak.BleakClient for BleakTransport's set-up and I/O."""

    version = 4
    pair_error: Exception | None = None
    notify_error: Exception | None = None
    has_service = True

    def __init__(self, target, disconnected_callback=None, timeout=None):
        self.target, self.on_disconnect = target, disconnected_callback
        self.written, self.connected = [], False
        self.mtu_size = 23
        char = types.SimpleNamespace(max_write_without_response_size=244)
        chars = {p.TRANSFER_UUID: char, p.VERSION_UUID: object()} if self.has_service else {}
        self.services = types.SimpleNamespace(get_characteristic=chars.get)

    async def connect(self):
        self.connected = True

    async def read_gatt_char(self, uuid):
        assert uuid == p.VERSION_UUID
        return bytearray(self.version.to_bytes(4, "little"))

    async def pair(self):
        if self.pair_error:
            raise self.pair_error

    async def start_notify(self, uuid, callback):
        if self.notify_error:
            raise self.notify_error
        self.callback = callback

    async def write_gatt_char(self, uuid, data, response=None):
        assert uuid == p.TRANSFER_UUID and response is False and len(data) <= 244
        self.written.append(bytes(data))
        if data[0] == p.LISTDIR:
            self.callback(None, bytearray(p.ListdirEntry(p.STATUS_OK, 0, 0).encode()))

    async def stop_notify(self, uuid):
        pass

    async def disconnect(self):
        self.connected = False


def _connect(monkeypatch, client_cls, wanted="AA:BB:CC:DD:EE:FF"):
    _fake_bleak(monkeypatch, client=client_cls)
    return asyncio.run(bt.BleakTransport.connect(wanted, scan_timeout=0))


def test_bleak_transport_connects_by_address_and_transfers(monkeypatch):
    async def go():
        t = await bt.BleakTransport.connect("AA:BB:CC:DD:EE:FF", scan_timeout=0)
        assert (t.version, t.mtu, t.max_write) == (4, 247, 244)
        assert await run_operation(t, FileTransferClient().listdir("/")) == []
        t.client.on_disconnect(t.client)
        await asyncio.sleep(0)
        with pytest.raises(ConnectionLost):
            await t.receive(1)
        await t.close()
        return t

    _fake_bleak(monkeypatch, client=FakeClient)
    t = asyncio.run(go())
    assert t.client.written[0][0] == p.LISTDIR and not t.client.connected


def test_bleak_transport_refuses_old_versions(monkeypatch):
    class Old(FakeClient):
        version = 2

    with pytest.raises(TransportError, match="version 2; this client needs version 3") as info:
        _connect(monkeypatch, Old)
    assert "update CircuitPython" in info.value.hint


def test_bleak_transport_explains_pairing_failures(monkeypatch):
    class Refused(FakeClient):
        pair_error = RuntimeError("AuthenticationRejected")
        notify_error = RuntimeError("Insufficient encryption")

    with pytest.raises(TransportError, match="pairing with .* failed") as info:
        _connect(monkeypatch, Refused)
    assert "discovery mode" in info.value.hint and "forget" in info.value.hint

    class MacOS(FakeClient):  # no pair(): the system pairs by itself; that is fine
        pair_error = NotImplementedError()

    asyncio.run(asyncio.sleep(0))
    assert _connect(monkeypatch, MacOS).version == 4


def test_bleak_transport_without_the_service(monkeypatch):
    class NotCircuitPython(FakeClient):
        has_service = False

    with pytest.raises(DeviceNotFound, match="no BLE file-transfer service"):
        _connect(monkeypatch, NotCircuitPython)


def test_unknown_device_name_is_not_found(monkeypatch):
    _fake_bleak(monkeypatch, client=FakeClient)
    result = CliRunner().invoke(ble, ["ls", "--device", "CIRCUITPYzz", "--scan-timeout", "0"])
    assert result.exit_code == 2 and "no device 'CIRCUITPYzz'" in result.output
    assert "discovery mode" in result.output


def test_explain_covers_bleak_2_not_available(monkeypatch):
    exc = _fake_bleak(monkeypatch)

    class BleakBluetoothNotAvailableError(exc.BleakError):
        def __init__(self, msg, reason):
            super().__init__(msg)
            self.reason = reason

    exc.BleakBluetoothNotAvailableError = BleakBluetoothNotAvailableError
    error = BleakBluetoothNotAvailableError("off", types.SimpleNamespace(name="POWERED_OFF"))
    assert isinstance(bt.explain(error, "scanning"), BluetoothUnavailable)
    assert "turned off" in str(bt.explain(error, "scanning"))
    assert isinstance(bt.explain(TimeoutError(), "connecting"), TransferTimeout)
