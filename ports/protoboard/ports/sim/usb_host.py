"""The simulated board's USB host controller: enumerates the USB device parts (keyboard, mouse,
gamepad, your own) and carries transfers to them, as TinyUSB does on a board.

Enumeration follows TinyUSB's host stack: GET_DESCRIPTOR(device) for 8 bytes, SET_ADDRESS, the
full device descriptor, the configuration descriptor's 9-byte header then all of it (at most
``ENUMERATION_BUFFER`` bytes, CircuitPython's ``CFG_TUH_ENUMERATION_BUFSIZE``), SET_CONFIGURATION;
then its HID driver's SET_IDLE(0), SET_PROTOCOL(boot) for boot interfaces and the report
descriptor. A device whose answers are malformed is not mounted (as on a board, ``find()`` does
not return it); its ``status`` says why.
"""

from __future__ import annotations

import struct
import time

from protoboard.hal import usb_host as hal
from protoboard.ports.sim.model import Simulator
from protoboard.ports.sim.parts.usbdevices import USBDevice, attached_devices

#: addresses TinyUSB hands out (CFG_TUH_DEVICE_MAX + CFG_TUH_HUB in CircuitPython)
MAX_ADDRESS = 6
ENUMERATION_BUFFER = 284 + 4
#: how often a waiting transfer polls the device (a full-speed frame)
POLL_S = 0.001


class EnumerationFailed(Exception):
    pass


def _setup(request_type: int, request: int, value: int, index: int, length: int) -> bytes:
    return struct.pack("<BBHHH", request_type, request, value, index, length)


_STANDARD = {
    0x00: "GET_STATUS",
    0x01: "CLEAR_FEATURE",
    0x03: "SET_FEATURE",
    0x05: "SET_ADDRESS",
    0x06: "GET_DESCRIPTOR",
    0x08: "GET_CONFIGURATION",
    0x09: "SET_CONFIGURATION",
    0x0A: "GET_INTERFACE",
    0x0B: "SET_INTERFACE",
}
_HID = {0x01: "GET_REPORT", 0x02: "GET_IDLE", 0x03: "GET_PROTOCOL", 0x09: "SET_REPORT"}
_HID.update({0x0A: "SET_IDLE", 0x0B: "SET_PROTOCOL"})
_DESCRIPTORS = {1: "device", 2: "configuration", 3: "string", 0x21: "HID", 0x22: "report"}


def _describe(setup: bytes) -> str:
    """A control request as a USB analyser names it: ``GET_DESCRIPTOR string 2 (254 bytes)``."""
    request_type, request, value, index, length = struct.unpack("<BBHHH", setup)
    kind = request_type & 0x60
    names = _STANDARD if kind == 0 else _HID if kind == 0x20 else {}
    name = names.get(request, f"request {request:#04x}")
    if kind == 0 and request == 0x06:
        what = _DESCRIPTORS.get(value >> 8, f"type {value >> 8:#04x}")
        return f"{name} {what} {value & 0xFF} ({length} bytes)"
    return f"{name} value={value:#06x} index={index}"


