"""The device side of the BLE workflow on Linux: a BlueZ GATT application over D-Bus.

:class:`GattServer` exports CircuitPython's file-transfer service (0xFEBB, protocol v4) and its
BLE REPL service as a BlueZ GATT application (``org.bluez.GattManager1.RegisterApplication``)
and advertises as a CircuitPython board (``org.bluez.LEAdvertisingManager1``). Bytes the phone
writes to the transfer characteristic go to a :class:`~protoboard.ble.device.DeviceSession`
(one per connected device); every response comes back as notifications (a ``Value``
``PropertiesChanged`` signal per packet, which bluetoothd turns into ATT notifications), split
to the ATT MTU the phone negotiated, with CircuitPython's 16 + 12 split of LISTDIR headers.
Notifications go out through an :class:`~protoboard.ble.outbox.Outbox` per characteristic, at
the pace the bus takes them, so no flood of them can break the D-Bus connection; console
output a slow client cannot take is dropped (oldest first, with a marker).

Names and signatures follow BlueZ's ``doc/org.bluez.GattManager.rst``,
``org.bluez.GattService.rst``, ``org.bluez.GattCharacteristic.rst``,
``org.bluez.LEAdvertisingManager.rst`` and ``org.bluez.LEAdvertisement.rst``.

dbus-fast (asyncio) is imported only by :meth:`GattServer.start`; when it, the bus, BlueZ or the
adapter is missing, :meth:`start` raises
:class:`~protoboard.ble.transport.BluetoothUnavailable` with a one-line message and a hint.

This module deliberately has no ``from __future__ import annotations``: dbus-fast reads the
D-Bus signatures from the (evaluated) ``Annotated`` annotations of the interface classes.
"""

import asyncio
import contextlib
import logging
import struct
from collections.abc import Callable
from typing import Any

from protoboard.ble import protocol as p
from protoboard.ble.device import DeviceSession
from protoboard.ble.outbox import (
    CONNECTION_INTERVAL,
    TRANSFER_BUFFER,
    Outbox,
    PacketQueue,
    StreamBuffer,
    tolerate_full_socket,
)
from protoboard.ble.transport import BluetoothUnavailable
from protoboard.version import __version__

log = logging.getLogger(__name__)

INSTALL_HINT = "pip install 'protoboard[ble]'"

#: CircuitPython's BLE REPL ("CircuitPython" in the UUID's last bytes)
REPL_BASE = "adaf{:04x}-4369-7263-7569-74507974686e"
REPL_SERVICE_UUID = REPL_BASE.format(0x0001)
REPL_RX_UUID = REPL_BASE.format(0x0002)  # host -> device (write)
REPL_TX_UUID = REPL_BASE.format(0x0003)  # device -> host (notify)
REPL_VERSION_UUID = REPL_BASE.format(0x0100)
REPL_VERSION = f"CircuitPython-compatible Protoboard {__version__}"

#: flags (doc/org.bluez.GattCharacteristic.rst, "array{string} Flags")
VERSION_FLAGS = ["read"]
TRANSFER_FLAGS = ["encrypt-read", "encrypt-write", "write-without-response", "notify"]
REPL_RX_FLAGS = ["write", "write-without-response", "encrypt-write"]
REPL_TX_FLAGS = ["notify", "encrypt-notify"]
REPL_VERSION_FLAGS = ["read"]

BLUEZ = "org.bluez"
DEFAULT_APP_PATH = "/org/protoboard/gatt"
DEFAULT_ADVERTISEMENT_PATH = "/org/protoboard/advertisement0"
#: the ATT MTU until a write tells us the negotiated one (payload = MTU - 3)
DEFAULT_MTU = 23
#: seconds to wait for any BlueZ call
CALL_TIMEOUT = 10.0

_NO_BLUEZ = {
    "org.freedesktop.DBus.Error.ServiceUnknown",
    "org.freedesktop.DBus.Error.NameHasNoOwner",
}


