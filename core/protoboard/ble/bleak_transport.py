"""A real Bluetooth LE transport to a CircuitPython board's file-transfer service, on bleak.

bleak is imported lazily (it is the ``ble`` extra): without it every entry point raises
:class:`~protoboard.ble.transport.BluetoothUnavailable` saying ``pip install 'protoboard[ble]'``.
Every bleak or operating-system error (no adapter, adapter off, no D-Bus/BlueZ, permission
denied, pairing refused, device gone) is translated by :func:`explain` into a
:class:`~protoboard.ble.transport.TransportError` with a plain message and what to do.

Follows Adafruit's client (``adafruit_ble_file_transfer``) and CircuitPython's GATT table
(reference/workflows.md §2.1): service ``0xFEBB``; version characteristic ``ADAF0100-…``
(read, open; the client refuses versions below 3); transfer characteristic ``ADAF0200-…``
(write without response + notify, encrypted: the link must be paired/bonded).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from protoboard.ble import protocol as p
from protoboard.ble.transport import (
    BluetoothUnavailable,
    DeviceNotFound,
    TransferTimeout,
    Transport,
    TransportError,
)

#: the oldest protocol version this client speaks (as Adafruit's client)
MIN_VERSION = 3
#: names CircuitPython advertises: "CIRC" (short name in discovery mode), "CIRCUITPYxxxx"
NAME_PREFIXES = ("CIRCUITPY", "CIRC")
DEFAULT_SCAN_TIMEOUT = 5.0
DEFAULT_CONNECT_TIMEOUT = 20.0

INSTALL_HINT = "install it with: pip install 'protoboard[ble]'"
PAIRING_HINT = (
    "put the board in discovery mode (press reset while its LED blinks blue just after start-up; "
    "this erases its old bonds), remove the board from your computer's Bluetooth settings "
    "('forget' it; on Linux: bluetoothctl remove ADDRESS), then retry and accept the pairing "
    "request if your system shows one"
)
DISCOVERY_HINT = (
    "the board must run CircuitPython with the BLE workflow and be advertising: a board that "
    "was never paired advertises after start-up; otherwise press reset while its LED blinks "
    "blue to enter discovery mode. Name it with --device NAME_OR_ADDRESS"
)


def load_bleak() -> Any:
    """The bleak module, or :class:`BluetoothUnavailable` explaining how to install it."""
    try:
        import bleak
    except ImportError:
        raise BluetoothUnavailable(
            "Bluetooth support (the bleak package) is not installed", INSTALL_HINT
        ) from None
    return bleak


#: bleak 2's BleakBluetoothNotAvailableError reasons, in plain words
_NOT_AVAILABLE = {
    "NO_BLUETOOTH": (
        "this computer has no Bluetooth adapter",
        "plug in a Bluetooth LE adapter, or use a computer that has one",
    ),
    "NO_BLE_CENTRAL_ROLE": (
        "this Bluetooth adapter cannot connect to LE devices",
        "use a Bluetooth 4.0 (LE) or newer adapter",
    ),
    "POWERED_OFF": (
        "Bluetooth is turned off",
        "turn it on in your system settings (Linux: bluetoothctl power on)",
    ),
}


def explain(exc: BaseException, action: str) -> TransportError:
    """A :class:`TransportError` saying in plain words why ``action`` failed."""
    if isinstance(exc, TransportError):
        return exc
    if isinstance(exc, (TimeoutError, asyncio.TimeoutError)):
        return TransferTimeout(
            f"timed out {action}",
            "move closer to the board, check that it is powered and advertising, and retry",
        )
    text = str(exc).strip() or type(exc).__name__
    return _bleak_error(exc, text, action) or _other_error(exc, text, action)


def _bleak_error(exc: BaseException, text: str, action: str) -> TransportError | None:
    """Errors of bleak's own types (bleak is optional: its module may be absent)."""
    exc_mod = sys.modules.get("bleak.exc")
    not_available = getattr(exc_mod, "BleakBluetoothNotAvailableError", None)
    if not_available is not None and isinstance(exc, not_available):  # bleak >= 2.0
        reason = getattr(getattr(exc, "reason", None), "name", "UNKNOWN")
        return BluetoothUnavailable(
            *_NOT_AVAILABLE.get(
                reason,
                (
                    f"Bluetooth is not available ({text})",
                    "allow this terminal to use Bluetooth in your system's privacy settings "
                    "and check that Bluetooth is on",
                ),
            )
        )
    dbus_error = getattr(exc_mod, "BleakDBusError", None)
    if dbus_error is not None and isinstance(exc, dbus_error):
        explained = _dbus_error(getattr(exc, "dbus_error", ""), text, action)
        if explained is not None:
            return explained
    not_found = getattr(exc_mod, "BleakDeviceNotFoundError", None)
    if not_found is not None and isinstance(exc, not_found):
        return DeviceNotFound(
            f"no Bluetooth device {getattr(exc, 'identifier', '')} in range", DISCOVERY_HINT
        )
    return None


