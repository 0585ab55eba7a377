"""Issue 10, case 5: a program printing in a tight loop while a BLE console client is
subscribed must not break the BLE workflow. Before the fix the supervisor's D-Bus connection
dropped after 3-13 KB of notifications (``OSError: [Errno 9]`` in the console notifier) and
every later BLE write failed until a restart.

A real ``protoboard run --ble`` against the model of bluetoothd on a private D-Bus
(tests/ports/mock_bluez.py); this test plays the phone."""

import asyncio
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ports"))

pytestmark = [
    pytest.mark.hostile,
    pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon is not installed"),
]

FLOOD = "i = 0\nwhile True:\n    print('line', i, 'x' * 40)\n    i += 1\n"


class Phone:
    """The phone's side, on an event loop in a thread of the test."""

    def __init__(self, mock, address: str) -> None:
        from protoboard.ble import gatt_server, protocol

        self.mock, self.address = mock, address
        deadline = time.monotonic() + 10
        while gatt_server.DEFAULT_APP_PATH not in mock.applications:
            assert time.monotonic() < deadline, "the board never registered with BlueZ"
            time.sleep(0.05)
        chars = {u: path for u, (path, _) in mock.by_uuid(gatt_server.DEFAULT_APP_PATH).items()}
        self.owner = mock.owners[gatt_server.DEFAULT_APP_PATH]
        self.transfer = chars[protocol.TRANSFER_UUID.lower()]
        self.tx = chars[gatt_server.REPL_TX_UUID]
        self.console: list[bytes] = []
        self.replies: list[bytes] = []

    async def subscribe(self) -> None:
        from dbus_fast import Message

        await self.mock.bus.call(
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
            if msg.member == "PropertiesChanged" and "Value" in msg.body[1]:
                value = bytes(msg.body[1]["Value"].value)
                (self.console if msg.path == self.tx else self.replies).append(value)
            return False

        self.mock.bus.add_message_handler(on_signal)
        await self._call(self.tx, "StartNotify")
        await self._call(self.transfer, "StartNotify")

    async def _call(self, path: str, member: str, signature: str = "", body=()) -> None:
        from dbus_fast import Message, MessageType

        reply = await self.mock.bus.call(
            Message(
                destination=self.owner,
                path=path,
                interface="org.bluez.GattCharacteristic1",
                member=member,
                signature=signature,
                body=list(body),
            )
        )
        assert reply.message_type is MessageType.METHOD_RETURN, (reply.error_name, reply.body)

    async def write(self, data: bytes) -> None:
        from dbus_fast import Variant
        from mock_bluez import DEVICE

        options = {"device": Variant("o", DEVICE), "mtu": Variant("q", 23)}
        await self._call(self.transfer, "WriteValue", "aya{sv}", [data, options])

    def console_bytes(self) -> int:
        return sum(map(len, self.console))


@pytest.fixture
def flooding_board(tmp_path) -> Iterator[tuple]:
    pytest.importorskip("dbus_fast", reason="dbus-fast is not installed")
    from board_process import BoardProcess
    from mock_bluez import MockBluez, private_bus

    with private_bus() as address:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()

        def call(coro, timeout=10.0):
            return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

        mock = call(MockBluez.start(address))
        drive = tmp_path / "drive"
        drive.mkdir()
        (drive / "code.py").write_text(FLOOD)
        board = BoardProcess(drive, "--ble", env={"DBUS_SYSTEM_BUS_ADDRESS": address})
        try:
            board.wait_for(r"BLE workflow on", stream="err")
            yield board, Phone(mock, address), call, drive
        finally:
            board.stop()
            call(mock.stop())
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)


def wait_until(condition, what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, what
        time.sleep(0.05)


def test_a_console_flood_leaves_ble_file_writes_working(flooding_board):
    from protoboard.ble import protocol as p

    board, phone, call, drive = flooding_board
    call(phone.subscribe())
    # far past the 3-13 KB after which the connection used to drop
    wait_until(lambda: phone.console_bytes() > 40_000, "console notifications stopped early")
    for n in range(3):  # during the flood (each write reloads; the new run floods again)
        data = f"written over BLE {n}\n".encode()
        phone.replies.clear()
        call(phone.write(p.Write(f"/f{n}.txt", total_length=len(data)).encode()))
        call(phone.write(p.WriteData(0, data).encode()))

        def answered(size: int = len(data)) -> bool:
            got = p.ResponseStream().feed(b"".join(list(phone.replies)))
            return any(
                (r.status, r.offset, r.free_space) == (p.STATUS_OK, size, 0)
                for r in got
                if isinstance(r, p.WritePacing)
            )

        wait_until(answered, f"BLE write {n} was not answered during the flood")
        assert (drive / f"f{n}.txt").read_bytes() == data
    before = phone.console_bytes()
    wait_until(lambda: phone.console_bytes() > before + 10_000, "console stopped after writes")
    assert "Bad file descriptor" not in board.errors
    assert "Traceback" not in board.errors
