"""
The `wifi` module provides necessary low-level functionality for managing
wifi connections. Use `socketpool` for communicating over the network.

On the simulated board the radio sees the access points of the simulated world (an
``AccessPoint`` part; a board without one gets one named ``AP`` that takes its name and password
from ``settings.toml``) and its sockets use your computer's network.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from protoboard.bindings import _enum, _errors, _validate
from protoboard.bindings.ipaddress import IPv4Address, _from_host
from protoboard.hal import wifi as hal

_AUTHENTICATION_FAILURE = "Authentication failure"
_NO_NETWORK = "No network with that ssid"
_NOT_ENABLED = "WiFi is not enabled"
_ALREADY_SCANNING = "Already scanning for wifi networks"
#: the access point the radio runs in AP mode (Espressif's default addresses)
_AP_ADDRESS = "192.168.4.1"
_AP_NETMASK = "255.255.255.0"


def _buffer(value: Any) -> bytes:
    """``mp_get_buffer_raise`` for text or bytes (a str's UTF-8 bytes)."""
    if isinstance(value, str):
        return value.encode("utf-8", "surrogatepass")
    try:
        return bytes(memoryview(value))
    except TypeError:
        raise TypeError(
            f"object with buffer protocol required, not {_validate.type_name(value)}"
        ) from None


def _length(data: bytes, low: int, high: int, name: str) -> bytes:
    if not low <= len(data) <= high:
        raise ValueError(f"{name} length must be {low}-{high}")
    return data


def _hostname_valid(name: bytes) -> bool:
    """``hostname_valid`` (shared-bindings/wifi/Radio.c): dot-separated labels of letters,
    digits and inner dashes, each 1-63 long."""
    if name[:1] == b"." or name[-1:] == b".":
        return False
    for label in name.split(b"."):
        if not 1 <= len(label) <= 63 or label[:1] == b"-":
            return False
        if not all(chr(c).isascii() and (chr(c).isalnum() or c == 0x2D) for c in label):
            return False
    return True


def _validate_password(password: bytes) -> bytes:
    if password:
        _length(password, 8, 64, "password")
        if len(password) == 64 and not all(chr(c) in "0123456789abcdefABCDEF" for c in password):
            raise ValueError("Invalid hex password")
    return password


class AuthMode(_enum.Constant):
    """The authentication protocols used by WiFi."""

    OPEN: AuthMode
    """Open network. No authentication required."""
    WEP: AuthMode
    """Wired Equivalent Privacy."""
    WPA: AuthMode
    """Wireless Protected Access."""
    WPA2: AuthMode
    """Wireless Protected Access 2."""
    WPA3: AuthMode
    """Wireless Protected Access 3."""
    PSK: AuthMode
    """Pre-shared Key. (password)"""
    ENTERPRISE: AuthMode
    """Each user has a unique credential."""


_enum.define(AuthMode, **{name: name for name in hal.AUTH_MODES})


class PowerManagement(_enum.Constant):
    """Power-saving options for wifi"""

    MIN: PowerManagement
    """Minimum power management (default). The WiFi station wakes up to receive a beacon every
    DTIM period."""
    MAX: PowerManagement
    """Maximum power management, at the expense of some performance."""
    NONE: PowerManagement
    """No power management: the WiFi station does not sleep."""
    UNKNOWN: PowerManagement
    """Power management setting cannot be determined."""


_enum.define(PowerManagement, MIN="MIN", MAX="MAX", NONE="NONE", UNKNOWN="UNKNOWN")


class Packet(_enum.Constant):
    """The packet parameters."""

    CH: Packet
    """The packet's channel."""
    LEN: Packet
    """The packet's length."""
    RAW: Packet
    """The packet's payload."""
    RSSI: Packet
    """The packet's rssi."""


_enum.define(Packet, CH="CH", LEN="LEN", RAW="RAW", RSSI="RSSI")


class Network:
    """A wifi network provided by a nearby access point."""

    __slots__ = ("_info",)
    _info: hal.AccessPointInfo

    def __new__(cls, *args: Any, **kwargs: Any) -> Network:
        raise _validate.cannot_create("wifi.Network")

    def __init__(self) -> None:
        """You cannot create an instance of `wifi.Network`. They are returned by
        `wifi.Radio.start_scanning_networks`."""

    @classmethod
    def _of(cls, info: hal.AccessPointInfo) -> Network:
        network = object.__new__(cls)
        network._info = info
        return network

    @property
    def ssid(self) -> str:
        """String id of the network"""
        return self._info.ssid.decode("utf-8", "replace")

    @property
    def bssid(self) -> bytes:
        """BSSID of the network (usually the AP's MAC address)"""
        return self._info.bssid

    @property
    def rssi(self) -> int:
        """Signal strength of the network"""
        return self._info.rssi

    @property
    def channel(self) -> int:
        """Channel number the network is operating on"""
        return self._info.channel

    @property
    def country(self) -> str:
        """String id of the country code"""
        return self._info.country

    @property
    def authmode(self) -> Sequence[AuthMode]:
        """List of authmodes (wifi.AuthMode) used by the network"""
        return [getattr(AuthMode, name) for name in self._info.authmodes]

    def __repr__(self) -> str:
        return f"<Network ssid={self.ssid!r} rssi={self.rssi} channel={self.channel}>"


class ScannedNetworks:
    """Iterates over all `wifi.Network` objects found while scanning. This object is always
    created by a `wifi.Radio`: it has no user-visible constructor."""

    __slots__ = ("_found", "_radio")
    _found: list[hal.AccessPointInfo]
    _radio: Radio

    def __new__(cls, *args: Any, **kwargs: Any) -> ScannedNetworks:
        raise _validate.cannot_create("wifi.ScannedNetworks")

    def __init__(self) -> None:
        """Cannot be instantiated directly. Use `wifi.Radio.start_scanning_networks`."""

    def __iter__(self) -> Iterator[Network]:
        """Returns itself since it is the iterator."""
        return self

    def __next__(self) -> Network:
        """Returns the next `wifi.Network`.
        Raises `StopIteration` if scanning is finished and no other results are available."""
        if not self._found:
            if self._radio._scan is self:
                self._radio._scan = None
            raise StopIteration
        return Network._of(self._found.pop(0))


class Monitor:
    """For monitoring WiFi packets.

    The simulated radio captures no packets: ``packet()`` returns an empty dict."""

    __slots__ = ("_channel", "_live", "_queue")
    _channel: int
    _live: bool
    _queue: int

    def __new__(cls, channel: int | None = 1, queue: int | None = 128) -> Monitor:
        machine = _machine()
        found = machine.singletons.get("wifi.Monitor")
        if isinstance(found, Monitor) and found._live:
            return found
        monitor = super().__new__(cls)
        monitor._channel = _validate.int_range(1 if channel is None else channel, 0, 13, "channel")
        monitor._queue = _validate.int_at_least(128 if queue is None else queue, 0, "queue")
        monitor._live = True
        machine.singletons["wifi.Monitor"] = monitor
        return monitor

    def __init__(self, channel: int | None = 1, queue: int | None = 128) -> None:
        """Initialize `wifi.Monitor` singleton.

        :param int channel: The WiFi channel to scan.
        :param int queue: The queue size for buffering the packet.
        """

    def _check(self) -> None:
        if not self._live:
            _validate.raise_deinited()

    @property
    def channel(self) -> int:
        """The WiFi channel to scan."""
        self._check()
        return self._channel

    @channel.setter
    def channel(self, value: int) -> None:
        self._check()
        self._channel = _validate.int_range(value, 0, 13, "channel")

    @property
    def queue(self) -> int:
        """The queue size for buffering the packet."""
        self._check()
        return self._queue

    def deinit(self) -> None:
        """De-initialize `wifi.Monitor` singleton."""
        self._live = False

    def lost(self) -> int:
        """Returns the packet loss count. The counter resets after each poll."""
        self._check()
        return 0

    def queued(self) -> int:
        """Returns the packet queued count."""
        self._check()
        return 0

    def packet(self) -> dict[Any, Any]:
        """Returns the monitor packet."""
        self._check()
        return {}


class Radio:
    """Native wifi radio.

    This class manages the station and access point functionality of the native
    Wifi radio.
    """

    __slots__ = (
        "_ap",
        "_dhcp",
        "_hostname",
        "_impl",
        "_mac_ap",
        "_power",
        "_scan",
        "_station",
        "_tx_power",
    )
    _impl: hal.Radio
    _scan: ScannedNetworks | None
    _ap: hal.Link | None

    def __new__(cls, *args: Any, **kwargs: Any) -> Radio:
        raise _validate.cannot_create("wifi.Radio")

    def __init__(self) -> None:
        """You cannot create an instance of `wifi.Radio`.
        Use `wifi.radio` to access the sole instance available."""

    @classmethod
    def _create(cls, impl: hal.Radio, board_id: str) -> Radio:
        radio = object.__new__(cls)
        radio._impl = impl
        radio._scan = None
        radio._ap = None
        radio._station = True
        radio._dhcp = True
        radio._tx_power = 20.0
        radio._power = PowerManagement.MIN
        mac = impl.mac_address
        radio._mac_ap = bytes([*mac[:5], (mac[5] + 1) & 0xFF])
        radio._hostname = _default_hostname(board_id, mac)
        return radio

    def deinit(self) -> None:
        self._impl.deinit()

    # -- radio --------------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """``True`` when the wifi radio is enabled.
        If you set the value to ``False``, any open sockets will be closed.
        """
        return self._impl.enabled

    @enabled.setter
    def enabled(self, value: bool) -> None:
        self._impl.set_enabled(bool(value))
        if not value:
            self._scan = None
            self._ap = None

    @property
    def hostname(self) -> str | bytes:
        """Hostname for wifi interface. When the hostname is altered after interface
        started/connected the changes would only be reflected once the interface
        restarts/reconnects."""
        return self._hostname

    @hostname.setter
    def hostname(self, value: str | bytes) -> None:
        name = _length(_buffer(value), 1, 253, "hostname")
        if not _hostname_valid(name):
            raise ValueError("invalid hostname")
        self._hostname = name.decode("ascii")

    @property
    def mac_address(self) -> bytes:
        """MAC address for the station. When the address is altered after interface is
        connected the changes would only be reflected once the interface reconnects."""
        return self._impl.mac_address

    @mac_address.setter
    def mac_address(self, value: bytes) -> None:
        self._impl.set_mac_address(_mac(value))

    @property
    def tx_power(self) -> float:
        """Wifi transmission power, in dBm."""
        return self._tx_power

    @tx_power.setter
    def tx_power(self, value: float) -> None:
        # ESP-IDF takes quarter-dBm steps from 2 to 20 dBm
        power = min(max(_validate.to_float(value, "tx_power"), 2.0), 20.0)
        self._tx_power = round(power * 4) / 4

    @property
    def power_management(self) -> PowerManagement:
        """Wifi power management setting. See `wifi.PowerManagement`. The default is
        `wifi.PowerManagement.MIN`."""
        return self._power

    @power_management.setter
    def power_management(self, value: PowerManagement) -> None:
        self._power = _validate.of_type(value, PowerManagement, "power_management")

    @property
    def mac_address_ap(self) -> bytes:
        """MAC address for the AP. When the address is altered after interface is started
        the changes would only be reflected once the interface restarts."""
        return self._mac_ap

    @mac_address_ap.setter
    def mac_address_ap(self, value: bytes) -> None:
        self._mac_ap = _mac(value)

    # -- scanning -----------------------------------------------------------------------------

    def start_scanning_networks(
        self, *, start_channel: int = 1, stop_channel: int = 165
    ) -> Iterable[Network]:
        """Scans for available wifi networks over the given channel range. Make sure the
        channels are allowed in your country."""
        if self._scan is not None:
            raise RuntimeError(_ALREADY_SCANNING)
        start = _validate.int_range(start_channel, 1, 165, "start_channel")
        stop = _validate.int_range(stop_channel, 1, 165, "stop_channel")
        start, stop = min(start, stop), max(start, stop)  # the C code swaps them
        try:
            found = self._impl.scan(start, stop)
        except hal.RadioOff:
            raise RuntimeError(_NOT_ENABLED) from None
        scan = object.__new__(ScannedNetworks)
        scan._found = list(found)
        scan._radio = self
        self._scan = scan
        return scan

    def stop_scanning_networks(self) -> None:
        """Stop scanning for Wifi networks and free any resources used to do it."""
        self._scan = None

    # -- station ------------------------------------------------------------------------------

    def start_station(self) -> None:
        """Starts a Station."""
        self._station = True

    def stop_station(self) -> None:
        """Stops the Station."""
        self._station = False
        self._impl.leave()

    def connect(
        self,
        ssid: str | bytes,
        password: str | bytes = b"",
        *,
        channel: int = 0,
        bssid: str | bytes | None = None,
        timeout: float | None = None,
    ) -> None:
        """Connects to the given ssid and waits for an ip address. Reconnections are handled
        automatically once one connection succeeds.

        The length of ``password`` must be 0 if there is no password, 8-63 characters if it is
        ASCII, or exactly 64 hexadecimal characters if it is the hex form of the 256-bit key.
        """
        if timeout is not None:
            _validate.to_float(timeout, "timeout")
        number = _validate.to_int(channel, "channel")
        name = _length(_buffer(ssid), 1, 32, "ssid")
        secret = b"" if password is None else _validate_password(_buffer(password))
        mac = None
        if bssid is not None:
            mac = _buffer(bssid)
            if len(mac) != 6:
                raise ValueError("Invalid BSSID")
        if not self._impl.enabled:
            raise RuntimeError(_NOT_ENABLED)
        self._station = True
        try:
            self._impl.join(name, secret, number, mac)
        except hal.RadioOff:
            raise RuntimeError(_NOT_ENABLED) from None
        except hal.JoinFailed as exc:
            if exc.reason == "auth":
                raise ConnectionError(_AUTHENTICATION_FAILURE) from None
            if exc.reason == "no_ap":
                raise ConnectionError(_NO_NETWORK) from None
            raise ConnectionError(f"Unknown failure {exc.reason}") from None

    @property
    def connected(self) -> bool:
        """True if connected to an access point (read-only)."""
        return self._impl.link() is not None

    def _link_address(self, field: str) -> IPv4Address | None:
        link = self._impl.link()
        return None if link is None else _from_host(getattr(link, field))

    @property
    def ipv4_gateway(self) -> IPv4Address | None:
        """IP v4 Address of the station gateway when connected to an access point. None
        otherwise. (read-only)"""
        return self._link_address("gateway")

    @property
    def ipv4_subnet(self) -> IPv4Address | None:
        """IP v4 Address of the station subnet when connected to an access point. None
        otherwise. (read-only)"""
        return self._link_address("netmask")

    @property
    def ipv4_address(self) -> IPv4Address | None:
        """IP v4 Address of the station when connected to an access point. None otherwise.
        (read-only)"""
        return self._link_address("address")

    @property
    def addresses(self) -> Sequence[str]:
        """Address(es) of the station when connected to an access point. Empty sequence when
        not connected. (read-only)"""
        link = self._impl.link()
        return () if link is None else (link.address,)

    @property
    def ipv4_dns(self) -> IPv4Address:
        """IP v4 Address of the DNS server to be used."""
        link = self._impl.link()
        return _from_host(link.dns if link is not None else "0.0.0.0")

    @ipv4_dns.setter
    def ipv4_dns(self, value: IPv4Address) -> None:
        address = _validate.of_type(value, IPv4Address, "ipv4_dns")
        self._impl.set_dns(str(address))

    @property
    def dns(self) -> Sequence[str]:
        """Address of the DNS server to be used."""
        link = self._impl.link()
        return () if link is None else (link.dns,)

    @dns.setter
    def dns(self, value: Sequence[str]) -> None:
        entries = tuple(value)
        if len(entries) > 1:
            raise ValueError("dns length must be <= 1")
        if entries:
            self._impl.set_dns(str(IPv4Address(entries[0])))

    @property
    def ap_info(self) -> Network | None:
        """Network object containing BSSID, SSID, authmode, channel, country and RSSI when
        connected to an access point. None otherwise."""
        link = self._impl.link()
        return None if link is None else Network._of(link.access_point)

    def set_ipv4_address(
        self,
        *,
        ipv4: IPv4Address,
        netmask: IPv4Address,
        gateway: IPv4Address,
        ipv4_dns: IPv4Address | None = None,
    ) -> None:
        """Sets the IP v4 address of the station. Must include the netmask and gateway. DNS
        address is optional. Setting the address manually will stop the DHCP client."""
        address = str(_validate.of_type(ipv4, IPv4Address, "ipv4"))
        mask = str(_validate.of_type(netmask, IPv4Address, "netmask"))
        router = str(_validate.of_type(gateway, IPv4Address, "gateway"))
        dns = _validate.of_type_or_none(ipv4_dns, IPv4Address, "ipv4_dns")
        self._dhcp = False
        self._impl.set_static(address, mask, router, None if dns is None else str(dns))

    def start_dhcp(self, *, ipv4: bool = True, ipv6: bool = False) -> None:
        """Starts the station DHCP client."""
        if ipv6:
            raise NotImplementedError("ipv6")
        self._dhcp = bool(ipv4)

    def stop_dhcp(self) -> None:
        """Stops the station DHCP client. Needed to assign a static IP address."""
        self._dhcp = False

    def ping(self, ip: IPv4Address, *, timeout: float | None = 0.5) -> float | None:
        """Ping an IP to test connectivity. Returns echo time in seconds.
        Returns None when it times out."""
        address = _validate.of_type(ip, IPv4Address, "ip")
        wait = None if timeout is None else _validate.to_float(timeout, "timeout")
        return self._impl.ping(str(address), wait)

    # -- access point -------------------------------------------------------------------------

    def start_ap(
        self,
        ssid: str | bytes,
        password: str | bytes = b"",
        *,
        channel: int = 1,
        authmode: Iterable[AuthMode] = (),
        max_connections: int | None = 4,
    ) -> None:
        """Starts running an access point with the specified ssid and password."""
        name = _length(_buffer(ssid), 1, 32, "ssid")
        secret = _validate_password(_buffer(password))
        number = _validate.int_range(channel, 1, 13, "channel")
        modes = tuple(_validate.of_type(m, AuthMode, "authmode") for m in authmode)
        if not modes:
            modes = (AuthMode.WPA, AuthMode.WPA2, AuthMode.PSK) if secret else (AuthMode.OPEN,)
        elif AuthMode.OPEN in modes and secret:
            raise ValueError("AuthMode.OPEN is not used with password")
        if max_connections is not None:  # no station joins a simulated access point
            _validate.int_range(max_connections, 0, 10, "max_connections")
        if not self._impl.enabled:
            raise RuntimeError(_NOT_ENABLED)
        info = hal.AccessPointInfo(name, self._mac_ap, 0, number, "", tuple(m._name for m in modes))
        self._ap = hal.Link(_AP_ADDRESS, _AP_NETMASK, _AP_ADDRESS, _AP_ADDRESS, info)

    def stop_ap(self) -> None:
        """Stops the access point."""
        self._ap = None

    @property
    def ap_active(self) -> bool:
        """True if running as an access point. (read-only)"""
        return self._ap is not None

    def _ap_address(self, field: str) -> IPv4Address | None:
        return None if self._ap is None else _from_host(getattr(self._ap, field))

    @property
    def ipv4_gateway_ap(self) -> IPv4Address | None:
        """IP v4 Address of the access point gateway, when enabled. None otherwise.
        (read-only)"""
        return self._ap_address("gateway")

    @property
    def ipv4_subnet_ap(self) -> IPv4Address | None:
        """IP v4 Address of the access point subnet, when enabled. None otherwise.
        (read-only)"""
        return self._ap_address("netmask")

    @property
    def ipv4_address_ap(self) -> IPv4Address | None:
        """IP v4 Address of the access point, when enabled. None otherwise. (read-only)"""
        return self._ap_address("address")

    @property
    def addresses_ap(self) -> Sequence[str]:
        """Address(es) of the access point when enabled. Empty sequence when disabled.
        (read-only)"""
        return () if self._ap is None else (self._ap.address,)

    def set_ipv4_address_ap(
        self, *, ipv4: IPv4Address, netmask: IPv4Address, gateway: IPv4Address
    ) -> None:
        """Sets the IP v4 address of the access point. Must include the netmask and
        gateway."""
        addresses = [
            str(_validate.of_type(ipv4, IPv4Address, "ipv4")),
            str(_validate.of_type(netmask, IPv4Address, "netmask")),
            str(_validate.of_type(gateway, IPv4Address, "gateway")),
        ]
        if self._ap is not None:
            self._ap = hal.Link(
                addresses[0], addresses[1], addresses[2], addresses[2], self._ap.access_point
            )

    @property
    def stations_ap(self) -> None:
        """In AP mode, returns list of named tuples (no station joins a simulated access
        point: an empty list); None otherwise."""
        return [] if self._ap is not None else None  # type: ignore[return-value]

    def start_dhcp_ap(self) -> None:
        """Starts the access point DHCP server."""

    def stop_dhcp_ap(self) -> None:
        """Stops the access point DHCP server. Needed to assign a static IP address."""


def _mac(value: Any) -> bytes:
    mac = _buffer(value)
    if len(mac) != 6:
        raise ValueError("Invalid MAC address")
    if mac[0] & 1:
        raise RuntimeError("Invalid multicast MAC address")
    return mac


def _default_hostname(board_id: str, mac: bytes) -> str:
    """``cpy-<end of board id>-<mac>``, at most 32 characters (ports/espressif/common-hal/
    wifi/__init__.c)."""
    keep = min(32 - (6 * 2 + 6), len(board_id))
    trim = len(board_id) - keep
    if trim < len(board_id) and board_id[trim] == "_":
        trim += 1
    return f"cpy-{board_id[trim:]}-{mac.hex()}"


def _machine() -> Any:
    from protoboard.machine import current

    return current()


def _board_radio() -> Radio:
    """The board's radio (created on first use), what ``wifi.radio`` is."""
    machine = _machine()
    found = machine.singletons.get("wifi")
    if not isinstance(found, Radio):
        with _errors.translate():
            impl = machine.create(hal.Radio)
        found = Radio._create(impl, machine.board.board_id)
        machine.singletons["wifi"] = found
    return found


def __getattr__(name: str) -> Any:
    if name == "radio":
        return _board_radio()
    raise AttributeError(f"module 'wifi' has no attribute '{name}'")


radio: Radio
"""Wifi radio used to manage both station and AP modes.
This object is the sole instance of `wifi.Radio`."""

_enum.publish("wifi", AuthMode, Monitor, Network, Packet, PowerManagement, Radio, ScannedNetworks)
