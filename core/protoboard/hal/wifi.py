"""Contract for ``wifi``: the board's radio (station and access point).

Addresses cross this boundary as dotted strings (``"192.168.4.2"``), SSIDs and passwords as
bytes, MAC addresses as 6 bytes. A port raises :class:`JoinFailed` with CircuitPython's reason
and :class:`RadioOff` when asked to use a radio the program switched off; the binding turns them
into CircuitPython's ``ConnectionError`` / ``RuntimeError`` texts.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass

from protoboard.hal.backend import Backend
from protoboard.hal.base import Implementation
from protoboard.hal.errors import HalError

#: authentication modes, as names of ``wifi.AuthMode`` members
AUTH_MODES = ("OPEN", "WEP", "WPA", "WPA2", "WPA3", "PSK", "ENTERPRISE")


@dataclass(frozen=True)
class AccessPointInfo:
    """One network a scan found (what ``wifi.Network`` shows)."""

    ssid: bytes
    bssid: bytes
    rssi: int
    channel: int
    country: str
    authmodes: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    """The station's IPv4 settings while connected."""

    address: str
    netmask: str
    gateway: str
    dns: str
    access_point: AccessPointInfo


class RadioOff(HalError):
    """The radio is switched off (``wifi.radio.enabled = False``)."""


class JoinFailed(HalError):
    """Joining a network failed: ``reason`` is ``"auth"`` (wrong password or security),
    ``"no_ap"`` (no network with that SSID in range) or a port's own failure number."""

    def __init__(self, reason: str | int) -> None:
        super().__init__(reason)
        self.reason = reason


class Radio(Implementation):
    """One per board."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)

    @property
    @abc.abstractmethod
    def enabled(self) -> bool: ...

    @abc.abstractmethod
    def set_enabled(self, enabled: bool) -> None:
        """Off drops the connection and closes the sockets; on starts the station."""

    @property
    @abc.abstractmethod
    def mac_address(self) -> bytes: ...

    @abc.abstractmethod
    def set_mac_address(self, mac: bytes) -> None: ...

    @abc.abstractmethod
    def scan(self, start_channel: int, stop_channel: int) -> list[AccessPointInfo]:
        """The networks in range on these channels, strongest first. Raises :class:`RadioOff`."""

    @abc.abstractmethod
    def join(self, ssid: bytes, password: bytes, channel: int, bssid: bytes | None) -> None:
        """Connect and get an address. Raises :class:`JoinFailed` or :class:`RadioOff`."""

    @abc.abstractmethod
    def leave(self) -> None:
        """Disconnect from the access point (nothing when not connected)."""

    @abc.abstractmethod
    def link(self) -> Link | None:
        """The connection's settings, or None when not connected."""

    @abc.abstractmethod
    def ping(self, address: str, timeout: float | None) -> float | None:
        """Round-trip time in seconds, or None when there is no answer within ``timeout``."""

    def set_static(self, address: str, netmask: str, gateway: str, dns: str | None) -> None:
        """Use these addresses instead of DHCP's (the default keeps DHCP's)."""

    def set_dns(self, dns: str) -> None:
        """Use this DNS server."""

    def start_ap(
        self,
        ssid: bytes,
        password: bytes,
        channel: int,
        authmodes: tuple[str, ...],
        max_connections: int,
    ) -> Link:
        """Run an access point; its addresses. The default port has none."""
        raise HalError("this board's radio cannot run an access point")

    def stop_ap(self) -> None:
        """Stop the access point (nothing when none runs)."""

    def deinit(self) -> None:
        """The radio outlives a program's objects: nothing to release."""
