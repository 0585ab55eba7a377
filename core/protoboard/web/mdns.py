"""mDNS for the web workflow: advertise ``_circuitpython._tcp`` and list the boards around.

As a board does: the service has no TXT records, the instance name is
``CIRCUITPY_WEB_INSTANCE_NAME`` (at most 49 characters) or the board's name, the host name is
the board's ``hostname`` (``cpy-…``). ``/cp/devices.json`` lists what a browse of the same
service found (at most :data:`MAX_DEVICES`, this board left out).

Needs python-zeroconf (``pip install 'protoboard[web]'``); without it :func:`start` returns
None and says why, and the web workflow works without mDNS.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import socket
import threading
from collections.abc import Callable
from typing import Any

log = logging.getLogger(__name__)

SERVICE = "_circuitpython._tcp.local."
MAX_DEVICES = 32
MAX_INSTANCE = 49


class Mdns:
    """An advertisement and a browser on one Zeroconf instance."""

    def __init__(self, zeroconf: Any, info: Any, browser: Any, found: dict[str, Any]) -> None:
        self._zeroconf = zeroconf
        self._info = info
        self._browser = browser
        self._found = found
        self._lock = threading.Lock()
        self.instance = info.name.removesuffix("." + SERVICE)

    def devices(self) -> list[dict[str, Any]]:
        """``/cp/devices.json``'s list: hostname, instance_name, port, ip."""
        from zeroconf import ServiceInfo

        with self._lock:
            names = [name for name in self._found if name != self._info.name][:MAX_DEVICES]
        devices = []
        for name in names:
            info = ServiceInfo(SERVICE, name)
            if not info.load_from_cache(self._zeroconf):
                continue
            addresses = info.parsed_addresses()
            devices.append(
                {
                    "hostname": (info.server or "").removesuffix(".").removesuffix(".local"),
                    "instance_name": name.removesuffix("." + SERVICE),
                    "port": info.port,
                    "ip": addresses[0] if addresses else "",
                }
            )
        return devices

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._browser.cancel()
        with contextlib.suppress(Exception):
            self._zeroconf.unregister_service(self._info)
        with contextlib.suppress(Exception):
            self._zeroconf.close()


def _addresses(host: str) -> list[str]:
    """The addresses to advertise for a server bound to ``host``."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return []
    if not address.is_unspecified:
        return [host]
    with contextlib.suppress(OSError):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this picks the LAN address
            return [probe.getsockname()[0]]
    return ["127.0.0.1"]


def start(
    *,
    instance: str,
    hostname: str,
    host: str,
    port: int,
    log_line: Callable[[str], None],
) -> Mdns | None:
    """Advertise this board and browse for others; None (after saying why) if mDNS is off."""
    try:
        from zeroconf import (
            InterfaceChoice,
            ServiceBrowser,
            ServiceInfo,
            ServiceListener,
            Zeroconf,
        )
    except ImportError:
        log_line("mDNS is off: pip install 'protoboard[web]' (python-zeroconf) to advertise it")
        return None
    addresses = _addresses(host)
    loopback = all(ipaddress.ip_address(a).is_loopback for a in addresses)
    try:
        zeroconf = Zeroconf(interfaces=addresses if loopback else InterfaceChoice.All)
    except OSError as exc:
        log_line(f"mDNS is off: {exc}")
        return None
    info = ServiceInfo(
        SERVICE,
        f"{instance[:MAX_INSTANCE]}.{SERVICE}",
        addresses=[socket.inet_pton(_family(a), a) for a in addresses],
        port=port,
        server=f"{hostname}.local.",
    )
    found: dict[str, Any] = {}

    class Listener(ServiceListener):
        def add_service(self, zc: Any, kind: str, name: str) -> None:
            if len(found) < 4 * MAX_DEVICES:  # bounded, whatever the network announces
                found[name] = True

        def remove_service(self, zc: Any, kind: str, name: str) -> None:
            found.pop(name, None)

        def update_service(self, zc: Any, kind: str, name: str) -> None:
            pass

    try:
        zeroconf.register_service(info, allow_name_change=True)
        browser = ServiceBrowser(zeroconf, SERVICE, Listener())
    except Exception as exc:  # explained, never fatal: the web workflow works without mDNS
        with contextlib.suppress(Exception):
            zeroconf.close()
        log_line(f"mDNS is off: {exc}")
        return None
    return Mdns(zeroconf, info, browser, found)


def _family(address: str) -> int:
    return socket.AF_INET6 if ":" in address else socket.AF_INET
