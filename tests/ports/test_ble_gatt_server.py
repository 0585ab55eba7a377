"""The BlueZ GATT server (protoboard.ble.gatt_server) against a mock bluetoothd on a private
D-Bus (tests/ports/mock_bluez.py). The mock plays both bluetoothd (RegisterApplication,
RegisterAdvertisement) and, through it, the phone: it calls WriteValue / ReadValue /
StartNotify on the exported characteristics and collects the Value PropertiesChanged signals
that bluetoothd would send as notifications."""

import asyncio
import shutil
import struct
import threading

import pytest

if shutil.which("dbus-daemon") is None:
    pytest.skip(
        "dbus-daemon is not installed (needed for a private D-Bus)", allow_module_level=True
    )
pytest.importorskip("dbus_fast", reason="dbus-fast is not installed (pip install dbus-fast)")

from dbus_fast import Message, MessageType, Variant
from mock_bluez import DEVICE, MockBluez, private_bus

from protoboard.ble import gatt_server as gs
from protoboard.ble import protocol as p
from protoboard.ble.device import DeviceSession
from protoboard.ble.link import Link
from protoboard.ble.transport import BluetoothUnavailable

APP = gs.DEFAULT_APP_PATH
NAME = "CIRCUITPY1234"
MTIME = 1_700_000_001_500_000_000  # §2.4


@pytest.fixture(scope="module")
def bus_address():
    with private_bus() as address:
        yield address


def run(coro, timeout: float = 10.0):
    return asyncio.run(asyncio.wait_for(coro, timeout))


class Phone:
    """Drives the server as bluetoothd does for a connected phone."""

    def __init__(self, mock: MockBluez, server: gs.GattServer) -> None:
        self.mock, self.bus = mock, mock.bus
        self.owner = mock.owners[APP]
        self.chars = {uuid: path for uuid, (path, _) in mock.by_uuid(APP).items()}
        self.notified: dict[str, list[bytes]] = {}

    async def subscribe(self) -> None:
        await self.bus.call(
            Message(
                destination="org.freedesktop.DBus",
                path="/org/freedesktop/DBus",
                interface="org.freedesktop.DBus",
                member="AddMatch",
                signature="s",
                body=[f"type='signal',sender='{self.owner}',member='PropertiesChanged'"],
            )
        )

        def on_signal(msg: Message) -> bool:
            if (
                msg.message_type is MessageType.SIGNAL
                and msg.member == "PropertiesChanged"
                and msg.body[0] == "org.bluez.GattCharacteristic1"
                and "Value" in msg.body[1]
            ):
                self.notified.setdefault(msg.path, []).append(bytes(msg.body[1]["Value"].value))
            return False

        self.bus.add_message_handler(on_signal)

    async def call(self, uuid: str, member: str, signature: str = "", body=()) -> list:
        reply = await self.bus.call(
            Message(
                destination=self.owner,
                path=self.chars[uuid],
                interface="org.bluez.GattCharacteristic1",
                member=member,
                signature=signature,
                body=list(body),
            )
        )
        assert reply.message_type is MessageType.METHOD_RETURN, (reply.error_name, reply.body)
        return reply.body

    async def write(self, uuid: str, data: bytes, *, mtu: int = 247, device: str = DEVICE) -> None:
        options = {
            "device": Variant("o", device),
            "mtu": Variant("q", mtu),
            "type": Variant("s", "command"),
        }
        await self.call(uuid, "WriteValue", "aya{sv}", [data, options])

    async def read(self, uuid: str) -> bytes:
        (value,) = await self.call(uuid, "ReadValue", "a{sv}", [{"device": Variant("o", DEVICE)}])
        return bytes(value)

    def take(self, uuid: str) -> list[bytes]:
        return self.notified.pop(self.chars[uuid], [])

    async def take_responses(self, uuid: str, count: int) -> list[bytes]:
        """The notifications that carry ``count`` whole responses; they may arrive after the
        write was acknowledged (the server paces them)."""
        packets: list[bytes] = []
        for _ in range(200):
            packets += self.take(uuid)
            if len(p.ResponseStream().feed(b"".join(packets))) >= count:
                return packets
            await asyncio.sleep(0.01)
        raise AssertionError(f"{count} responses did not arrive: {packets}")


async def _started(bus_address, volume, **kwargs):
    mock = await MockBluez.start(bus_address)
    sessions: list[DeviceSession] = []

    def factory() -> DeviceSession:
        sessions.append(
            DeviceSession(volume, read_only=lambda: False, on_change=lambda _: None, fat_times=True)
        )
        return sessions[-1]

    server = gs.GattServer(factory, name=NAME, **kwargs)
    await server.start(bus_address)
    phone = Phone(mock, server)
    await phone.subscribe()
    return mock, server, phone, sessions