class HostPort(hal.HostPort):
    def __init__(self, backend: Simulator, kind: str) -> None:
        super().__init__(backend, kind)
        self._sim = backend
        #: address -> (part, what was mounted, the part's plug count then)
        self._mounted: dict[int, tuple[USBDevice, hal.Mounted, int]] = {}
        self._failed: dict[int, int] = {}  # id(part) -> generation that failed to enumerate
        self._generations = 0
        self._closed = False

    # -- enumeration --------------------------------------------------------------------------

    def devices(self) -> tuple[hal.Mounted, ...]:
        if self._closed:
            return ()
        parts = attached_devices(self._sim)
        present = {id(p): p for p in parts if p.plugged}
        for address, (part, _, plugged_as) in list(self._mounted.items()):
            if id(part) not in present or part.generation != plugged_as:
                del self._mounted[address]  # unplugged (TinyUSB's umount)
        known = {id(part) for part, _, _ in self._mounted.values()}
        for part in present.values():
            if id(part) in known or self._failed.get(id(part)) == part.generation:
                continue
            free = [a for a in range(1, MAX_ADDRESS + 1) if a not in self._mounted]
            if not free:
                part._status = f"not enumerated: the host has no address left ({MAX_ADDRESS} used)"
                continue
            try:
                mounted = self._enumerate(part, free[0])
            except (EnumerationFailed, hal.TransferError) as exc:
                self._failed[id(part)] = part.generation
                part._status = f"enumeration failed: {exc}"
                part.note(part.status)
                continue
            self._mounted[free[0]] = (part, mounted, part.generation)
            part._status = f"enumerated at address {free[0]}"
            part.note(part.status)
        return tuple(m for _, (_, m, _) in sorted(self._mounted.items()))

    def _enumerate(self, part: USBDevice, address: int) -> hal.Mounted:
        def get(kind: int, length: int, index: int = 0) -> bytes:
            return part.control(_setup(0x80, 0x06, kind << 8, index, length), b"")

        head = get(1, 8)
        if len(head) < 8 or head[1] != 0x01:
            raise EnumerationFailed(
                f"its device descriptor starts {head.hex(' ') or 'empty'}; a device descriptor "
                "starts with its length (18) and type 0x01"
            )
        part.control(_setup(0x00, 0x05, address, 0, 0), b"")
        device = get(1, 18)
        if len(device) != 18 or device[0] != 18:
            raise EnumerationFailed(
                f"its device descriptor is {len(device)} bytes (bLength {device[0]}); it must be 18"
            )
        header = get(2, 9)
        if len(header) < 9 or header[1] != 0x02:
            raise EnumerationFailed(
                "its configuration descriptor's header is not 9 bytes of type 2"
            )
        total = int.from_bytes(header[2:4], "little")
        if not 9 <= total <= ENUMERATION_BUFFER:
            raise EnumerationFailed(
                f"its configuration is {total} bytes long (wTotalLength); the host takes 9 to "
                f"{ENUMERATION_BUFFER}"
            )
        config = get(2, total)
        if len(config) != total:
            raise EnumerationFailed(
                f"its configuration says {total} bytes (wTotalLength) but it sent {len(config)}"
            )
        try:
            walked = hal.walk_descriptors(config)
        except ValueError as exc:
            raise EnumerationFailed(f"its configuration descriptor is malformed: {exc}") from None
        part.control(_setup(0x00, 0x09, config[5], 0, 0), b"")
        hid_lengths = [body for kind, body in walked if kind == 0x21 and len(body) >= 9]
        interfaces = [body for kind, body in walked if kind == 0x04 and len(body) >= 9]
        for number, interface in enumerate(i for i in interfaces if i[5] == 0x03):
            itf = interface[2]
            try:
                part.control(_setup(0x21, 0x0A, 0, itf, 0), b"")  # SET_IDLE(0)
            except hal.Stalled:
                pass  # optional for mice and gamepads; TinyUSB carries on
            if interface[6] == 0x01:
                part.control(_setup(0x21, 0x0B, 0, itf, 0), b"")  # SET_PROTOCOL(boot)
            if number < len(hid_lengths):
                length = int.from_bytes(hid_lengths[number][7:9], "little")
                part.control(_setup(0x81, 0x06, 0x2200, itf, length), b"")
        self._generations += 1
        return hal.Mounted(
            address=address,
            speed=part.speed,
            device_descriptor=bytes(device),
            configuration_descriptor=bytes(config),
            generation=self._generations,
        )

    # -- transfers ----------------------------------------------------------------------------

    def _part(self, address: int, generation: int) -> USBDevice:
        found = self._mounted.get(address)
        if (
            found is None
            or found[1].generation != generation
            or not found[0].plugged
            or found[0].generation != found[2]
        ):
            raise hal.Gone(
                f"the USB device at address {address} is no longer connected; "
                "call usb.core.find() again"
            )
        return found[0]

    def control(
        self, address: int, setup: bytes, data: bytes, timeout_ms: int, generation: int
    ) -> bytes:
        part = self._part(address, generation)
        try:
            answer = part.control(setup, data)
        except hal.Stalled:
            part.note(f"{_describe(setup)}: STALL")
            raise
        part.note(f"{_describe(setup)}" + (f" -> {len(answer)} bytes" if setup[0] & 0x80 else ""))
        return answer

    def transfer(
        self,
        address: int,
        endpoint_descriptor: bytes,
        data: bytes | None,
        size: int,
        timeout_ms: int,
        generation: int,
    ) -> bytes | int:
        endpoint = endpoint_descriptor[2]
        max_packet = int.from_bytes(endpoint_descriptor[4:6], "little") or 8
        deadline = time.monotonic() + timeout_ms / 1000 if timeout_ms > 0 else None
        while True:
            part = self._part(address, generation)
            if data is not None:
                return part.endpoint_out(endpoint, data)
            packet = part.endpoint_in(endpoint)
            if packet is not None:
                if len(packet) > min(size, max_packet):
                    raise hal.TransferError(
                        f"the device sent {len(packet)} bytes but the buffer holds {size}; "
                        "read into a buffer as long as the endpoint's packets"
                    )
                return bytes(packet)
            if deadline is not None and time.monotonic() >= deadline:
                raise hal.TimedOut("no data")
            time.sleep(POLL_S)

    def deinit(self) -> None:
        self._closed = True
        self._mounted.clear()