def split_notification(message: bytes, mtu: int) -> list[bytes]:
    """Split one response into notification payloads for an ATT ``mtu`` (the same rule as
    :meth:`protoboard.ble.link.Link.split`: ``mtu - 3`` bytes each, at most 512, and a LISTDIR
    header 16 + 12 bytes when it does not fit in one packet)."""
    size = max(1, min(mtu - 3, p.TRANSFER_MAX_LENGTH))
    header = p.ListdirEntry.HEADER.size
    if message[:1] == bytes([p.LISTDIR_ENTRY]) and size < header:
        name = message[header:]
        return (
            [message[:16], message[16:header], *_chunks(name, size)]
            if name
            else [message[:16], message[16:header]]
        )
    return _chunks(message, size) or [b""]


def _chunks(data: bytes, size: int) -> list[bytes]:
    return [data[i : i + size] for i in range(0, len(data), size)]


def default_name(address: str | bytes | None = None) -> str:
    """``CIRCUITPY`` + 4 hex digits from the last two bytes of the adapter address
    (``"AA:BB:CC:DD:EE:FF"`` or 6 bytes), as a board names itself; ``CIRCUITPY`` alone without
    an address. A settings.toml ``CIRCUITPY_BLE_NAME`` should win over this."""
    if address is None:
        return "CIRCUITPY"
    raw = bytes.fromhex(address.replace(":", "")) if isinstance(address, str) else address
    return "CIRCUITPY" + raw[-2:].hex()


def _unavailable(message: str, hint: str | None = None) -> BluetoothUnavailable:
    return BluetoothUnavailable(message, hint)


async def _connect(bus_address: str | None) -> Any:
    """A connected dbus-fast bus (the system bus unless ``bus_address``)."""
    from dbus_fast import BusType
    from dbus_fast.aio import MessageBus

    where = f"D-Bus at {bus_address}" if bus_address else "the D-Bus system bus"
    try:
        bus = (
            MessageBus(bus_address=bus_address)
            if bus_address
            else MessageBus(bus_type=BusType.SYSTEM)
        )
        await asyncio.wait_for(bus.connect(), CALL_TIMEOUT)
    except Exception as exc:  # OSError, AuthError, InvalidAddressError, timeout ...
        raise _unavailable(
            f"cannot connect to {where}: {exc or type(exc).__name__}",
            "BLE on Linux needs D-Bus and BlueZ (bluetoothd)",
        ) from None
    return bus


_classes: dict[str, type] | None = None


def _interfaces() -> dict[str, type]:
    """The D-Bus interface classes (:mod:`.gatt_interfaces`), once dbus-fast is known to be
    installed."""
    global _classes
    if _classes is not None:
        return _classes
    try:
        import dbus_fast  # noqa: F401 - only: is it there?
    except ImportError:
        raise _unavailable(
            "the BLE workflow on Linux needs dbus-fast, which is not installed", INSTALL_HINT
        ) from None
    from protoboard.ble import gatt_interfaces as gi

    _classes = {
        "Service": gi.Service,
        "Characteristic": gi.Characteristic,
        "Advertisement": gi.Advertisement,
    }
    return _classes


