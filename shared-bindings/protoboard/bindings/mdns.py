"""Multicast Domain Name Service

The `mdns` module provides basic support for multicast domain name services.
Basic use provides hostname resolution under the .local TLD. This module
also supports DNS Service Discovery that allows for discovering other hosts
that provide a desired service.

On the simulated board mDNS runs on your computer's network through python-zeroconf, on the
board's address: services the program advertises are visible to other machines, and ``find``
sees theirs. Without a network (no access point joined) ``find`` finds nothing.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from protoboard.bindings import _enum, _validate
from protoboard.bindings.ipaddress import IPv4Address, _from_host

if TYPE_CHECKING:
    from zeroconf import Zeroconf

#: the most services ``find`` returns (an ESP32's mdns_query_ptr limit)
_MAX_RESULTS = 32


class RemoteService:
    """Encapsulates information about a remote service that was found during a search. This
    object may only be created by a `mdns.Server`. It has no user-visible constructor.
    """

    __slots__ = ("_address", "_hostname", "_instance", "_port", "_protocol", "_type")
    _address: str | None
    _hostname: str
    _instance: str
    _port: int
    _protocol: str
    _type: str

    def __new__(cls, *args: Any, **kwargs: Any) -> RemoteService:
        raise _validate.cannot_create("mdns.RemoteService")

    def __init__(self) -> None:
        """Cannot be instantiated directly. Use `mdns.Server.find`."""

    @property
    def hostname(self) -> str:
        """The hostname of the device (read-only),."""
        return self._hostname

    @property
    def instance_name(self) -> str:
        """The human readable instance name for the service. (read-only)"""
        return self._instance

    @property
    def service_type(self) -> str:
        """The service type string such as ``_http``. (read-only)"""
        return self._type

    @property
    def protocol(self) -> str:
        """The protocol string such as ``_tcp``. (read-only)"""
        return self._protocol

    @property
    def port(self) -> int:
        """Port number used for the service. (read-only)"""
        return self._port

    @property
    def ipv4_address(self) -> IPv4Address | None:
        """IP v4 Address of the remote service. None if no A records are found."""
        return None if self._address is None else _from_host(self._address)

    def __del__(self) -> None:
        """Deletes the RemoteService object."""


class Server:
    """The MDNS Server responds to queries for this device's information and allows for
    querying other devices."""

    __slots__ = ("_hostname", "_instance", "_radio", "_services", "_zc")
    _hostname: str
    _instance: str
    _radio: Any
    _services: dict[str, Any]
    _zc: Zeroconf | None

    def __new__(cls, network_interface: Any) -> Server:
        from protoboard.bindings.wifi import Radio, _board_radio
        from protoboard.machine import current

        if not isinstance(network_interface, Radio) or network_interface is not _board_radio():
            raise ValueError("mDNS only works with built-in WiFi")
        machine = current()
        found = machine.singletons.get("mdns")
        if isinstance(found, Server) and found._radio is not None:
            return found  # "Constructs or returns the mdns.Server"
        server = super().__new__(cls)
        server._radio = network_interface
        server._hostname = str(network_interface.hostname)
        server._instance = ""
        server._services = {}
        server._zc = None
        machine.singletons["mdns"] = server
        return server

    def __init__(self, network_interface: Any) -> None:
        """
        Constructs or returns the mdns.Server for the given network_interface. (CircuitPython
        may already be using it.) Only native interfaces are currently supported.
        """

    def _check(self) -> None:
        if self._radio is None:
            _validate.raise_deinited()

    def _zeroconf(self) -> Zeroconf | None:
        address = self._radio.ipv4_address if self._radio is not None else None
        if address is None:
            return None
        if self._zc is None:
            from zeroconf import Zeroconf

            self._zc = Zeroconf(interfaces=[str(address)])
        return self._zc

    def deinit(self) -> None:
        """Stops the server"""
        if self._zc is not None:
            self._zc.close()
            self._zc = None
        self._radio = None

    @property
    def hostname(self) -> str:
        """Hostname resolvable as ``<hostname>.local`` in addition to
        ``circuitpython.local``. Make sure this is unique across all devices on the network.
        It defaults to ``cpy-######`` where ``######`` is the hex digits of the last three
        bytes of the mac address."""
        self._check()
        return self._hostname

    @hostname.setter
    def hostname(self, value: str) -> None:
        self._check()
        if not isinstance(value, str):
            raise TypeError(
                f"can't convert '{_validate.type_name(value)}' object to str implicitly"
            )
        self._hostname = value[:63]

    @property
    def instance_name(self) -> str:
        """Human readable name to describe the device."""
        self._check()
        return self._instance or self._hostname

    @instance_name.setter
    def instance_name(self, value: str) -> None:
        self._check()
        if not isinstance(value, str):
            raise TypeError(
                f"can't convert '{_validate.type_name(value)}' object to str implicitly"
            )
        self._instance = value[:63]

    def find(
        self, service_type: str, protocol: str, *, timeout: float = 1
    ) -> tuple[RemoteService, ...]:
        """Find all locally available remote services with the given service type and
        protocol.

        This doesn't allow for direct hostname lookup. To do that, use
        `socketpool.SocketPool.getaddrinfo()`.

        :param str service_type: The service type such as "_http"
        :param str protocol: The service protocol such as "_tcp"
        :param float/int timeout: Time to wait for responses"""
        self._check()
        wait = _validate.to_float(timeout, "timeout")
        kind = f"{_text(service_type, 'service_type')}.{_text(protocol, 'protocol')}.local."
        zc = self._zeroconf()
        if zc is None:
            time.sleep(max(wait, 0.0))
            return ()
        from zeroconf import ServiceBrowser, ServiceListener

        names: list[str] = []

        class Collect(ServiceListener):
            def add_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                if name not in names and len(names) < _MAX_RESULTS:
                    names.append(name)

            def update_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                self.add_service(zc, type_, name)

            def remove_service(self, zc: Zeroconf, type_: str, name: str) -> None:
                pass

        browser = ServiceBrowser(zc, kind, Collect())
        try:
            time.sleep(max(wait, 0.0))
        finally:
            browser.cancel()
        found = []
        for name in names:
            info = zc.get_service_info(kind, name, timeout=int(max(wait, 0.2) * 1000))
            if info is None:
                continue
            service = object.__new__(RemoteService)
            service._hostname = (info.server or "").removesuffix(".local.").removesuffix(".")
            service._instance = name.removesuffix("." + kind)
            service._type = _text(service_type, "service_type")
            service._protocol = _text(protocol, "protocol")
            service._port = int(info.port or 0)
            addresses = info.parsed_addresses()
            service._address = next((a for a in addresses if a.count(".") == 3), None)
            found.append(service)
        return tuple(found)

    def advertise_service(
        self,
        *,
        service_type: str,
        protocol: str,
        port: int,
        txt_records: Sequence[str] | None = None,
    ) -> None:
        """Respond to queries for the given service with the given port.

        ``service_type`` and ``protocol`` can only occur on one port. Any call after the first
        will update the entry's port.

        :param str service_type: The service type such as "_http"
        :param str protocol: The service protocol such as "_tcp"
        :param int port: The port used by the service
        :param Sequence[str] txt_records: An optional sequence of strings to serve as TXT
            records along with the service
        """
        self._check()
        kind = f"{_text(service_type, 'service_type')}.{_text(protocol, 'protocol')}.local."
        number = _validate.int_range(port, 0, 65535, "port")
        records: dict[str, str] = {}
        for record in txt_records or ():
            if not isinstance(record, str | bytes):
                raise ValueError(
                    "Failed to add service TXT record; non-string or bytes found in txt_records"
                )
            text = record.decode() if isinstance(record, bytes) else record
            key, _, value = text.partition("=")
            records[key] = value
        zc = self._zeroconf()
        if zc is None or self._radio is None:
            return
        from zeroconf import ServiceInfo

        address = str(self._radio.ipv4_address)
        info = ServiceInfo(
            kind,
            f"{self.instance_name}.{kind}",
            addresses=[bytes(int(p) for p in address.split("."))],
            port=number,
            properties=records,
            server=f"{self._hostname}.local.",
        )
        old = self._services.pop(kind, None)
        if old is not None:
            zc.unregister_service(old)
        zc.register_service(info, allow_name_change=True)
        self._services[kind] = info


def _text(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise TypeError(f"can't convert '{_validate.type_name(value)}' object to str implicitly")
    return value


_enum.publish("mdns", RemoteService, Server)
