"""Issue 10, cases 4 and 5 at the GATT server: floods of notifications (a large LISTDIR at the
smallest MTU, a megabyte of console output at once, a READ asking for 4 GiB) are paced or
dropped, never break the D-Bus connection, and file transfer keeps working afterwards."""

import asyncio
import shutil

import pytest

if shutil.which("dbus-daemon") is None:
    pytest.skip("dbus-daemon is not installed", allow_module_level=True)
pytest.importorskip("dbus_fast", reason="dbus-fast is not installed")

from test_ble_gatt_server import _started, run

from protoboard.ble import gatt_server as gs
from protoboard.ble import outbox
from protoboard.ble import protocol as p

pytestmark = pytest.mark.hostile


@pytest.fixture(scope="module")
def bus_address():
    from mock_bluez import private_bus

    with private_bus() as address:
        yield address


async def _responses(phone, count: int, uuid: str = p.TRANSFER_UUID) -> list:
    packets: list[bytes] = []
    for _ in range(3000):
        packets += phone.take(uuid)
        got = p.ResponseStream().feed(b"".join(packets))
        if len(got) >= count:
            return got
        await asyncio.sleep(0.01)
    raise AssertionError(f"only {len(p.ResponseStream().feed(b''.join(packets)))} of {count}")


def test_a_large_listdir_at_mtu_23_arrives_whole_and_the_link_survives(bus_address, tmp_path):
    for i in range(1500):
        (tmp_path / f"file_{i:04}.py").write_bytes(b"")

    async def scenario():
        mock, server, phone, _ = await _started(bus_address, tmp_path)
        try:
            await phone.call(p.TRANSFER_UUID, "StartNotify")
            # 1501 entries, each 16 + 12 + 12 bytes: 4503 notifications for one request
            await phone.write(p.TRANSFER_UUID, p.Listdir("/").encode(), mtu=23)
            entries = await _responses(phone, 1501)
            assert [e.name for e in entries[:-1]] == [f"file_{i:04}.py" for i in range(1500)]
            assert server.running and server._bus.connected
            await phone.write(p.TRANSFER_UUID, p.Write("/after.txt", 2).encode(), mtu=23)
            await phone.write(p.TRANSFER_UUID, p.WriteData(0, b"ok").encode(), mtu=23)
            (_, done) = await _responses(phone, 2)
            assert (done.status, done.offset) == (p.STATUS_OK, 2)
            assert (tmp_path / "after.txt").read_bytes() == b"ok"
        finally:
            await server.stop()
            await mock.stop()

    run(scenario(), timeout=60)


def test_a_4_gib_read_request_gets_one_notification_sized_chunk(bus_address, tmp_path):
    with open(tmp_path / "big.bin", "wb") as f:
        f.truncate(64 << 20)

    async def scenario():
        mock, server, phone, _ = await _started(bus_address, tmp_path)
        try:
            await phone.call(p.TRANSFER_UUID, "StartNotify")
            await phone.write(p.TRANSFER_UUID, p.Read("/big.bin", 0, 0xFFFFFFFF).encode())
            (reply,) = await _responses(phone, 1)
            # MTU 247: a window of 512 (the write window) is the floor
            assert reply.status == p.STATUS_OK and len(reply.data) == p.SECTOR_SIZE
            await phone.write(p.TRANSFER_UUID, p.ReadPacing(512, 0xFFFFFFFF).encode(), mtu=517)
            (reply,) = await _responses(phone, 1)
            assert (reply.chunk_offset, len(reply.data)) == (512, p.SECTOR_SIZE)
        finally:
            await server.stop()
            await mock.stop()

    run(scenario())


def test_a_megabyte_of_console_output_at_once_is_cut_with_a_marker(bus_address, tmp_path):
    async def scenario():
        mock, server, phone, _ = await _started(bus_address, tmp_path)
        try:
            await phone.call(gs.REPL_TX_UUID, "StartNotify")
            await phone.call(p.TRANSFER_UUID, "StartNotify")
            server.mtus.clear()  # MTU 23: 20 bytes a notification
            for i in range(1000):
                server.console_output(b"%04d" % i + b"." * 1020)
            await asyncio.sleep(0)
            # file transfer goes on while the console drains
            await phone.write(p.TRANSFER_UUID, p.Mkdir("/during").encode())
            (made,) = await _responses(phone, 1)
            assert made.status == p.STATUS_OK
            text = b""
            for _ in range(3000):
                text += b"".join(phone.take(gs.REPL_TX_UUID))
                if text.endswith(b"0999" + b"." * 1020):
                    break
                await asyncio.sleep(0.01)
            assert text.endswith(b"0999" + b"." * 1020)
            assert b"bytes of output dropped: slow BLE link]" in text
            assert server.console_dropped >= 1024 * 1000 - outbox.CONSOLE_BUFFER - 1024
            assert len(text) < 2 * outbox.CONSOLE_BUFFER  # the newest output, not a megabyte
            assert server._bus.connected
        finally:
            await server.stop()
            await mock.stop()

    run(scenario(), timeout=60)


def test_the_bus_connection_survives_a_full_socket(bus_address, tmp_path):
    """Below the pacing: 20,000 signals emitted at once (faster than the bus daemon reads)
    fill the socket; dbus-fast used to take the EAGAIN as fatal and close the connection."""

    async def scenario():
        mock, server, phone, _ = await _started(bus_address, tmp_path)
        try:
            await phone.call(gs.REPL_TX_UUID, "StartNotify")
            for _ in range(20_000):
                server.console_tx.notify(b"x" * 20)
            received = 0
            for _ in range(3000):
                received += len(phone.take(gs.REPL_TX_UUID))
                if received >= 20_000:
                    break
                await asyncio.sleep(0.01)
            assert received == 20_000
            assert server._bus.connected
            await phone.call(p.TRANSFER_UUID, "StartNotify")
            await phone.write(p.TRANSFER_UUID, p.Mkdir("/after").encode())
            (made,) = await _responses(phone, 1)
            assert made.status == p.STATUS_OK
        finally:
            await server.stop()
            await mock.stop()

    run(scenario(), timeout=60)


def test_replies_over_the_buffer_become_an_error_status(bus_address, tmp_path):
    for i in range(300):
        (tmp_path / f"file_{i:04}.py").write_bytes(b"")

    async def scenario():
        mock, server, phone, _ = await _started(bus_address, tmp_path, transfer_buffer=40_000)
        try:
            await phone.call(p.TRANSFER_UUID, "StartNotify")
            await phone.write(p.TRANSFER_UUID, p.Listdir("/").encode(), mtu=23)
            (reply,) = await _responses(phone, 1)
            assert reply == p.ListdirEntry(p.STATUS_ERROR)
            await phone.write(p.TRANSFER_UUID, p.Listdir("/").encode(), mtu=247)
            entries = await _responses(phone, 301)  # fits at a larger MTU (fewer packets)
            assert entries[-1].is_last
        finally:
            await server.stop()
            await mock.stop()

    run(scenario())
