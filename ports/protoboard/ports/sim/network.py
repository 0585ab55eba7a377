"""The simulated board's network: its radio's state and the sockets it opened.

Sockets are the host's; this model decides whether they may reach anything, from the
:class:`~protoboard.ports.sim.parts.network.AccessPoint` parts in the world, and breaks the open
ones when the world takes the network away (so a program blocked in ``recv_into`` wakes with an
error, as it would on a board whose access point vanished).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import threading
import weakref

from protoboard.hal.wifi import AccessPointInfo, Link
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.network import AccessPoint

#: the most sockets a board holds at once (an ESP32-S3 has 16 lwIP sockets; we allow more)
MAX_SOCKETS = 64

_host_address: str | None = None


def host_address() -> str:
    """Your computer's address on its network (no packet is sent), else 127.0.0.1."""
    global _host_address
    if _host_address is None:
        probe = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
            _host_address = probe.getsockname()[0]
        except OSError:
            _host_address = "127.0.0.1"
        finally:
            probe.close()
    return _host_address


def _setting(key: str) -> str | None:
    """A ``settings.toml`` value (a board's VM reads the drive's through ``os.getenv``)."""
    value = os.getenv(key)
    return value if isinstance(value, str) and value else None


def default_access_point() -> AccessPoint:
    """The access point a board gets when its world has none: it takes the name and password
    from ``settings.toml`` (``CIRCUITPY_WIFI_SSID`` / ``CIRCUITPY_WIFI_PASSWORD``) when they
    are there, so a program written for your own network connects here too."""
    ssid, password = _setting("CIRCUITPY_WIFI_SSID"), _setting("CIRCUITPY_WIFI_PASSWORD")
    if ssid is None or not 1 <= len(ssid.encode()) <= 32:
        return AccessPoint(name="AP")
    if password is None:
        return AccessPoint(name="AP", ssid=ssid, password="")
    if 8 <= len(password.encode()) <= 64:
        return AccessPoint(name="AP", ssid=ssid, password=password)
    return AccessPoint(name="AP", ssid=ssid)


class NetworkState:
    """One board's radio and sockets."""

    def __init__(self, sim: Simulator) -> None:
        self.sim = sim
        self.lock = threading.RLock()
        self.enabled = True
        self.joined: AccessPoint | None = None
        #: what the last successful connect used: the radio rejoins when the network returns
        self.remembered: tuple[str, str] | None = None
        self.static: tuple[str, str, str, str | None] | None = None
        self.dns_override: str | None = None
        self.sockets: weakref.WeakSet[socket.socket] = weakref.WeakSet()
        self.lost: weakref.WeakKeyDictionary[socket.socket, int] = weakref.WeakKeyDictionary()
        self._watched: weakref.WeakSet[AccessPoint] = weakref.WeakSet()
        #: the default access point is made once: removing it later takes it away for good
        self._default_made = False

    # -- the world ---------------------------------------------------------------------------

    def access_points(self) -> list[AccessPoint]:
        with self.sim.lock:
            found = [p for p in self.sim.parts.values() if isinstance(p, AccessPoint)]
            if not found and not self._default_made and "AP" not in self.sim.parts:
                self._default_made = True
                found = [self.sim.attach(default_access_point())]  # type: ignore[list-item]
            self._default_made = True
        for ap in found:
            if ap not in self._watched:
                self._watched.add(ap)
                ap.on_change(self._world_changed)
        return found

    def in_range(self) -> list[AccessPoint]:
        return sorted((ap for ap in self.access_points() if ap.present), key=lambda ap: -ap.rssi)

    def _world_changed(self, ap: AccessPoint) -> None:
        with self.lock:
            gone = not ap.present or ap.sim is None
            if self.joined is ap:
                if gone or (ap.ssid, ap.secret) != self.remembered:
                    self.drop(errno.ECONNABORTED)
                elif not ap.internet:
                    self.break_sockets(errno.ECONNABORTED, keep_local=True)
            elif self.joined is None and self.enabled and self.remembered is not None:
                if not gone and (ap.ssid, ap.secret) == self.remembered:
                    self.joined = ap  # reconnections are automatic once one succeeded

    # -- the radio ---------------------------------------------------------------------------

    def drop(self, code: int) -> None:
        """The link is gone: forget the access point and break every socket."""
        with self.lock:
            self.joined = None
            self.break_sockets(code, keep_local=False)

    def link(self) -> Link | None:
        ap = self.joined
        if ap is None:
            return None
        own = ap.address or host_address()
        if self.static is not None:
            own, netmask, gateway, dns = self.static
        else:
            netmask = ap.netmask
            network = ipaddress.IPv4Network(f"{own}/{netmask}", strict=False)
            gateway = ap.gateway or str(next(network.hosts(), network.network_address))
            dns = ap.dns or gateway
        dns = self.dns_override or dns or gateway
        return Link(own, netmask, gateway, dns, info(ap))

    def reachable(self, address: str) -> bool:
        ap = self.joined
        if ap is None or not self.enabled:
            return False
        if ap.internet:
            return True
        link = self.link()
        return link is not None and address in (link.address, link.gateway)

    # -- sockets -----------------------------------------------------------------------------

    def track(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.add(sock)

    def forget(self, sock: socket.socket) -> None:
        with self.lock:
            self.sockets.discard(sock)
            self.lost.pop(sock, None)

    def break_sockets(self, code: int, *, keep_local: bool) -> None:
        link = self.link()
        local = {link.address, link.gateway} if link is not None else set()
        for sock in list(self.sockets):
            if keep_local:
                try:
                    peer = sock.getpeername()[0]
                except OSError:
                    continue  # listening or unconnected: nothing beyond the AP in use
                if peer in local:
                    continue
            self.lost[sock] = code
            try:
                sock.shutdown(socket.SHUT_RDWR)  # wakes a blocked recv
            except OSError:
                pass


def info(ap: AccessPoint) -> AccessPointInfo:
    return AccessPointInfo(
        ap.ssid.encode(), ap.bssid_bytes(), ap.rssi, ap.channel, ap.country, ap.authmodes
    )


_states: weakref.WeakKeyDictionary[Simulator, NetworkState] = weakref.WeakKeyDictionary()
_states_lock = threading.Lock()


def state(sim: Simulator) -> NetworkState:
    with _states_lock:
        found = _states.get(sim)
        if found is None:
            found = _states[sim] = NetworkState(sim)
        return found
