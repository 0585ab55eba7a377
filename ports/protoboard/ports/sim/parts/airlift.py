"""An ESP32 Wi-Fi co-processor running Adafruit's NINA firmware ("AirLift"), on SPI.

The PyPortal, PyPortal Titano, Matrix Portal M4, Metro M4 AirLift and the AirLift breakout and
FeatherWing carry one. Programs talk to it with the unmodified ``adafruit_esp32spi`` library,
which speaks NINA's command frames over SPI with a handshake on the ``busy`` pin:

* a command frame is ``0xE0``, the command, the number of parameters, each parameter with its
  length (one byte, or two for the socket data commands), ``0xEE``, padded to 4 bytes; the reply
  is the same with the command's high bit set (``0xEF`` on an error);
* the ESP32 holds ``busy`` low while it waits for a transaction, raises it as soon as chip select
  goes low, and lowers it again when the next transaction may start (its reply is ready, or it
  waits for the next command). While it is held in reset (``reset`` low) or boots, ``busy`` is
  high; with ``gpio0`` low when reset ends it starts its ROM bootloader and never answers.

The radio joins the world's :class:`~protoboard.ports.sim.parts.network.AccessPoint` parts, and
its sockets are your computer's: TCP, TLS (your computer's ``ssl``, trusting its CA
certificates plus ``ca_file``/``ca_data``, as the firmware trusts its own root bundle), UDP, and
TCP servers. DNS goes through your computer's resolver; ``GET_TIME`` is your computer's UTC
time once the radio has joined a network with internet (the firmware's SNTP).

Commands the part does not know and malformed frames are logged (logger
``protoboard.parts.airlift``), counted in ``unknown_commands`` / ``bad_frames`` and answered with
the firmware's error reply; the part keeps working.
"""

from __future__ import annotations

import collections
import errno
import hashlib
import logging
import socket
import ssl
import struct
import threading
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar

from protoboard.ports.sim.parts.base import SPIPart

log = logging.getLogger("protoboard.parts.airlift")

START_CMD = 0xE0
END_CMD = 0xEE
ERR_CMD = 0xEF
REPLY_FLAG = 0x80
#: the ESP32's SPI slave DMA buffer: the longest command frame it takes
SPI_BUFFER_LEN = 4092
#: CONFIG_LWIP_MAX_SOCKETS of the firmware's ESP32 build
MAX_SOCKETS = 6
#: bytes a socket buffers from the network before the program reads them (lwIP's window)
RX_LIMIT = 16 * 1024
#: a UDP packet's payload (the firmware's NetworkUDP buffer)
UDP_BUFFER = 1460
NO_SOCKET = 255
#: the firmware version ``GET_FW_VERSION`` reports (Adafruit's nina-fw)
FIRMWARE_VERSION = "3.3.0"

TCP_MODE, UDP_MODE, TLS_MODE = 0, 1, 2

# connection status (WiFi.status())
WL_IDLE_STATUS = 0
WL_NO_SSID_AVAIL = 1
WL_CONNECTED = 3
WL_CONNECT_FAILED = 4
WL_CONNECTION_LOST = 5
WL_DISCONNECTED = 6
SOCKET_CLOSED, SOCKET_ESTABLISHED = 0, 4
#: the firmware's encryption type numbers (as its WiFi library reports them)
ENC_OPEN, ENC_WPA2 = 7, 4
#: commands whose parameter lengths are two bytes (big-endian)
LONG_PARAMS = frozenset({0x44, 0x45, 0x46})

COMMAND_NAMES = {
    0x10: "SET_NET", 0x11: "SET_PASSPHRASE", 0x14: "SET_IP_CONFIG", 0x15: "SET_DNS_CONFIG",
    0x16: "SET_HOSTNAME", 0x17: "SET_POWER_MODE", 0x18: "SET_AP_NET",
    0x19: "SET_AP_PASSPHRASE", 0x1A: "SET_DEBUG", 0x1B: "GET_TEMPERATURE",
    0x1E: "GET_DNS_CONFIG", 0x1F: "GET_REASON_CODE", 0x20: "GET_CONN_STATUS",
    0x21: "GET_IPADDR", 0x22: "GET_MACADDR", 0x23: "GET_CURR_SSID", 0x24: "GET_CURR_BSSID",
    0x25: "GET_CURR_RSSI", 0x26: "GET_CURR_ENCT", 0x27: "SCAN_NETWORKS",
    0x28: "START_SERVER_TCP", 0x29: "GET_STATE_TCP", 0x2A: "DATA_SENT_TCP",
    0x2B: "AVAIL_DATA_TCP", 0x2C: "GET_DATA_TCP", 0x2D: "START_CLIENT_TCP",
    0x2E: "STOP_CLIENT_TCP", 0x2F: "GET_CLIENT_STATE_TCP", 0x30: "DISCONNECT",
    0x32: "GET_IDX_RSSI", 0x33: "GET_IDX_ENCT", 0x34: "REQ_HOST_BY_NAME",
    0x35: "GET_HOST_BY_NAME", 0x36: "START_SCAN_NETWORKS", 0x37: "GET_FW_VERSION",
    0x39: "SEND_UDP_DATA", 0x3A: "GET_REMOTE_DATA", 0x3B: "GET_TIME", 0x3C: "GET_IDX_BSSID",
    0x3D: "GET_IDX_CHAN", 0x3E: "PING", 0x3F: "GET_SOCKET", 0x40: "SET_CLI_CERT",
    0x41: "SET_PK", 0x44: "SEND_DATA_TCP", 0x45: "GET_DATABUF_TCP",
    0x46: "INSERT_DATABUF", 0x4A: "SET_ENT_IDENT", 0x4B: "SET_ENT_UNAME",
    0x4C: "SET_ENT_PASSWD", 0x4F: "SET_ENT_ENABLE", 0x50: "SET_PIN_MODE",
    0x51: "SET_DIGITAL_WRITE", 0x52: "SET_ANALOG_WRITE", 0x53: "GET_DIGITAL_READ",
    0x54: "GET_ANALOG_READ",
}  # fmt: skip