def test_registers_services_characteristics_and_advertisement(bus_address, tmp_path):
    async def scenario():
        mock, server, phone, _ = await _started(bus_address, tmp_path)
        try:
            objs = mock.by_uuid(APP)
            _, file_service = objs[p.SERVICE_UUID]
            assert file_service["Primary"] is True
            _, repl_service = objs[gs.REPL_SERVICE_UUID]
            assert repl_service["Primary"] is True
            _, version = objs[p.VERSION_UUID]
            assert version["Flags"] == ["read"]
            assert version["Service"] == objs[p.SERVICE_UUID][0]
            _, transfer = objs[p.TRANSFER_UUID]
            assert set(transfer["Flags"]) == {
                "encrypt-read",
                "encrypt-write",
                "write-without-response",
                "notify",
            }
            assert objs[gs.REPL_RX_UUID][1]["Flags"] == gs.REPL_RX_FLAGS
            assert "notify" in objs[gs.REPL_TX_UUID][1]["Flags"]
            assert objs[gs.REPL_VERSION_UUID][1]["Flags"] == ["read"]
            assert all(
                props["Service"] == objs[gs.REPL_SERVICE_UUID][0]
                for uuid, (_, props) in objs.items()
                if uuid in (gs.REPL_RX_UUID, gs.REPL_TX_UUID, gs.REPL_VERSION_UUID)
            )

            assert await phone.read(p.VERSION_UUID) == struct.pack("<I", 4)
            assert (
                (await phone.read(gs.REPL_VERSION_UUID))
                .decode()
                .startswith("CircuitPython-compatible Protoboard ")
            )

            ad = mock.advertisements[gs.DEFAULT_ADVERTISEMENT_PATH]
            assert ad["Type"] == "peripheral"
            assert ad["LocalName"] == NAME
            assert ad["ServiceUUIDs"] == ["0000febb-0000-1000-8000-00805f9b34fb"]
        finally:
            await server.stop()
        # stop() unregistered both from BlueZ
        assert mock.applications == {} and mock.advertisements == {}
        assert mock.calls.count("UnregisterApplication") == 1
        await mock.stop()

    run(scenario())


def test_worked_write_example_and_listdir(bus_address, tmp_path):
    data = bytes(range(256)) * 3 + bytes(232)  # 1000 bytes

    async def scenario():
        mock, server, phone, _ = await _started(bus_address, tmp_path)
        try:
            await phone.call(p.TRANSFER_UUID, "StartNotify")
            # §2.4 step 1 -> 2, byte for byte
            request = p.Write("/code.py", 1000, 0, MTIME).encode()
            assert request.hex().startswith("2000080000000000002f928ffe9c9717e8030000")
            await phone.write(p.TRANSFER_UUID, request)
            assert phone.take(p.TRANSFER_UUID) == [
                bytes.fromhex("210100000000000000002a36fe9c971700020000")
            ]
            await phone.write(p.TRANSFER_UUID, p.WriteData(0, data[:512]).encode())
            assert p.decode_responses(b"".join(phone.take(p.TRANSFER_UUID))) == [
                p.WritePacing(p.STATUS_OK, 512, 1_700_000_000_000_000_000, 488)
            ]
            await phone.write(p.TRANSFER_UUID, p.WriteData(512, data[512:]).encode())
            assert p.decode_responses(b"".join(phone.take(p.TRANSFER_UUID))) == [
                p.WritePacing(p.STATUS_OK, 1000, 1_700_000_000_000_000_000, 0)
            ]
            assert (tmp_path / "code.py").read_bytes() == data

            (tmp_path / "lib").mkdir()
            # LISTDIR at MTU 247: one notification per entry
            await phone.write(p.TRANSFER_UUID, p.Listdir("/").encode())
            packets = await phone.take_responses(p.TRANSFER_UUID, 3)
            entries = p.decode_responses(b"".join(packets))
            assert len(packets) == 3
            assert [(e.name, e.is_dir, e.file_size) for e in entries] == [
                ("code.py", False, 1000),
                ("lib", True, 0),
                ("", False, 0),
            ]
            assert entries[-1].is_last and entries[0].entry_count == 2

            # LISTDIR at MTU 23: 20-byte payloads, each header split 16 + 12
            await phone.write(p.TRANSFER_UUID, p.Listdir("/").encode(), mtu=23)
            packets = await phone.take_responses(p.TRANSFER_UUID, 3)
            assert max(map(len, packets)) <= 20
            assert [len(x) for x in packets] == [16, 12, 7, 16, 12, 3, 16, 12]
            stream = p.ResponseStream()
            assert [e for x in packets for e in stream.feed(x)] == entries
        finally:
            await server.stop()
            await mock.stop()

    run(scenario())