def _dbus_error(name: str, text: str, action: str) -> TransportError | None:
    if name in (
        "org.freedesktop.DBus.Error.ServiceUnknown",
        "org.freedesktop.DBus.Error.NameHasNoOwner",
    ):
        return BluetoothUnavailable(
            "the Bluetooth service (bluetoothd) is not running",
            "start it: sudo systemctl start bluetooth",
        )
    if name == "org.bluez.Error.NotReady":
        return BluetoothUnavailable(
            "the Bluetooth adapter is turned off", "turn it on: bluetoothctl power on"
        )
    if name.startswith("org.bluez.Error.Authentication") or "auth" in text.lower():
        return TransportError(f"pairing failed while {action} ({text})", PAIRING_HINT)
    if name == "org.freedesktop.DBus.Error.AccessDenied":
        return BluetoothUnavailable(
            f"not allowed to use Bluetooth ({text})",
            "add your user to the 'bluetooth' group, or check your D-Bus policy",
        )
    return None


def _other_error(exc: BaseException, text: str, action: str) -> TransportError:
    """Operating-system errors, and bleak errors known only by their text."""
    lower = text.lower()
    if isinstance(exc, (FileNotFoundError, ConnectionRefusedError)):
        # bleak's BlueZ backend connects to the D-Bus system bus socket first
        return BluetoothUnavailable(
            "can't reach the system's Bluetooth service (D-Bus is not running, or there is no "
            "Bluetooth stack here)",
            "on Linux start it with: sudo systemctl start dbus bluetooth. Containers, WSL and "
            "most CI machines have no Bluetooth: run on the host, or try --loopback DIR",
        )
    if "adapter" in lower and ("no " in lower or "not found" in lower):
        return BluetoothUnavailable(
            "no Bluetooth adapter found",
            "plug in a Bluetooth LE adapter (and check that it shows "
            "in 'bluetoothctl list' on Linux)",
        )
    if "powered off" in lower or "turned off" in lower or "not turned on" in lower:
        return BluetoothUnavailable("Bluetooth is turned off", "turn it on and retry")
    if any(word in lower for word in ("authenticat", "encrypt", "insufficient", "pair")):
        return TransportError(f"pairing failed while {action} ({text})", PAIRING_HINT)
    error = getattr(sys.modules.get("bleak.exc"), "BleakError", None)
    if (error is not None and isinstance(exc, error)) or isinstance(exc, OSError):
        return TransportError(
            f"Bluetooth error while {action}: {text}",
            "retry; if it keeps failing, turn Bluetooth off and on again",
        )
    return TransportError(f"unexpected error while {action}: {type(exc).__name__}: {text}")


@contextlib.contextmanager
def bluetooth_errors(action: str) -> Iterator[None]:
    """Turn any error in the block into a :class:`TransportError` (see :func:`explain`)."""
    try:
        yield
    except TransportError:
        raise
    except Exception as exc:  # bleak raises many kinds; the user needs words, not a traceback
        raise explain(exc, action) from exc


@dataclass(frozen=True)
class Found:
    """One advertising device seen by :func:`scan`."""

    name: str
    address: str
    rssi: int | None
    file_transfer: bool  # advertises 0xFEBB or a CircuitPython name
    device: Any = None  # bleak's BLEDevice, for connecting without a second scan


def _is_circuitpython(name: str, service_uuids: list[str]) -> bool:
    return p.SERVICE_UUID in [u.lower() for u in service_uuids] or name.upper().startswith(
        NAME_PREFIXES
    )


async def scan(timeout: float = DEFAULT_SCAN_TIMEOUT, *, everything: bool = False) -> list[Found]:
    """Devices advertising the file-transfer service (all devices with ``everything``), the
    strongest signal first."""
    bleak = load_bleak()
    with bluetooth_errors("scanning"):
        seen = await bleak.BleakScanner.discover(timeout=timeout, return_adv=True)
    found = []
    for device, adv in seen.values():
        name = adv.local_name or device.name or ""
        ft = _is_circuitpython(name, list(adv.service_uuids or []))
        if ft or everything:
            found.append(Found(name, device.address, getattr(adv, "rssi", None), ft, device))
    found.sort(key=lambda f: -(f.rssi if f.rssi is not None else -999))
    return found


def choose(found: list[Found], wanted: str | None) -> Found:
    """The device named ``wanted`` (name or address, case-insensitive; a unique name prefix
    also works), or the only file-transfer device. Raises :class:`DeviceNotFound`."""
    if wanted:
        key = wanted.lower()
        exact = [f for f in found if key in (f.address.lower(), f.name.lower())]
        if len(exact) == 1:
            return exact[0]
        prefix = [f for f in found if f.name.lower().startswith(key)]
        if len(exact) > 1 or len(prefix) > 1:
            listing = ", ".join(f"{f.name or '?'} ({f.address})" for f in exact or prefix)
            raise DeviceNotFound(
                f"several devices match '{wanted}': {listing}", "give the address with --device"
            )
        if prefix:
            return prefix[0]
        raise DeviceNotFound(f"no device '{wanted}' is advertising", DISCOVERY_HINT)
    boards = [f for f in found if f.file_transfer]
    if not boards:
        raise DeviceNotFound("no CircuitPython board with BLE file transfer found", DISCOVERY_HINT)
    if len(boards) > 1:
        listing = ", ".join(f"{f.name or '?'} ({f.address})" for f in boards)
        raise DeviceNotFound(
            f"found {len(boards)} boards: {listing}", "choose one with --device NAME_OR_ADDRESS"
        )
    return boards[0]


