"""Access points in the simulated world: the networks ``wifi.radio`` can see and join.

Sockets go out on your computer's real network; an access point decides whether they may. Turn
``present`` off and the access point is gone (a connected radio drops, scans no longer list it);
turn ``internet`` off and it stays but nothing beyond it answers (names do not resolve, hosts are
unreachable): the ways a network fails on a real board, on demand, from a test or with
``protoboard sim set AP.internet false``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from typing import Any

from protoboard.ports.sim.parts.base import Part

AUTH_CHOICES = ("OPEN", "WEP", "WPA", "WPA2", "WPA3", "PSK", "ENTERPRISE")
#: Wi-Fi channels 2.4 GHz and 5 GHz radios use
CHANNELS = frozenset(range(1, 15)) | frozenset(range(36, 166))


def _bssid_for(name: str) -> bytes:
    """A stable, locally administered MAC address for an access point."""
    digest = hashlib.sha256(name.encode()).digest()
    return bytes([0x02, *digest[:5]])


class AccessPoint(Part):
    """A Wi-Fi access point the board's radio can scan for and join.

    ``ssid`` and ``password`` (empty: an open network) are what ``wifi.radio.connect`` must
    give; ``rssi`` (dBm), ``channel``, ``country`` and ``bssid`` (six hex bytes, ``"02:..."``)
    are what a scan shows. ``address`` is the board's IPv4 address on this network (default:
    your computer's, so servers the program runs are reachable from your browser); ``gateway``,
    ``netmask`` and ``dns`` follow it. ``latency`` is the ping time in seconds.

    World switches: ``present = False`` takes the access point away (a connected radio
    disconnects; open sockets fail); ``internet = False`` keeps it but nothing beyond it answers.
    """

    kind = "AccessPoint"
    roles = ()

    def __init__(
        self,
        *,
        name: str | None = None,
        ssid: str = "Protoboard",
        password: str = "circuitpython",
        rssi: int = -50,
        channel: int = 6,
        country: str = "US",
        bssid: str | None = None,
        address: str | None = None,
        netmask: str = "255.255.255.0",
        gateway: str | None = None,
        dns: str | None = None,
        latency: float = 0.005,
        present: bool = True,
        internet: bool = True,
    ) -> None:
        super().__init__(name=name or "AP")
        self._lock = threading.Lock()
        self._listeners: list[Callable[[AccessPoint], None]] = []
        self._ssid = ""
        self._password = ""
        self.ssid = ssid
        self.password = password
        self.rssi = rssi
        self.channel = channel
        self.country = country
        self.bssid = bssid or ":".join(f"{b:02x}" for b in _bssid_for(self.name))
        self.address = address or ""
        self.netmask = netmask
        self.gateway = gateway or ""
        self.dns = dns or ""
        self.latency = latency
        self._present = bool(present)
        self._internet = bool(internet)

    # -- settings checked as they are set ----------------------------------------------------

    @property
    def ssid(self) -> str:
        return self._ssid

    @ssid.setter
    def ssid(self, value: str) -> None:
        if not isinstance(value, str) or not 1 <= len(value.encode()) <= 32:
            raise ValueError(f"an SSID is 1 to 32 bytes of text, not {value!r}")
        self._ssid = value
        self._changed()

    @property
    def password(self) -> str:
        """Reads back as ``********`` (empty for an open network), so ``protoboard sim parts``
        never prints a real Wi-Fi password taken from settings.toml."""
        return "********" if self._password else ""

    @password.setter
    def password(self, value: str) -> None:
        if not isinstance(value, str) or (value and not 8 <= len(value.encode()) <= 64):
            raise ValueError(
                "a Wi-Fi password is empty (an open network) or 8 to 64 characters long"
            )
        self._password = value
        self._changed()

    def accepts(self, password: bytes) -> bool:
        """Is this the network's password?"""
        return self._password.encode() == password

    @property
    def secret(self) -> str:
        """The password itself (for the radio's reconnecting)."""
        return self._password

    @property
    def present(self) -> bool:
        """False: the access point is switched off (out of range)."""
        return self._present

    @present.setter
    def present(self, value: bool) -> None:
        self._present = bool(value)
        self._changed()

    @property
    def internet(self) -> bool:
        """False: the access point is there but nothing beyond it answers."""
        return self._internet

    @internet.setter
    def internet(self, value: bool) -> None:
        self._internet = bool(value)
        self._changed()

    @property
    def authmodes(self) -> tuple[str, ...]:
        """What a scan reports: OPEN without a password, WPA2 + PSK with one."""
        return ("WPA2", "PSK") if self._password else ("OPEN",)

    def bssid_bytes(self) -> bytes:
        try:
            raw = bytes.fromhex(self.bssid.replace(":", "").replace("-", ""))
        except ValueError:
            raw = b""
        if len(raw) != 6:
            raise ValueError(
                f"bssid must be six hex bytes like 02:00:00:00:00:01, not {self.bssid!r}"
            )
        return raw

    def check(self) -> None:
        """Refuse settings a real access point could not have."""
        if self.channel not in CHANNELS:
            raise ValueError(f"channel {self.channel} is not a Wi-Fi channel (1-14, 36-165)")
        self.bssid_bytes()

    # -- telling the radio ------------------------------------------------------------------------

    def on_change(self, listener: Callable[[AccessPoint], None]) -> Callable[[], None]:
        with self._lock:
            self._listeners.append(listener)

        def forget() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return forget

    def _detach(self) -> None:
        super()._detach()
        self._changed()  # removed from the board: out of range, as if switched off

    def _changed(self) -> None:
        listeners = list(getattr(self, "_listeners", ()))
        for listener in listeners:
            listener(self)

    def __setattr__(self, name: str, value: Any) -> None:
        super().__setattr__(name, value)
        if name in ("address", "gateway", "netmask", "dns", "channel", "rssi"):
            self._changed()