class FrameError(ValueError):
    """A command frame the firmware cannot take."""


class CommandError(ValueError):
    """A well-formed command with parameters the firmware cannot use (answered with 0xEF)."""


def parse_frame(frame: bytes) -> tuple[int, list[bytes]]:
    """``(command, parameters)`` of a command frame; :class:`FrameError` saying what is wrong."""
    if len(frame) < 4:
        raise FrameError(f"a command frame is at least 4 bytes, this one is {len(frame)}")
    if frame[0] != START_CMD:
        raise FrameError(f"it starts with {frame[0]:#04x}, not START_CMD 0xe0")
    command = frame[1]
    if command & REPLY_FLAG:
        raise FrameError(f"command {command:#04x} has the reply flag (0x80) set")
    wide = command in LONG_PARAMS
    count, pos, params = frame[2], 3, []
    for index in range(count):
        if pos + (2 if wide else 1) > len(frame):
            raise FrameError(f"it ends before parameter {index + 1} of {count}")
        if wide:
            length = frame[pos] << 8 | frame[pos + 1]
            pos += 2
        else:
            length = frame[pos]
            pos += 1
        if pos + length > len(frame):
            raise FrameError(
                f"parameter {index + 1} of {count} says {length} bytes but the frame has "
                f"{len(frame) - pos} left"
            )
        params.append(bytes(frame[pos : pos + length]))
        pos += length
    if pos >= len(frame) or frame[pos] != END_CMD:
        raise FrameError(f"no END_CMD 0xee after its {count} parameters")
    return command, params


def reply_frame(command: int, params: list[bytes], *, wide: bool = False) -> bytes:
    """The firmware's reply to ``command``, padded to 4 bytes."""
    out = bytearray((START_CMD, command | REPLY_FLAG, len(params)))
    for param in params:
        out += len(param).to_bytes(2, "big") if wide else bytes((len(param),))
        out += param
    out.append(END_CMD)
    return bytes(out + bytes(-len(out) % 4))


ERROR_REPLY = bytes((ERR_CMD, 0x00, END_CMD, 0x00))


@dataclass
class _Slot:
    """One of the firmware's socket slots."""

    mode: int | None = None
    sock: Any = None
    rx: bytearray = field(default_factory=bytearray)
    eof: bool = False
    was_connected: bool = False
    server: socket.socket | None = None
    #: UDP: where the packet goes, what it holds, what came in and from whom
    dest: tuple[str, int] | None = None
    tx: bytearray = field(default_factory=bytearray)
    remote: tuple[str, int] = ("0.0.0.0", 0)