class BleakTransport(Transport):
    """A connected, checked, paired link to one board. Use :meth:`connect`."""

    timeout_hint = (
        "move closer to the board and retry. If this happens at once on a new "
        "board, the link may not be encrypted: " + PAIRING_HINT
    )

    def __init__(self, client: Any, name: str, version: int, mtu: int) -> None:
        super().__init__()
        self.client, self.name, self.version, self.mtu = client, name, version, mtu
        self._closed = False

    @classmethod
    async def connect(
        cls,
        wanted: str | None = None,
        *,
        scan_timeout: float = DEFAULT_SCAN_TIMEOUT,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    ) -> BleakTransport:
        """Find (:func:`scan`, :func:`choose`), connect, check the version, pair, subscribe."""
        bleak = load_bleak()
        found = await scan(scan_timeout, everything=bool(wanted))
        try:
            target: Found = choose(found, wanted)
        except DeviceNotFound:
            if not wanted or not _looks_like_address(wanted):
                raise
            target = Found(wanted, wanted, None, True, None)  # let the OS try the address
        label = (
            f"{target.name} ({target.address})" if target.name != target.address else target.address
        )
        holder: list[BleakTransport] = []
        loop = asyncio.get_running_loop()

        def disconnected(_client: Any) -> None:
            if holder:
                loop.call_soon_threadsafe(holder[0]._lost)

        client = bleak.BleakClient(
            target.device or target.address,
            disconnected_callback=disconnected,
            timeout=connect_timeout,
        )
        with bluetooth_errors(f"connecting to {label}"):
            await client.connect()
        try:
            transport = await cls._set_up(client, label)
        except BaseException:
            with contextlib.suppress(Exception):
                await client.disconnect()
            raise
        holder.append(transport)
        return transport

    @classmethod
    async def _set_up(cls, client: Any, label: str) -> BleakTransport:
        services = client.services
        if services.get_characteristic(p.TRANSFER_UUID) is None:
            raise DeviceNotFound(
                f"{label} has no BLE file-transfer service",
                "is it a CircuitPython board with the BLE workflow on "
                "(CIRCUITPY_BLE_WORKFLOW in settings.toml)?",
            )
        version = 1  # as Adafruit's client: a missing version characteristic means version 1
        if services.get_characteristic(p.VERSION_UUID) is not None:
            with bluetooth_errors(f"reading the protocol version of {label}"):
                raw = await client.read_gatt_char(p.VERSION_UUID)
            version = int.from_bytes(bytes(raw[:4]), "little")
        if version < MIN_VERSION:
            raise TransportError(
                f"{label} speaks BLE file-transfer protocol version {version}; "
                f"this client needs version {MIN_VERSION} or newer",
                "update CircuitPython on the board (circuitpython.org/downloads)",
            )
        pair_error: BaseException | None = None
        try:
            await client.pair()  # the transfer characteristic needs an encrypted link
        except NotImplementedError:
            pass  # macOS pairs by itself on the first encrypted access
        except Exception as exc:  # already bonded on some systems, or refused: see below
            pair_error = exc
        char = services.get_characteristic(p.TRANSFER_UUID)
        size = getattr(char, "max_write_without_response_size", 0) or (client.mtu_size - 3)
        transport = cls(client, label, version, min(size, p.TRANSFER_MAX_LENGTH) + 3)
        try:
            await client.start_notify(p.TRANSFER_UUID, transport._on_notify)
        except Exception as exc:
            if pair_error is not None:
                raise TransportError(
                    f"pairing with {label} failed ({pair_error})", PAIRING_HINT
                ) from exc
            raise explain(exc, f"subscribing to {label}") from exc
        return transport

    def _on_notify(self, _sender: Any, data: bytearray) -> None:
        self._notified(bytes(data))

    async def _write(self, chunk: bytes) -> None:
        with bluetooth_errors(f"writing to {self.name}"):
            await self.client.write_gatt_char(p.TRANSFER_UUID, chunk, response=False)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(Exception):
            await self.client.stop_notify(p.TRANSFER_UUID)
        with contextlib.suppress(Exception):
            await self.client.disconnect()


def _looks_like_address(text: str) -> bool:
    """A MAC address (AA:BB:CC:DD:EE:FF) or a macOS device UUID."""
    hexdigits = set("0123456789abcdefABCDEF")
    parts = text.split(":")
    if len(parts) == 6 and all(len(x) == 2 and set(x) <= hexdigits for x in parts):
        return True
    parts = text.split("-")
    return [len(x) for x in parts] == [8, 4, 4, 4, 12] and set("".join(parts)) <= hexdigits