def test_disconnect_abandons_the_write_and_a_new_device_gets_a_new_session(bus_address, tmp_path):
    (tmp_path / "code.py").write_bytes(b"old")

    async def scenario():
        mock, server, phone, sessions = await _started(bus_address, tmp_path)
        try:
            await phone.write(p.TRANSFER_UUID, p.Write("/code.py", 10, 0, MTIME).encode())
            assert sessions[0].awaiting == p.WRITE_DATA
            phone.take(p.TRANSFER_UUID)
            mock.device.set_connected(False)  # bluetoothd: Device1.Connected = False
            await phone.read(p.VERSION_UUID)  # the signal arrived before this reply
            assert DEVICE not in server.sessions and sessions[0].awaiting is None
            assert (tmp_path / "code.py").read_bytes() == b"old"
            # the next write (or another device) starts a fresh session
            other = "/org/bluez/hci0/dev_AA_BB_CC_DD_EE_FF"
            await phone.write(p.TRANSFER_UUID, p.WriteData(0, b"x" * 10).encode(), device=other)
            assert len(sessions) == 2
            assert p.decode_responses(phone.take(p.TRANSFER_UUID)[0]) == [
                p.WritePacing(p.STATUS_ERROR)
            ]
        finally:
            await server.stop()
            await mock.stop()

    run(scenario())


def test_console_in_and_out(bus_address, tmp_path):
    received: list[bytes] = []

    async def scenario():
        mock, server, phone, _ = await _started(
            bus_address, tmp_path, console_input=received.append
        )
        try:
            await phone.write(gs.REPL_RX_UUID, b"print(1)\r\n")
            assert received == [b"print(1)\r\n"]
            # not subscribed: nothing is notified
            server.console_output(b"dropped")
            await phone.read(p.VERSION_UUID)
            assert phone.take(gs.REPL_TX_UUID) == []
            await phone.call(gs.REPL_TX_UUID, "StartNotify")
            # from another thread, longer than one 20-byte payload at the default MTU 23
            server.mtus.clear()
            text = b"Adafruit CircuitPython-ish REPL >>> "
            thread = threading.Thread(target=server.console_output, args=(text,))
            thread.start()
            thread.join()
            for _ in range(50):
                await asyncio.sleep(0.01)
                if sum(map(len, phone.notified.get(phone.chars[gs.REPL_TX_UUID], []))) >= len(text):
                    break
            chunks = phone.take(gs.REPL_TX_UUID)
            assert b"".join(chunks) == text and max(map(len, chunks)) == 20
            await phone.call(gs.REPL_TX_UUID, "StopNotify")
        finally:
            await server.stop()
            await mock.stop()
        server.console_output(b"after stop")  # no error

    run(scenario())


def test_clear_errors_instead_of_tracebacks(bus_address, tmp_path, monkeypatch):
    def make(**kw):
        return gs.GattServer(lambda: None, name=NAME, **kw)

    async def scenario():
        # no bluetoothd on the bus
        with pytest.raises(BluetoothUnavailable, match="BlueZ .* is not running") as err:
            await make().start(bus_address)
        assert "systemctl" in err.value.hint
        mock = await MockBluez.start(bus_address)
        try:
            with pytest.raises(BluetoothUnavailable, match="no Bluetooth adapter hci1"):
                await make(adapter="hci1").start(bus_address)
            mock.adapter.powered = False
            with pytest.raises(BluetoothUnavailable, match="powered off"):
                await make().start(bus_address)
            mock.adapter.powered = True
            # the same app path registered twice: BlueZ's AlreadyExists is reported
            first = make()
            await first.start(bus_address)
            try:
                with pytest.raises(BluetoothUnavailable, match="AlreadyExists"):
                    await make().start(bus_address)
            finally:
                await first.stop()
        finally:
            await mock.stop()
        with pytest.raises(BluetoothUnavailable, match="cannot connect"):
            await make().start("unix:path=/nonexistent/bus")

    run(scenario())

    monkeypatch.setattr(gs, "_classes", None)
    monkeypatch.setitem(__import__("sys").modules, "dbus_fast", None)
    with pytest.raises(BluetoothUnavailable) as err:
        run(make().start(bus_address))
    assert err.value.hint == "pip install 'protoboard[ble]'"


@pytest.mark.parametrize("mtu", [23, 24, 30, 185, 247, 515, 600])
def test_split_matches_link(mtu, tmp_path):
    link = Link(
        DeviceSession(tmp_path, read_only=lambda: False, on_change=lambda _: None),
        mtu=min(mtu, 515),
    )
    for message in (
        p.ListdirEntry(1, 0, 1, 0, 0, 5, "a" * 30).encode(),
        p.ListdirEntry(1, 1, 1).encode(),
        bytes(1000),
        b"\x31\x01",
    ):
        assert gs.split_notification(message, mtu) == link.split(message)


def test_default_name():
    assert gs.default_name("AA:BB:CC:DD:12:34") == "CIRCUITPY1234"
    assert gs.default_name(bytes.fromhex("aabbccddeeff")) == "CIRCUITPYeeff"