class ESP32SPI(SPIPart):
    """An ESP32 Wi-Fi co-processor with Adafruit's NINA firmware (an "AirLift"), on SPI with
    ``cs``, ``busy`` (its ready/busy handshake), ``reset`` and optionally ``gpio0``.

    The PyPortal, Matrix Portal M4 and Metro M4 AirLift wire one at ``board.ESP_CS``,
    ``board.ESP_BUSY``, ``board.ESP_RESET`` and ``board.ESP_GPIO0``; attach one to any board as
    an AirLift breakout. Programs use ``adafruit_esp32spi``: it joins the world's access points
    and opens sockets on your computer (TCP, TLS, UDP, servers).

    Settings: ``firmware`` (the version it reports), ``mac`` (six hex bytes), ``boot_time``
    (seconds ``busy`` stays high after reset), ``connect_time`` (seconds a join takes),
    ``ca_file`` / ``ca_data`` (PEM certificates TLS trusts besides your computer's).
    """

    kind = "ESP32SPI"
    roles: ClassVar[tuple[str, ...]] = ("clock", "cs", "busy")
    optional_roles: tuple[str, ...] = ("mosi", "miso", "reset", "gpio0")

    def __init__(
        self,
        *,
        name: str | None = None,
        firmware: str = FIRMWARE_VERSION,
        mac: str | None = None,
        boot_time: float = 0.25,
        connect_time: float = 0.1,
        ca_file: str = "",
        ca_data: str = "",
    ) -> None:
        super().__init__(name=name or "ESP32")
        if not 0 < len(firmware.encode()) < 32:
            raise ValueError(f"firmware is a short version text such as '3.3.0', not {firmware!r}")
        for label, value in (("boot_time", boot_time), ("connect_time", connect_time)):
            if not 0 <= value <= 30:
                raise ValueError(f"{label} is 0 to 30 seconds, not {value!r}")
        self.firmware = firmware
        self.mac = mac or ""
        self.boot_time = boot_time
        self.connect_time = connect_time
        self.ca_file = ca_file
        self.ca_data = ca_data
        self._lock = threading.RLock()
        #: commands answered, by name (for tests and ``protoboard sim parts``)
        self.commands: collections.Counter[str] = collections.Counter()
        #: command numbers the part does not know, with how often each came
        self.unknown_commands: collections.Counter[int] = collections.Counter()
        #: how many malformed frames came (each answered with the error reply)
        self.bad_frames = 0
        #: the newest problems, in plain words
        self.problems: collections.deque[str] = collections.deque(maxlen=100)
        self.phase = "off"
        self._net: Any = None
        self._selected = False
        self._frame = bytearray()
        self._overflow = 0
        self._response = b""
        self._sent = 0
        self._boot_done = 0
        self._reset_state()

    # -- wiring and power --------------------------------------------------------------------

    def on_attach(self) -> None:
        from protoboard.ports.sim.network import NetworkState

        assert self.sim is not None
        self._net = NetworkState(self.sim)  # the ESP32's own radio, not the board's wifi
        # The firmware pulls its chip select up; the breakouts pull reset and GPIO0 up.
        self.pin("cs").set_external(True)
        for role in ("reset", "gpio0"):
            if self.is_wired(role):
                self.pin(role).set_external(True)
        super().on_attach()
        if self.is_wired("reset"):
            self.listen("reset", self._reset_changed)
        self._boot()

    def on_detach(self) -> None:
        self._reset_state()
        super().on_detach()

    def _reset_changed(self, pin: Any, level: bool, when: int) -> None:
        if not level:
            with self._lock:
                self._reset_state()
                self.phase = "off"
                self.pin("busy").set_external(True)
                if self.is_wired("gpio0"):
                    self.pin("gpio0").set_external(True)  # the firmware lets go: the pull-up
        elif self.phase == "off":
            self._boot()

    def _reset_state(self) -> None:
        """Power-on state: no network, no sockets."""
        for slot in getattr(self, "_slots", ()):
            self._close_slot(slot)
        self._slots = [_Slot() for _ in range(MAX_SOCKETS)]
        if self._net is not None:
            with self._net.lock:
                self._net.remembered = None
                self._net.static = None
                self._net.dns_override = None
                self._net.drop(errno.ECONNABORTED)
        self._status = WL_IDLE_STATUS
        self._join_done = 0
        self._scan: list[Any] = []
        self._resolved = bytes(4)
        self._hostname = "esp32-arduino"
        self._client_cert = b""
        self._private_key = b""
        self._gpio: dict[int, int] = {}
        self._selected = False
        self._frame = bytearray()
        self._response = b""

    def _boot(self) -> None:
        if self.is_wired("gpio0") and not self.pin("gpio0").level:
            self.phase = "bootloader"
            self._problem(
                "the ESP32 started its ROM bootloader (GPIO0 was low when reset ended): "
                "NINA does not run until the next reset with GPIO0 high"
            )
            self.pin("busy").set_external(True)
            return
        self.phase = "booting"
        self._boot_done = time.monotonic_ns() + int(self.boot_time * 1e9)
        if self.boot_time > 0:
            self.play("busy", [(True, self.boot_time * 1e6)], after=False)
        else:
            self.pin("busy").set_external(False)
        self._irq()

    def _running(self) -> bool:
        if self.phase == "booting" and time.monotonic_ns() >= self._boot_done:
            self.phase = "command"
        return self.phase in ("command", "response")

    # -- the SPI transactions -----------------------------------------------------------------

    def spi_select(self) -> None:
        if not self._running():
            return
        self._selected = True
        self._frame = bytearray()
        self._overflow = 0
        self._sent = 0
        self.pin("busy").set_external(True)  # the firmware's chip-select interrupt

    def spi_transfer(self, data: bytes) -> bytes:
        if not self._selected:
            return b"\xff" * len(data)
        if self.phase == "command":
            room = SPI_BUFFER_LEN - len(self._frame)
            self._frame += data[:room]
            self._overflow += max(0, len(data) - room)
            return bytes(len(data))
        start = self._sent
        self._sent += len(data)
        chunk = self._response[start : start + len(data)]
        return chunk + bytes(len(data) - len(chunk))

    def spi_deselect(self) -> None:
        if not self._selected:
            return
        self._selected = False
        with self._lock:
            if self.phase == "command":
                if not self._frame:
                    pass  # an empty transaction: the firmware waits for the next one
                else:
                    self._response = self._handle(bytes(self._frame))
                    self.phase = "response"
            else:
                self.phase = "command"
            self._irq()
        self.pin("busy").set_external(False)

    def _handle(self, frame: bytes) -> bytes:
        if self._overflow:
            return self._bad(
                frame,
                f"the frame is {len(frame) + self._overflow} bytes, longer than the ESP32's "
                f"{SPI_BUFFER_LEN}-byte SPI buffer",
            )
        try:
            command, params = parse_frame(frame)
        except FrameError as exc:
            return self._bad(frame, str(exc))
        name = COMMAND_NAMES.get(command, "")
        handler = getattr(self, f"_cmd_{name.lower()}", None) if name else None
        if handler is None:
            if command not in self.unknown_commands:
                self._problem(
                    f"command {command:#04x} is not one the NINA firmware knows "
                    f"({len(params)} parameters); answered with the error reply"
                )
            self.unknown_commands[command] += 1
            return ERROR_REPLY
        self.commands[name] += 1
        try:
            result = handler(params)
        except Exception as exc:  # never the program's crash: the firmware's error reply
            self._problem(
                f"{name} with parameters {params!r:.80}: {type(exc).__name__}: {exc}; "
                "answered with the error reply"
            )
            return ERROR_REPLY
        if isinstance(result, bytes):
            return result
        return reply_frame(command, result, wide=command == 0x45)

    def _bad(self, frame: bytes, why: str) -> bytes:
        self.bad_frames += 1
        self._problem(
            f"malformed command frame ({why}): {frame[:16].hex(' ')}"
            f"{' ...' if len(frame) > 16 else ''}; answered with the error reply"
        )
        return ERROR_REPLY

    def _problem(self, text: str) -> None:
        self.problems.append(text)
        log.warning("AirLift part '%s': %s", self.name, text)

    def _irq(self) -> None:
        """The firmware drives GPIO0 high while a socket has data to read."""
        if self.is_wired("gpio0") and self.phase in ("command", "response", "booting"):
            ready = any(s.rx for s in self._slots if s.mode is not None)
            self.pin("gpio0").set_external(ready)

    # -- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _ok(flag: bool = True) -> list[bytes]:
        return [bytes((1 if flag else 0,))]

    def _slot(self, params: list[bytes], index: int = 0) -> _Slot:
        number = self._socket_number(params, index)
        return self._slots[number]

    @staticmethod
    def _socket_number(params: list[bytes], index: int = 0) -> int:
        if len(params) <= index or len(params[index]) != 1:
            raise CommandError("the socket number is missing")
        number = params[index][0]
        if number >= MAX_SOCKETS:
            raise CommandError(f"socket {number} does not exist (the firmware has {MAX_SOCKETS})")
        return number

    def _mac(self) -> bytes:
        if self.mac:
            raw = bytes.fromhex(self.mac.replace(":", "").replace("-", ""))
            if len(raw) == 6:
                return raw
            raise CommandError(f"mac must be six hex bytes like 24:0a:c4:00:00:01, not {self.mac}")
        seed = f"{self.sim.board.board_id if self.sim else ''}/{self.name}"
        return bytes([0x24, 0x0A, 0xC4, *hashlib.sha256(seed.encode()).digest()[:3]])

    def _connected(self) -> bool:
        return self._net.joined is not None and time.monotonic_ns() >= self._join_done

    def _link_bytes(self) -> tuple[bytes, bytes, bytes, bytes]:
        link = self._net.link() if self._connected() else None
        if link is None:
            return bytes(4), bytes(4), bytes(4), bytes(4)
        return tuple(  # type: ignore[return-value]
            socket.inet_aton(a) for a in (link.address, link.netmask, link.gateway, link.dns)
        )

    def _resolve(self, host: str) -> str | None:
        if host.count(".") == 3:
            try:
                return socket.inet_ntoa(socket.inet_aton(host))
            except OSError:
                pass
        if not self._connected() or self._net.joined is None or not self._net.joined.internet:
            return None
        try:
            found = socket.getaddrinfo(host, None, socket.AF_INET, socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            return None
        return str(found[0][4][0])

    # -- the radio ---------------------------------------------------------------------------

    def _join(self, ssid: bytes, password: bytes | None) -> list[bytes]:
        net = self._net
        candidates = [ap for ap in net.in_range() if ap.ssid.encode() == ssid]
        with net.lock:
            net.remembered = None
            net.drop(errno.ECONNABORTED)
        self._join_done = time.monotonic_ns() + int(self.connect_time * 1e9)
        if not candidates:
            self._status = WL_NO_SSID_AVAIL
        elif not candidates[0].accepts(password or b""):
            self._status = WL_CONNECT_FAILED
        else:
            ap = candidates[0]
            with net.lock:
                net.joined = ap
                net.remembered = (ap.ssid, ap.secret)
            self._status = WL_CONNECTED
        return self._ok()

    def _cmd_set_net(self, p: list[bytes]) -> list[bytes]:
        return self._join(p[0], None)

    def _cmd_set_passphrase(self, p: list[bytes]) -> list[bytes]:
        return self._join(p[0], p[1])

    def _cmd_get_conn_status(self, p: list[bytes]) -> list[bytes]:
        if time.monotonic_ns() < self._join_done:
            status = WL_IDLE_STATUS
        elif self._net.joined is not None:
            status = WL_CONNECTED
        elif self._status == WL_CONNECTED:
            status = WL_CONNECTION_LOST  # the access point went away (or its password changed)
        else:
            status = self._status
        return [bytes((status,))]

    def _cmd_disconnect(self, p: list[bytes]) -> list[bytes]:
        with self._net.lock:
            self._net.remembered = None
            self._net.drop(errno.ECONNABORTED)
        self._status = WL_DISCONNECTED
        return self._ok()

    def _cmd_get_ipaddr(self, p: list[bytes]) -> list[bytes]:
        ip, mask, gateway, _dns = self._link_bytes()
        return [ip, mask, gateway]

    def _cmd_get_dns_config(self, p: list[bytes]) -> list[bytes]:
        return [self._link_bytes()[3], bytes(4)]

    def _cmd_get_macaddr(self, p: list[bytes]) -> list[bytes]:
        return [self._mac()[::-1]]  # the firmware's WiFi library gives it last byte first

    def _cmd_get_fw_version(self, p: list[bytes]) -> list[bytes]:
        return [self.firmware.encode() + b"\x00"]

    def _current(self) -> Any:
        return self._net.joined if self._connected() else None

    def _cmd_get_curr_ssid(self, p: list[bytes]) -> list[bytes]:
        ap = self._current()
        return [ap.ssid.encode() if ap else b""]

    def _cmd_get_curr_bssid(self, p: list[bytes]) -> list[bytes]:
        ap = self._current()
        return [ap.bssid_bytes() if ap else bytes(6)]

    def _cmd_get_curr_rssi(self, p: list[bytes]) -> list[bytes]:
        ap = self._current()
        return [struct.pack("<i", ap.rssi if ap else 0)]

    def _cmd_get_curr_enct(self, p: list[bytes]) -> list[bytes]:
        ap = self._current()
        return [bytes((self._encryption(ap) if ap else 255,))]

    @staticmethod
    def _encryption(ap: Any) -> int:
        return ENC_WPA2 if ap.secret else ENC_OPEN

    def _cmd_start_scan_networks(self, p: list[bytes]) -> list[bytes]:
        return self._ok()

    def _cmd_scan_networks(self, p: list[bytes]) -> list[bytes]:
        self._scan = self._net.in_range()
        return [ap.ssid.encode() for ap in self._scan]

    def _scanned(self, p: list[bytes]) -> Any:
        if not p or len(p[0]) != 1:
            raise CommandError("the network's index is missing")
        if p[0][0] >= len(self._scan):
            raise CommandError(f"the last scan found {len(self._scan)} networks, not {p[0][0] + 1}")
        return self._scan[p[0][0]]

    def _cmd_get_idx_rssi(self, p: list[bytes]) -> list[bytes]:
        return [struct.pack("<i", self._scanned(p).rssi)]

    def _cmd_get_idx_enct(self, p: list[bytes]) -> list[bytes]:
        return [bytes((self._encryption(self._scanned(p)),))]

    def _cmd_get_idx_bssid(self, p: list[bytes]) -> list[bytes]:
        return [self._scanned(p).bssid_bytes()]

    def _cmd_get_idx_chan(self, p: list[bytes]) -> list[bytes]:
        return [bytes((self._scanned(p).channel,))]

    def _cmd_set_ip_config(self, p: list[bytes]) -> list[bytes]:
        ip, gateway, mask = (socket.inet_ntoa(x) for x in p[1:4])
        dns = self._net.static[3] if self._net.static else None
        self._net.static = (ip, mask, gateway, dns)
        return self._ok()

    def _cmd_set_dns_config(self, p: list[bytes]) -> list[bytes]:
        self._net.dns_override = socket.inet_ntoa(p[1])
        return self._ok()

    def _cmd_set_hostname(self, p: list[bytes]) -> list[bytes]:
        self._hostname = p[0].decode("utf-8", "replace")
        return self._ok()

    def _cmd_set_power_mode(self, p: list[bytes]) -> list[bytes]:
        return self._ok()

    def _cmd_set_debug(self, p: list[bytes]) -> list[bytes]:
        return self._ok()

    def _cmd_get_reason_code(self, p: list[bytes]) -> list[bytes]:
        reasons = {WL_NO_SSID_AVAIL: 201, WL_CONNECT_FAILED: 15}  # NO_AP_FOUND, 4WAY_HANDSHAKE
        return [bytes((reasons.get(self._status, 1),))]

    def _cmd_get_temperature(self, p: list[bytes]) -> list[bytes]:
        temperature = self.sim.cpu_temperature if self.sim else None
        return [struct.pack("<f", 40.0 if temperature is None else temperature + 15.0)]

    def _not_simulated(self, what: str) -> list[bytes]:
        self._problem(f"{what} is not simulated; the command answers 'failed'")
        return self._ok(False)

    def _cmd_set_ap_net(self, p: list[bytes]) -> list[bytes]:
        return self._not_simulated("access point mode (the ESP32 as a hotspot)")

    def _cmd_set_ap_passphrase(self, p: list[bytes]) -> list[bytes]:
        return self._not_simulated("access point mode (the ESP32 as a hotspot)")

    def _cmd_set_ent_ident(self, p: list[bytes]) -> list[bytes]:
        return self._ok()

    _cmd_set_ent_uname = _cmd_set_ent_ident
    _cmd_set_ent_passwd = _cmd_set_ent_ident

    def _cmd_set_ent_enable(self, p: list[bytes]) -> list[bytes]:
        return self._not_simulated("WPA2 Enterprise")

    def _cmd_set_cli_cert(self, p: list[bytes]) -> list[bytes]:
        self._client_cert = p[0]
        return self._ok()

    def _cmd_set_pk(self, p: list[bytes]) -> list[bytes]:
        self._private_key = p[0]
        return self._ok()

    def _cmd_get_time(self, p: list[bytes]) -> list[bytes]:
        ap = self._current()
        synced = ap is not None and ap.internet
        return [struct.pack("<q", int(time.time()) if synced else 0)]

    def _cmd_ping(self, p: list[bytes]) -> list[bytes]:
        address = socket.inet_ntoa(p[0])
        ap = self._current()
        if ap is None or not self._net.reachable(address):
            time.sleep(5.0)  # the firmware's ping waits 5 s for an answer
            return [struct.pack("<h", -1)]
        time.sleep(ap.latency)
        return [struct.pack("<h", max(1, round(ap.latency * 1000)))]

    # -- GPIO of the ESP32 (adafruit_esp32spi.digitalio / PWMOut) --------------------------------

    def _cmd_set_pin_mode(self, p: list[bytes]) -> list[bytes]:
        self._gpio.setdefault(p[0][0], 0)
        return self._ok()

    def _cmd_set_digital_write(self, p: list[bytes]) -> list[bytes]:
        self._gpio[p[0][0]] = 255 if p[1][0] else 0
        return self._ok()

    def _cmd_set_analog_write(self, p: list[bytes]) -> list[bytes]:
        self._gpio[p[0][0]] = p[1][0]
        return self._ok()

    def _cmd_get_digital_read(self, p: list[bytes]) -> list[bytes]:
        return self._ok(self._gpio.get(p[0][0], 0) >= 128)

    def _cmd_get_analog_read(self, p: list[bytes]) -> list[bytes]:
        return [struct.pack("<i", self._gpio.get(p[0][0], 0) * 16)]

    @property
    def gpio(self) -> dict[int, int]:
        """The ESP32's own pins the program set, 0-255 (the AirLift's RGB LED is on 25-27)."""
        return dict(self._gpio)

    # -- names -------------------------------------------------------------------------------

    def _cmd_req_host_by_name(self, p: list[bytes]) -> list[bytes]:
        found = self._resolve(p[0].decode("utf-8", "replace"))
        if found is None:
            return self._ok(False)
        self._resolved = socket.inet_aton(found)
        return self._ok()

    def _cmd_get_host_by_name(self, p: list[bytes]) -> list[bytes]:
        return [self._resolved]

    # -- sockets -----------------------------------------------------------------------------

    def _cmd_get_socket(self, p: list[bytes]) -> list[bytes]:
        for number, slot in enumerate(self._slots):
            if slot.mode is None:
                slot.was_connected = False
                return [bytes((number,))]
        return [bytes((NO_SOCKET,))]

    def _close_slot(self, slot: _Slot) -> None:
        for sock in (slot.sock, slot.server):
            if sock is not None:
                if self._net is not None:
                    self._net.forget(sock)
                try:
                    sock.close()
                except OSError:
                    pass
        slot.__init__()  # type: ignore[misc]

    def _cmd_start_client_tcp(self, p: list[bytes]) -> list[bytes]:
        if len(p) == 5:
            host = p[0].decode("utf-8", "replace")
            address = self._resolve(host) if host else socket.inet_ntoa(p[1])
            port_raw, number, mode_raw = p[2], self._socket_number(p, 3), p[4]
        elif len(p) == 4:
            host = ""
            address = socket.inet_ntoa(p[0])
            port_raw, number, mode_raw = p[1], self._socket_number(p, 2), p[3]
        else:
            raise CommandError(f"START_CLIENT_TCP takes 4 or 5 parameters, not {len(p)}")
        port = struct.unpack(">H", port_raw)[0]
        mode = mode_raw[0]
        slot = self._slots[number]
        if mode == UDP_MODE:
            if address is None:
                return []
            if slot.mode != UDP_MODE:
                self._close_slot(slot)
            slot.mode, slot.dest, slot.tx = UDP_MODE, (address, port), bytearray()
            return self._ok()
        if mode not in (TCP_MODE, TLS_MODE):
            raise CommandError(f"connection mode {mode} is not TCP (0), UDP (1) or TLS (2)")
        self._close_slot(slot)
        sock = self._open(host, address, port, mode == TLS_MODE)
        if sock is None:
            return []  # the firmware's "could not connect": no parameters
        slot.mode, slot.sock, slot.was_connected = mode, sock, True
        return self._ok()

    def _open(self, host: str, address: str | None, port: int, tls: bool) -> Any:
        where = f"{host or address}:{port}"
        if address is None or not self._connected():
            self._problem(f"could not connect to {where}: no network or the name is unknown")
            return None
        if not self._net.reachable(address):
            self._problem(f"could not connect to {where}: the network has no route there")
            return None
        try:
            sock = socket.create_connection((address, port), timeout=3.0)
        except OSError as exc:
            self._problem(f"could not connect to {where}: {exc.strerror or exc}")
            return None
        if tls:
            try:
                sock = self._tls_context().wrap_socket(sock, server_hostname=host or address)
            except (OSError, ValueError) as exc:
                sock.close()
                self._problem(f"TLS to {where} failed: {exc}")
                return None
        sock.settimeout(0)
        self._net.track(sock)
        return sock

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.ca_file:
            context.load_verify_locations(cafile=self.ca_file)
        if self.ca_data:
            context.load_verify_locations(cadata=self.ca_data)
        if self._client_cert and self._private_key:
            self._problem("client certificates are stored but not presented by the simulation")
        return context

    def _pump(self, slot: _Slot) -> None:
        """Take what the network delivered into the socket's buffer (bounded)."""
        sock = slot.sock
        if sock is None or slot.eof:
            return
        if self._net.lost.get(sock) is not None:
            slot.eof = True
            return
        while len(slot.rx) < RX_LIMIT:
            try:
                chunk = sock.recv(RX_LIMIT - len(slot.rx))
            except (BlockingIOError, InterruptedError, ssl.SSLWantReadError, ssl.SSLWantWriteError):
                return
            except (OSError, ValueError):
                slot.eof = True
                return
            if not chunk:
                slot.eof = True
                return
            slot.rx += chunk

    def _udp_socket(self, slot: _Slot, port: int = 0) -> socket.socket:
        if slot.sock is None:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind(("0.0.0.0", port))
            except OSError:
                # a port below 1024 or one in use on your computer: any free one will do
                sock.bind(("0.0.0.0", 0))
            sock.setblocking(False)
            self._net.track(sock)
            slot.sock = sock
        return slot.sock

    def _cmd_start_server_tcp(self, p: list[bytes]) -> list[bytes]:
        if len(p) == 4:
            p = p[1:]  # a multicast group address first
        port = struct.unpack(">H", p[0])[0]
        number, mode = self._socket_number(p, 1), p[2][0]
        slot = self._slots[number]
        if mode == UDP_MODE:
            if slot.sock is not None:
                self._net.forget(slot.sock)
                slot.sock.close()
                slot.sock = None
            self._udp_socket(slot, port)
            slot.mode = UDP_MODE
            return self._ok()
        if mode != TCP_MODE or not self._connected():
            return self._ok(False)
        self._close_slot(slot)
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            server.bind(("0.0.0.0", port))
            server.listen(5)
        except OSError as exc:
            server.close()
            self._problem(f"could not listen on port {port} of your computer: {exc.strerror}")
            return self._ok(False)
        server.setblocking(False)
        slot.mode, slot.server = TCP_MODE, server
        return self._ok()

    def _cmd_get_state_tcp(self, p: list[bytes]) -> list[bytes]:
        return self._ok(self._slot(p).server is not None)

    def _accept(self, number: int) -> int:
        server = self._slots[number].server
        assert server is not None
        try:
            client, _peer = server.accept()
        except (BlockingIOError, OSError):
            return NO_SOCKET
        for other, slot in enumerate(self._slots):
            if other != number and slot.mode is None:
                client.setblocking(False)
                self._net.track(client)
                slot.mode, slot.sock, slot.was_connected = TCP_MODE, client, True
                return other
        client.close()  # no free slot: the firmware drops the client
        return NO_SOCKET

    def _cmd_avail_data_tcp(self, p: list[bytes]) -> list[bytes]:
        number = self._socket_number(p)
        slot = self._slots[number]
        if slot.server is not None:
            return [struct.pack("<H", self._accept(number))]
        if slot.mode == UDP_MODE:
            return [struct.pack("<H", self._udp_available(slot))]
        if slot.mode is None:
            return [struct.pack("<H", 0)]
        self._pump(slot)
        return [struct.pack("<H", min(len(slot.rx), 0xFFFF))]

    def _udp_available(self, slot: _Slot) -> int:
        if not slot.rx and slot.sock is not None:
            try:
                data, peer = slot.sock.recvfrom(65536)
            except (BlockingIOError, OSError):
                return 0
            slot.rx, slot.remote = bytearray(data), (peer[0], peer[1])
        return len(slot.rx)

    def _take(self, slot: _Slot, count: int) -> bytes:
        if slot.mode == UDP_MODE:
            self._udp_available(slot)
        elif slot.mode is not None:
            self._pump(slot)
        data = bytes(slot.rx[:count])
        del slot.rx[:count]
        return data

    def _cmd_get_data_tcp(self, p: list[bytes]) -> list[bytes]:
        slot = self._slot(p)
        peek = len(p) > 1 and p[1][:1] == b"\x01"
        if peek:
            self._pump(slot)
            return [bytes(slot.rx[:1]) or b"\xff"]
        return [self._take(slot, 1) or b"\xff"]

    def _cmd_get_databuf_tcp(self, p: list[bytes]) -> list[bytes]:
        slot = self._slot(p)
        if len(p) < 2 or len(p[1]) != 2:
            raise CommandError("the length to read is missing")
        count = min(struct.unpack("<H", p[1])[0], SPI_BUFFER_LEN - 8)
        return [self._take(slot, count)]

    def _cmd_send_data_tcp(self, p: list[bytes]) -> list[bytes]:
        slot = self._slot(p)
        data = p[1] if len(p) > 1 else b""
        written = 0
        if slot.mode in (TCP_MODE, TLS_MODE) and slot.sock is not None:
            sock = slot.sock
            try:
                sock.settimeout(3.0)
                sock.sendall(data)
                written = len(data)
            except (OSError, ValueError):
                slot.eof = True
            finally:
                try:
                    sock.settimeout(0)
                except OSError:
                    pass
        return [struct.pack("<H", written)]

    def _cmd_data_sent_tcp(self, p: list[bytes]) -> list[bytes]:
        return self._ok()

    def _cmd_insert_databuf(self, p: list[bytes]) -> list[bytes]:
        slot = self._slot(p)
        data = p[1] if len(p) > 1 else b""
        if slot.mode != UDP_MODE or slot.dest is None:
            return self._ok(False)
        room = UDP_BUFFER - len(slot.tx)
        slot.tx += data[:room]
        return self._ok(room > 0 and bool(data))

    def _cmd_send_udp_data(self, p: list[bytes]) -> list[bytes]:
        slot = self._slot(p)
        if slot.mode != UDP_MODE or slot.dest is None:
            return self._ok(False)
        packet, slot.tx = bytes(slot.tx), bytearray()
        if not self._connected() or not self._net.reachable(slot.dest[0]):
            return self._ok(False)
        try:
            self._udp_socket(slot).sendto(packet, slot.dest)
        except OSError as exc:
            self._problem(f"UDP to {slot.dest[0]}:{slot.dest[1]} failed: {exc.strerror}")
            return self._ok(False)
        return self._ok()

    def _cmd_get_remote_data(self, p: list[bytes]) -> list[bytes]:
        slot = self._slot(p)
        address, port = slot.remote
        if slot.mode in (TCP_MODE, TLS_MODE) and slot.sock is not None:
            try:
                address, port = slot.sock.getpeername()[:2]
            except OSError:
                pass
        return [socket.inet_aton(address), struct.pack(">H", port)]

    def _cmd_stop_client_tcp(self, p: list[bytes]) -> list[bytes]:
        self._close_slot(self._slot(p))
        return self._ok()

    def _cmd_get_client_state_tcp(self, p: list[bytes]) -> list[bytes]:
        slot = self._slot(p)
        if slot.mode in (TCP_MODE, TLS_MODE) and slot.sock is not None:
            self._pump(slot)
            if not slot.eof:
                return [bytes((SOCKET_ESTABLISHED,))]
        if slot.was_connected:
            # the firmware frees a slot whose connection ended (what was unread goes with it)
            self._close_slot(slot)
        return [bytes((SOCKET_CLOSED,))]

    # -- for tests and ``protoboard sim`` ---------------------------------------------------------

    @property
    def status(self) -> int:
        """The connection status the firmware reports (3: connected)."""
        return self._cmd_get_conn_status([])[0][0]

    @property
    def open_sockets(self) -> int:
        """How many of the firmware's socket slots are in use."""
        return sum(1 for slot in self._slots if slot.mode is not None)
