"""The D-Bus objects the BLE workflow exports to BlueZ: a GATT service, its characteristics
and the advertisement (dbus-fast classes).

A module of its own because dbus-fast is optional (the ``ble`` extra) and its decorators run
when a class is made: :func:`protoboard.ble.gatt_server._interfaces` imports this only once
dbus-fast is known to be there.
"""

# No ``from __future__ import annotations``: dbus-fast reads the D-Bus signatures from the
# annotations at class creation, so they must be real objects.

from collections.abc import Callable
from typing import Annotated, Any

from dbus_fast import DBusError, PropertyAccess
from dbus_fast.annotations import (
    DBusBool,
    DBusBytes,
    DBusDict,
    DBusObjectPath,
    DBusSignature,
    DBusStr,
)
from dbus_fast.service import ServiceInterface, dbus_property, method

__all__ = ["Advertisement", "Characteristic", "Service"]

DBusStrList = Annotated[list[str], DBusSignature("as")]
read = PropertyAccess.READ


class Service(ServiceInterface):
    def __init__(self, uuid: str, primary: bool = True) -> None:
        super().__init__("org.bluez.GattService1")
        self._uuid, self._primary = uuid, primary

    @dbus_property(access=read)
    def UUID(self) -> DBusStr:
        return self._uuid

    @dbus_property(access=read)
    def Primary(self) -> DBusBool:
        return self._primary


class Characteristic(ServiceInterface):
    """A characteristic; ``on_write(value, options)`` handles WriteValue."""

    def __init__(
        self,
        uuid: str,
        service: str,
        flags: list[str],
        value: bytes = b"",
        on_write: Callable[[bytes, dict[str, Any]], None] | None = None,
    ) -> None:
        super().__init__("org.bluez.GattCharacteristic1")
        self._uuid, self._service, self._flags = uuid, service, flags
        self.value = value
        self.on_write = on_write
        self.notifying = False

    @dbus_property(access=read)
    def UUID(self) -> DBusStr:
        return self._uuid

    @dbus_property(access=read)
    def Service(self) -> DBusObjectPath:
        return self._service

    @dbus_property(access=read)
    def Flags(self) -> DBusStrList:
        return self._flags

    @dbus_property(access=read)
    def Value(self) -> DBusBytes:
        return self.value

    @dbus_property(access=read)
    def Notifying(self) -> DBusBool:
        return self.notifying

    @method()
    def ReadValue(self, options: DBusDict) -> DBusBytes:
        offset = options["offset"].value if "offset" in options else 0
        return bytes(self.value[offset:])

    @method()
    def WriteValue(self, value: DBusBytes, options: DBusDict) -> None:
        if self.on_write is None:
            raise DBusError("org.bluez.Error.NotSupported", "not writable")
        self.on_write(bytes(value), {k: v.value for k, v in options.items()})

    @method()
    def StartNotify(self) -> None:
        if not self.notifying:
            self.notifying = True
            self.emit_properties_changed({"Notifying": True})

    @method()
    def StopNotify(self) -> None:
        if self.notifying:
            self.notifying = False
            self.emit_properties_changed({"Notifying": False})

    def notify(self, data: bytes) -> None:
        self.value = data
        self.emit_properties_changed({"Value": data})


class Advertisement(ServiceInterface):
    def __init__(self, name: str, service_uuids: list[str]) -> None:
        super().__init__("org.bluez.LEAdvertisement1")
        self._name, self._uuids = name, service_uuids
        self.released = False

    @dbus_property(access=read)
    def Type(self) -> DBusStr:
        return "peripheral"

    @dbus_property(access=read)
    def ServiceUUIDs(self) -> DBusStrList:
        return self._uuids

    @dbus_property(access=read)
    def LocalName(self) -> DBusStr:
        return self._name

    @dbus_property(access=read)
    def Discoverable(self) -> DBusBool:
        return True

    @method()
    def Release(self) -> None:
        self.released = True
