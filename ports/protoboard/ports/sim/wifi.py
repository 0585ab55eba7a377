"""The simulated radio: joins the world's access points (see ``parts/network.py``)."""

from __future__ import annotations

import errno
import hashlib
import time

from protoboard.hal import wifi as hal
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.network import info, state


def _default_mac(sim: Simulator) -> bytes:
    """A stable station MAC per board id, in Espressif's range (as an ESP32-S3's would be)."""
    digest = hashlib.sha256(sim.board.board_id.encode()).digest()
    return bytes([0x7C, 0xDF, 0xA1, *digest[:3]])


class Radio(hal.Radio):
    def __init__(self, backend: Simulator) -> None:
        super().__init__(backend)
        self._net = state(backend)
        self._mac = _default_mac(backend)

    @property
    def enabled(self) -> bool:
        return self._net.enabled

    def set_enabled(self, enabled: bool) -> None:
        net = self._net
        with net.lock:
            if net.enabled and not enabled:
                net.drop(errno.EBADF)  # "any open sockets will be closed"
                net.remembered = None
            net.enabled = enabled

    @property
    def mac_address(self) -> bytes:
        return self._mac

    def set_mac_address(self, mac: bytes) -> None:
        self._mac = mac

    def scan(self, start_channel: int, stop_channel: int) -> list[hal.AccessPointInfo]:
        if not self._net.enabled:
            raise hal.RadioOff()
        return [
            info(ap) for ap in self._net.in_range() if start_channel <= ap.channel <= stop_channel
        ]

    def join(self, ssid: bytes, password: bytes, channel: int, bssid: bytes | None) -> None:
        net = self._net
        if not net.enabled:
            raise hal.RadioOff()
        candidates = [ap for ap in net.in_range() if ap.ssid.encode() == ssid]
        if bssid is not None:
            candidates = [ap for ap in candidates if ap.bssid_bytes() == bssid]
        if not candidates:
            with net.lock:
                net.drop(errno.ECONNABORTED)
            raise hal.JoinFailed("no_ap")
        # The strongest first (the C code scans all channels); a channel only orders the search.
        ap = candidates[0]
        if not ap.accepts(password):
            with net.lock:
                net.drop(errno.ECONNABORTED)
            raise hal.JoinFailed("auth")
        with net.lock:
            if net.joined is not ap:
                net.drop(errno.ECONNABORTED)
            net.joined = ap
            net.remembered = (ap.ssid, ap.secret)

    def leave(self) -> None:
        with self._net.lock:
            self._net.remembered = None
            self._net.drop(errno.ECONNABORTED)

    def link(self) -> hal.Link | None:
        return self._net.link() if self._net.enabled else None

    def ping(self, address: str, timeout: float | None) -> float | None:
        ap = self._net.joined
        wait = 0.5 if timeout is None else timeout
        if ap is None or not self._net.reachable(address):
            time.sleep(wait)
            return None
        if ap.latency > wait:
            time.sleep(wait)
            return None
        time.sleep(ap.latency)
        return ap.latency

    def set_static(self, address: str, netmask: str, gateway: str, dns: str | None) -> None:
        self._net.static = (address, netmask, gateway, dns)

    def set_dns(self, dns: str) -> None:
        self._net.dns_override = dns