class GattServer:
    """CircuitPython's BLE file-transfer and REPL services, served through BlueZ.

    :param session_factory: makes a fresh :class:`DeviceSession` for each connected device.
    :param name: the advertised local name (e.g. :func:`default_name` or
        ``CIRCUITPY_BLE_NAME``).
    :param console_input: called on the event loop's thread with the bytes a host writes to the
        REPL characteristic ``0002``.
    :param adapter: the BlueZ adapter (``hci0`` -> ``/org/bluez/hci0``).
    :param transfer_buffer: bytes of file-transfer notifications that may wait to be sent;
        a command whose replies do not fit is answered with its error status.
    """

    def __init__(
        self,
        session_factory: Callable[[], DeviceSession],
        *,
        name: str,
        console_input: Callable[[bytes], None] | None = None,
        adapter: str = "hci0",
        app_path: str = DEFAULT_APP_PATH,
        advertisement_path: str = DEFAULT_ADVERTISEMENT_PATH,
        repl_version: str = REPL_VERSION,
        transfer_buffer: int = TRANSFER_BUFFER,
    ) -> None:
        self.session_factory = session_factory
        self.name = name
        self.console_input = console_input
        self.adapter = adapter
        self.adapter_path = adapter if adapter.startswith("/") else f"/org/bluez/{adapter}"
        self.app_path = app_path
        self.advertisement_path = advertisement_path
        self.repl_version = repl_version
        #: one protocol engine per connected device (its BlueZ object path)
        self.sessions: dict[str, DeviceSession] = {}
        #: the ATT MTU last reported for each device
        self.mtus: dict[str, int] = {}
        self._bus: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._chars: dict[str, Any] = {}
        self._advertisement: Any = None
        self._registered_app = False
        self._registered_adv = False
        self._transfer_queue = PacketQueue(transfer_buffer)
        self._transfer_out: Outbox | None = None
        self._console_out: Outbox | None = None
        self._console_buffer: StreamBuffer | None = None

    # --- lifecycle ----------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self._bus is not None

    async def start(self, bus_address: str | None = None) -> None:
        """Connect to D-Bus (the system bus unless ``bus_address``), check the adapter, export
        the application and the advertisement and register both with BlueZ. Raises
        :class:`BluetoothUnavailable` on any failure (after undoing what was done)."""
        if self._bus is not None:
            return
        classes = _interfaces()
        self._loop = asyncio.get_running_loop()
        bus = self._bus = await _connect(bus_address)
        tolerate_full_socket(bus)
        try:
            await self._check_adapter()
            self._export(classes)
            bus.add_message_handler(self._on_message)
            await self._register()
        except BaseException:
            await self.stop()
            raise
        log.info("BLE workflow: advertising as %s on %s", self.name, self.adapter)

    async def _register(self) -> None:
        """Signals about connected devices, then the application and the advertisement."""
        await self._call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus",
            "AddMatch",
            "s",
            [
                f"type='signal',sender='{BLUEZ}',"
                "interface='org.freedesktop.DBus.Properties',"
                "member='PropertiesChanged',arg0='org.bluez.Device1'"
            ],
        )
        await self._call(
            BLUEZ,
            self.adapter_path,
            "org.bluez.GattManager1",
            "RegisterApplication",
            "oa{sv}",
            [self.app_path, {}],
            what="registering the GATT application",
        )
        self._registered_app = True
        await self._call(
            BLUEZ,
            self.adapter_path,
            "org.bluez.LEAdvertisingManager1",
            "RegisterAdvertisement",
            "oa{sv}",
            [self.advertisement_path, {}],
            what="registering the advertisement",
        )
        self._registered_adv = True

    async def stop(self) -> None:
        """Unregister from BlueZ, drop every session (unfinished writes leave the old files)
        and disconnect from D-Bus. Safe to call twice."""
        for outbox in (self._transfer_out, self._console_out):
            if outbox is not None:
                await outbox.close()
        bus, self._bus = self._bus, None
        for session in self.sessions.values():
            session.disconnect()
        self.sessions.clear()
        if bus is None:
            return
        calls = []
        if self._registered_adv:
            calls.append(
                (
                    "org.bluez.LEAdvertisingManager1",
                    "UnregisterAdvertisement",
                    self.advertisement_path,
                )
            )
        if self._registered_app:
            calls.append(("org.bluez.GattManager1", "UnregisterApplication", self.app_path))
        self._registered_adv = self._registered_app = False
        for interface, member, path in calls:
            with contextlib.suppress(Exception):
                await self._call(
                    BLUEZ, self.adapter_path, interface, member, "o", [path], bus=bus, timeout=2.0
                )
        with contextlib.suppress(Exception):
            bus.remove_message_handler(self._on_message)
        for path in [*self._chars, self.advertisement_path]:
            with contextlib.suppress(Exception):
                bus.unexport(path)
        bus.disconnect()
        with contextlib.suppress(Exception):
            await asyncio.wait_for(bus.wait_for_disconnect(), 2.0)

    # --- D-Bus plumbing -----------------------------------------------------------------

    async def _call(
        self,
        destination: str,
        path: str,
        interface: str,
        member: str,
        signature: str,
        body: list,
        *,
        what: str | None = None,
        bus: Any = None,
        timeout: float = CALL_TIMEOUT,
    ) -> list:
        from dbus_fast import Message, MessageType

        bus = bus or self._bus
        msg = Message(
            destination=destination,
            path=path,
            interface=interface,
            member=member,
            signature=signature,
            body=body,
        )
        try:
            reply = await asyncio.wait_for(bus.call(msg), timeout)
        except TimeoutError:
            raise _unavailable(
                f"{what or member}: {destination} did not answer in {timeout:g} s"
            ) from None
        if reply.message_type == MessageType.ERROR:
            text = reply.body[0] if reply.body else ""
            raise self._explain(reply.error_name, text, what or member)
        return reply.body

    def _explain(self, error: str, text: str, what: str) -> BluetoothUnavailable:
        if error in _NO_BLUEZ:
            return _unavailable(
                "BlueZ (bluetoothd) is not running",
                "install bluez and run: sudo systemctl start bluetooth",
            )
        if (
            error.startswith("org.freedesktop.DBus.Error.Unknown")
            or error == "org.freedesktop.DBus.Error.InvalidArgs"
        ):
            return _unavailable(
                f"no Bluetooth adapter {self.adapter} ({error})",
                "list adapters with: bluetoothctl list",
            )
        if error == "org.freedesktop.DBus.Error.AccessDenied":
            return _unavailable(
                f"{what}: access denied by D-Bus policy ({text})",
                "run as a user allowed to use BlueZ (e.g. in group bluetooth)",
            )
        return _unavailable(f"{what} failed: {error}: {text}".rstrip(": "))

    async def _check_adapter(self) -> None:
        (powered,) = await self._call(
            BLUEZ,
            self.adapter_path,
            "org.freedesktop.DBus.Properties",
            "Get",
            "ss",
            ["org.bluez.Adapter1", "Powered"],
            what=f"reading adapter {self.adapter}",
        )
        if not powered.value:
            raise _unavailable(
                f"the Bluetooth adapter {self.adapter} is powered off",
                f"bluetoothctl power on (adapter {self.adapter})",
            )

    def _export(self, classes: dict[str, type]) -> None:
        service_cls, chrc_cls = classes["Service"], classes["Characteristic"]
        file_path, repl_path = f"{self.app_path}/service0", f"{self.app_path}/service1"
        version = struct.pack("<I", p.PROTOCOL_VERSION)
        chars = {
            f"{file_path}/char0": chrc_cls(p.VERSION_UUID, file_path, VERSION_FLAGS, version),
            f"{file_path}/char1": chrc_cls(
                p.TRANSFER_UUID, file_path, TRANSFER_FLAGS, on_write=self._on_transfer_write
            ),
            f"{repl_path}/char0": chrc_cls(
                REPL_RX_UUID, repl_path, REPL_RX_FLAGS, on_write=self._on_console_write
            ),
            f"{repl_path}/char1": chrc_cls(REPL_TX_UUID, repl_path, REPL_TX_FLAGS),
            f"{repl_path}/char2": chrc_cls(
                REPL_VERSION_UUID, repl_path, REPL_VERSION_FLAGS, self.repl_version.encode()
            ),
        }
        self._bus.export(file_path, service_cls(p.SERVICE_UUID))
        self._bus.export(repl_path, service_cls(REPL_SERVICE_UUID))
        for path, chrc in chars.items():
            self._bus.export(path, chrc)
        self._chars = {file_path: None, repl_path: None, **chars}
        self.transfer = chars[f"{file_path}/char1"]
        self.version = chars[f"{file_path}/char0"]
        self.console_tx = chars[f"{repl_path}/char1"]
        self._advertisement = classes["Advertisement"](self.name, [p.SERVICE_UUID])
        self._bus.export(self.advertisement_path, self._advertisement)
        self._transfer_out = Outbox(
            "file transfer", self._transfer_queue, self.transfer.notify, self._settle
        )
        self._console_buffer = StreamBuffer(self._console_packet_size)
        self._console_out = Outbox(
            "console",
            self._console_buffer,
            self.console_tx.notify,
            self._settle,
            interval=CONNECTION_INTERVAL,
        )

    async def _settle(self) -> None:
        """A round trip to the bus daemon: when it returns, the daemon has read everything
        this connection sent before (so the socket is empty again)."""
        bus = self._bus
        if bus is None:
            raise ConnectionError("the D-Bus connection is closed")
        await self._call(
            "org.freedesktop.DBus",
            "/org/freedesktop/DBus",
            "org.freedesktop.DBus.Peer",
            "Ping",
            "",
            [],
            what="waiting for D-Bus to take the notifications",
        )

    def _on_message(self, msg: Any) -> bool:
        """Device1 PropertiesChanged: a device that lost its connection loses its session."""
        if msg.member == "PropertiesChanged" and msg.body and msg.body[0] == "org.bluez.Device1":
            connected = msg.body[1].get("Connected")
            if connected is not None and not connected.value:
                self.device_disconnected(msg.path)
        return False

    # --- file transfer ------------------------------------------------------------------

    def device_disconnected(self, device: str) -> None:
        """Forget ``device``'s session (an unfinished write leaves the old file)."""
        session = self.sessions.pop(device, None)
        self.mtus.pop(device, None)
        if session is not None:
            log.debug("BLE workflow: %s disconnected", device)
            session.disconnect()

    def _on_transfer_write(self, value: bytes, options: dict) -> None:
        device = str(options.get("device", ""))
        mtu = options.get("mtu")
        if mtu:
            self.mtus[device] = int(mtu)
        session = self.sessions.get(device)
        if session is None:
            session = self.sessions[device] = self.session_factory()
        mtu = self.mtus.get(device, DEFAULT_MTU)
        # one READ_DATA is one notification on a large link, at least the write window
        session.max_read_chunk = max(
            session.write_window, min(mtu - 3, p.TRANSFER_MAX_LENGTH) - p.ReadData.HEADER.size
        )
        packets = [x for r in session.receive(value) for x in split_notification(r, mtu)]
        outbox = self._transfer_out
        if outbox is None or not packets:
            return
        if not self._transfer_queue.put(packets):
            # too much waiting (a client that asks faster than it reads, or a listing
            # too long for the buffer): answer the command with an error instead
            log.warning(
                "BLE workflow: replies to %s over the buffer; answered with an error", device
            )
            reply = p.RESPONSES.get(packets[0][0])
            if reply is None or not self._transfer_queue.put([reply(p.STATUS_ERROR).encode()]):  # type: ignore[call-arg]
                return
        outbox.kick(now=True)

    # --- console (REPL service) ---------------------------------------------------------

    def _on_console_write(self, value: bytes, options: dict) -> None:
        device, mtu = str(options.get("device", "")), options.get("mtu")
        if mtu:
            self.mtus[device] = int(mtu)
        if self.console_input is not None:
            try:
                self.console_input(value)
            except Exception:  # a broken consumer must not break the GATT server
                log.exception("BLE workflow: console_input failed")

    def console_output(self, data: bytes) -> None:
        """Send ``data`` to the REPL characteristic ``0003`` (notify). Thread-safe and never
        blocks: the bytes go into a bounded buffer (the oldest are dropped when a slow client
        lets it fill) and the event loop is woken once. Dropped when the server is not
        running or no host subscribed."""
        loop, buffer = self._loop, self._console_buffer
        tx = getattr(self, "console_tx", None)
        if loop is None or self._bus is None or loop.is_closed() or buffer is None:
            return
        if tx is None or not tx.notifying or not data:
            return
        if buffer.put(bytes(data)):  # the first bytes since the last wake-up
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(self._notify_console)

    def _console_packet_size(self) -> int:
        mtu = min(self.mtus.values(), default=DEFAULT_MTU)
        return max(1, min(mtu - 3, p.TRANSFER_MAX_LENGTH))

    def _notify_console(self) -> None:
        buffer, outbox = self._console_buffer, self._console_out
        if buffer is None or outbox is None:
            return
        buffer.woken()
        tx = getattr(self, "console_tx", None)
        if self._bus is None or tx is None or not tx.notifying:
            buffer.clear()
            return
        outbox.kick()

    @property
    def console_dropped(self) -> int:
        """Console bytes dropped so far because the subscriber could not keep up."""
        buffer = self._console_buffer
        return buffer.dropped_total if buffer is not None else 0
