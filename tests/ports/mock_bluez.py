"""A minimal stand-in for bluetoothd on a private D-Bus, for testing the GATT server.

It owns ``org.bluez`` and exports ``/org/bluez/hci0`` with ``org.bluez.Adapter1`` (Powered,
Address), ``org.bluez.GattManager1`` and ``org.bluez.LEAdvertisingManager1``, plus one device
``/org/bluez/hci0/dev_11_22_33_44_55_66`` (``org.bluez.Device1``, Connected). As bluetoothd
does, RegisterApplication calls the application's ``GetManagedObjects`` and
RegisterAdvertisement reads the advertisement's properties (``GetAll``); both record what they
saw. Also: :func:`private_bus` starts a throw-away ``dbus-daemon``.
"""

import asyncio
import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from typing import Any

from dbus_fast import BusType, Message, MessageType, PropertyAccess, Variant
from dbus_fast.aio import MessageBus
from dbus_fast.annotations import DBusBool, DBusStr
from dbus_fast.service import ServiceInterface, dbus_property

ADAPTER = "/org/bluez/hci0"
DEVICE = "/org/bluez/hci0/dev_11_22_33_44_55_66"

_CONFIG = """<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path={socket}</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


@contextlib.contextmanager
def private_bus() -> Iterator[str]:
    """Run a private dbus-daemon; yield its address; kill it afterwards."""
    daemon = shutil.which("dbus-daemon")
    if daemon is None:
        raise RuntimeError("dbus-daemon is not installed")
    with tempfile.TemporaryDirectory(prefix="pb-dbus-") as tmp:
        socket = os.path.join(tmp, "bus")
        config = os.path.join(tmp, "bus.conf")
        with open(config, "w") as f:
            f.write(_CONFIG.format(socket=socket))
        proc = subprocess.Popen(
            [daemon, f"--config-file={config}", "--nofork", "--print-address"],
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        try:
            address = proc.stdout.readline().strip()  # printed once listening
            if not address:
                raise RuntimeError("dbus-daemon did not start")
            yield address
        finally:
            proc.kill()
            proc.wait(timeout=5)
            proc.stdout.close()


class Adapter(ServiceInterface):
    def __init__(self, powered: bool = True) -> None:
        super().__init__("org.bluez.Adapter1")
        self.powered = powered

    @dbus_property(access=PropertyAccess.READ)
    def Powered(self) -> DBusBool:
        return self.powered

    @dbus_property(access=PropertyAccess.READ)
    def Address(self) -> DBusStr:
        return "AA:BB:CC:DD:12:34"


class Device(ServiceInterface):
    def __init__(self) -> None:
        super().__init__("org.bluez.Device1")
        self.connected = True

    @dbus_property(access=PropertyAccess.READ)
    def Connected(self) -> DBusBool:
        return self.connected

    def set_connected(self, value: bool) -> None:
        self.connected = value
        self.emit_properties_changed({"Connected": value})


class MockBluez:
    """``await MockBluez.start(address)``; then ``applications`` / ``advertisements`` hold what
    the registered clients exported (path -> {interface -> {property -> value}})."""

    def __init__(self, bus: MessageBus, adapter: Adapter, device: Device) -> None:
        self.bus, self.adapter, self.device = bus, adapter, device
        #: app path -> GetManagedObjects result (Variants unwrapped)
        self.applications: dict[str, dict[str, dict[str, dict[str, Any]]]] = {}
        #: advertisement path -> its org.bluez.LEAdvertisement1 properties
        self.advertisements: dict[str, dict[str, Any]] = {}
        self.owners: dict[str, str] = {}  # registered path -> client's unique bus name
        self.calls: list[str] = []

    @classmethod
    async def start(cls, address: str, *, powered: bool = True) -> "MockBluez":
        bus = await MessageBus(bus_address=address, bus_type=BusType.SESSION).connect()
        adapter, device = Adapter(powered), Device()
        bus.export(ADAPTER, adapter)
        bus.export(DEVICE, device)
        mock = cls(bus, adapter, device)
        bus.add_message_handler(mock._handle)
        await bus.request_name("org.bluez")
        return mock

    async def stop(self) -> None:
        self.bus.disconnect()
        with contextlib.suppress(Exception):
            await self.bus.wait_for_disconnect()

    # GattManager1 / LEAdvertisingManager1 need the caller's name (to call it back), which a
    # ServiceInterface method does not see: handle them as raw messages.
    def _handle(self, msg: Message) -> bool:
        if msg.message_type is not MessageType.METHOD_CALL or msg.path != ADAPTER:
            return False
        handlers = {
            ("org.bluez.GattManager1", "RegisterApplication"): self._register_app,
            ("org.bluez.GattManager1", "UnregisterApplication"): self._unregister,
            ("org.bluez.LEAdvertisingManager1", "RegisterAdvertisement"): self._register_adv,
            ("org.bluez.LEAdvertisingManager1", "UnregisterAdvertisement"): self._unregister,
        }
        handler = handlers.get((msg.interface, msg.member))
        if handler is None:
            return False
        self.calls.append(msg.member)
        task = asyncio.ensure_future(handler(msg))
        task.add_done_callback(lambda t: t.exception())
        return True

    async def _client_call(
        self, msg: Message, path: str, interface: str, member: str, signature: str, body: list
    ) -> Any:
        reply = await self.bus.call(
            Message(
                destination=msg.sender,
                path=path,
                interface=interface,
                member=member,
                signature=signature,
                body=body,
            )
        )
        if reply.message_type is MessageType.ERROR:
            raise RuntimeError(f"{member} on {path}: {reply.error_name} {reply.body}")
        return reply.body[0]

    def _reply(self, msg: Message, error: str | None = None, text: str = "") -> None:
        if error:
            self.bus.send(Message.new_error(msg, error, text))
        else:
            self.bus.send(Message.new_method_return(msg))

    async def _register_app(self, msg: Message) -> None:
        path = msg.body[0]
        if path in self.applications:
            return self._reply(msg, "org.bluez.Error.AlreadyExists", "Already Exists")
        try:
            objects = await self._client_call(
                msg, path, "org.freedesktop.DBus.ObjectManager", "GetManagedObjects", "", []
            )
        except RuntimeError as exc:
            return self._reply(msg, "org.bluez.Error.Failed", str(exc))
        self.applications[path] = {
            obj: {iface: _unwrap(props) for iface, props in ifaces.items()}
            for obj, ifaces in objects.items()
        }
        self.owners[path] = msg.sender
        self._reply(msg)

    async def _register_adv(self, msg: Message) -> None:
        path = msg.body[0]
        if path in self.advertisements:
            return self._reply(msg, "org.bluez.Error.AlreadyExists", "Already Exists")
        try:
            props = await self._client_call(
                msg,
                path,
                "org.freedesktop.DBus.Properties",
                "GetAll",
                "s",
                ["org.bluez.LEAdvertisement1"],
            )
        except RuntimeError as exc:
            return self._reply(msg, "org.bluez.Error.InvalidArguments", str(exc))
        self.advertisements[path] = _unwrap(props)
        self.owners[path] = msg.sender
        self._reply(msg)

    async def _unregister(self, msg: Message) -> None:
        path = msg.body[0]
        table = self.applications if msg.member == "UnregisterApplication" else self.advertisements
        if table.pop(path, None) is None:
            return self._reply(msg, "org.bluez.Error.DoesNotExist", "Does Not Exist")
        self._reply(msg)

    def by_uuid(self, app: str) -> dict[str, tuple[str, dict[str, Any]]]:
        """UUID -> (object path, properties) of every service and characteristic."""
        out = {}
        for path, ifaces in self.applications[app].items():
            for iface in ("org.bluez.GattService1", "org.bluez.GattCharacteristic1"):
                if iface in ifaces:
                    out[ifaces[iface]["UUID"].lower()] = (path, ifaces[iface])
        return out


def _unwrap(props: dict[str, Variant]) -> dict[str, Any]:
    return {k: (v.value if isinstance(v, Variant) else v) for k, v in props.items()}
