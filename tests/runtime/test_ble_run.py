"""protoboard run --ble: the drive over Bluetooth, end to end through D-Bus.

BlueZ and a radio are the edge this machine lacks: a model of bluetoothd (tests/ports/
mock_bluez.py) answers on a private D-Bus, and this test plays the phone.
"""

import asyncio
import shutil
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ports"))


def test_ble_without_bluetooth_only_turns_itself_off(start_board):
    board = start_board({"code.py": "print('runs anyway')\n"}, args=("--ble",))
    board.wait_for("runs anyway")
    board.wait_for(r"the BLE workflow is off: ", stream="err")
    assert "Traceback" not in board.errors


@pytest.mark.skipif(shutil.which("dbus-daemon") is None, reason="dbus-daemon is not installed")
def test_phone_writes_code_py_over_ble_and_the_board_reloads(tmp_path):
    pytest.importorskip("dbus_fast", reason="dbus-fast is not installed")
    from dbus_fast import Message, MessageType, Variant
    from mock_bluez import DEVICE, MockBluez, private_bus

    from protoboard.ble import gatt_server, protocol

    with private_bus() as address:
        loop = asyncio.new_event_loop()
        thread = threading.Thread(target=loop.run_forever, daemon=True)
        thread.start()

        def call(coro, timeout=10.0):
            return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

        try:
            mock = call(MockBluez.start(address))
            from board_process import BoardProcess

            drive = tmp_path / "drive"
            drive.mkdir()
            (drive / "code.py").write_text("print('before')\n")
            # The supervisor reaches "BlueZ" through DBUS_SYSTEM_BUS_ADDRESS, as on a real system.
            board = BoardProcess(drive, "--ble", env={"DBUS_SYSTEM_BUS_ADDRESS": address})
            try:
                board.wait_for("before")
                board.wait_for(r"BLE workflow on: advertising as CIRCUITPY", stream="err")
                deadline = time.monotonic() + 10
                while gatt_server.DEFAULT_APP_PATH not in mock.applications:
                    assert time.monotonic() < deadline, "the board never registered with BlueZ"
                    time.sleep(0.05)
                chars = {
                    uuid: path
                    for uuid, (path, _) in mock.by_uuid(gatt_server.DEFAULT_APP_PATH).items()
                }
                owner = mock.owners[gatt_server.DEFAULT_APP_PATH]
                transfer = chars[protocol.TRANSFER_UUID.lower()]
                program = b"print('sent over bluetooth')\n"

                async def write(data: bytes) -> None:
                    reply = await mock.bus.call(
                        Message(
                            destination=owner,
                            path=transfer,
                            interface="org.bluez.GattCharacteristic1",
                            member="WriteValue",
                            signature="aya{sv}",
                            body=[data, {"device": Variant("o", DEVICE), "mtu": Variant("q", 247)}],
                        )
                    )
                    assert reply.message_type is MessageType.METHOD_RETURN, reply.body

                header = protocol.Write(
                    path="/code.py",
                    offset=0,
                    mtime_ns=1_700_000_001_500_000_000,
                    total_length=len(program),
                ).encode()
                call(write(header))
                call(write(protocol.WriteData(offset=0, data=program).encode()))
                board.wait_for("sent over bluetooth")
                assert (drive / "code.py").read_bytes() == program

                # The BLE serial console mirrors the board's console and can type in it.
                notified: list[bytes] = []
                tx, rx = chars[gatt_server.REPL_TX_UUID], chars[gatt_server.REPL_RX_UUID]

                async def subscribe() -> None:
                    await mock.bus.call(
                        Message(
                            destination="org.freedesktop.DBus",
                            path="/org/freedesktop/DBus",
                            interface="org.freedesktop.DBus",
                            member="AddMatch",
                            signature="s",
                            body=[f"type='signal',sender='{owner}',path='{tx}'"],
                        )
                    )

                    def on_signal(msg: Message) -> bool:
                        if msg.member == "PropertiesChanged" and "Value" in msg.body[1]:
                            notified.append(bytes(msg.body[1]["Value"].value))
                        return False

                    mock.bus.add_message_handler(on_signal)
                    reply = await mock.bus.call(
                        Message(
                            destination=owner,
                            path=tx,
                            interface="org.bluez.GattCharacteristic1",
                            member="StartNotify",
                        )
                    )
                    assert reply.message_type is MessageType.METHOD_RETURN, reply.body

                async def type_key() -> None:
                    reply = await mock.bus.call(
                        Message(
                            destination=owner,
                            path=rx,
                            interface="org.bluez.GattCharacteristic1",
                            member="WriteValue",
                            signature="aya{sv}",
                            body=[b"\r", {"device": Variant("o", DEVICE)}],
                        )
                    )
                    assert reply.message_type is MessageType.METHOD_RETURN, reply.body

                board.wait_for("Press any key")
                call(subscribe())
                call(type_key())
                board.wait_for(">>> ")  # the terminal shows the REPL the BLE key opened
                deadline = time.monotonic() + 10
                while b">>> " not in b"".join(notified):
                    assert time.monotonic() < deadline, b"".join(notified)
                    time.sleep(0.05)
            finally:
                board.stop()
        finally:
            call(mock.stop())
            loop.call_soon_threadsafe(loop.stop)
            thread.join(5)
