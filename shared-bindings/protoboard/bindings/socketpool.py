"""
The `socketpool` module provides sockets through a pool. The pools themselves
act like CPython's `socket` module.

For more information about the `socket` module, see the CPython documentation:
https://docs.python.org/3/library/socket.html

On the simulated board the sockets are your computer's, allowed out while the simulated world
has a network (a joined access point with the internet behind it). Errors are CircuitPython's:
``OSError`` with the errno number and name (``[Errno 111] ECONNREFUSED``),
``socketpool.SocketPool.gaierror`` for a name that does not resolve.
"""

from __future__ import annotations

import errno
import socket as _host
import ssl as _hostssl
from typing import Any

from protoboard.bindings import _enum, _errors, _validate
from protoboard.hal import errors as _hal_errors
from protoboard.hal import socketpool as hal

#: CircuitPython's constants (lwIP's values, shared-bindings/socketpool/enum.h)
_AF_INET = 2
_AF_INET6 = 10
_SOCK_STREAM = 1
_SOCK_DGRAM = 2
_SOCK_RAW = 3
_EAI_NONAME = -2
_SOL_SOCKET = 0xFFF
_SO_REUSEADDR = 0x0004
_TCP_NODELAY = 1
_IPPROTO_IP = 0
_IPPROTO_ICMP = 1
_IPPROTO_TCP = 6
_IPPROTO_UDP = 17
_IPPROTO_IPV6 = 41
_IPPROTO_RAW = 255
_IP_MULTICAST_TTL = 5

_NAME_NOT_KNOWN = "Name or service not known"
_PORT_NEGATIVE = "port must be >= 0"
_BUFFER_TOO_SMALL = "buffer too small for requested bytes"
#: (level, option) as lwIP numbers them -> the host's
_OPTIONS = {
    (_SOL_SOCKET, _SO_REUSEADDR): (_host.SOL_SOCKET, _host.SO_REUSEADDR),
    (_IPPROTO_TCP, _TCP_NODELAY): (_host.IPPROTO_TCP, _host.TCP_NODELAY),
    (_IPPROTO_IP, _IP_MULTICAST_TTL): (_host.IPPROTO_IP, _host.IP_MULTICAST_TTL),
}
_KINDS = {_SOCK_STREAM: _host.SOCK_STREAM, _SOCK_DGRAM: _host.SOCK_DGRAM}


def _os_error(code: int) -> OSError:
    """``mp_raise_OSError(code)``: printed as ``[Errno 111] ECONNREFUSED`` on a board."""
    return OSError(code, errno.errorcode.get(code, str(code)))


#: mbedTLS's error numbers and texts CircuitPython raises (shared-module/ssl/SSLSocket.c)
_CERT_VERIFY_FAILED = -0x2700
_CERT_VERIFY_FAILED_TEXT = (
    "X509 - Certificate verification failed, e.g. CRL, CA or signature check failed"
)
_FATAL_ALERT = -0x7780
_FATAL_ALERT_TEXT = "SSL - A fatal alert message was received from our peer"
#: mbedtls_x509_crt_verify_info's words for the verify flags, keyed by OpenSSL's verify codes
_VERIFY_INFO = {
    9: "The certificate validity starts in the future",
    10: "The certificate validity has expired",
    18: "The certificate is not correctly signed by the trusted CA",
    19: "The certificate is not correctly signed by the trusted CA",
    20: "The certificate is not correctly signed by the trusted CA",
    21: "The certificate is not correctly signed by the trusted CA",
    62: "The certificate Common Name (CN) does not match with the expected CN",
}


def _tls_error(exc: _hostssl.SSLError) -> OSError:
    """A host TLS failure as CircuitPython's ``mbedtls_raise_error`` reports it."""
    if isinstance(exc, _hostssl.SSLCertVerificationError):
        detail = _VERIFY_INFO.get(exc.verify_code or 0)
        text = _CERT_VERIFY_FAILED_TEXT + (f"; {detail}" if detail else "")
        return OSError(_CERT_VERIFY_FAILED, text)
    if isinstance(exc, _hostssl.SSLWantReadError | _hostssl.SSLWantWriteError):
        return _os_error(errno.EWOULDBLOCK)
    return OSError(_FATAL_ALERT, _FATAL_ALERT_TEXT)


def _host_error(exc: OSError) -> OSError:
    """A host socket (or TLS) failure as CircuitPython reports it."""
    if isinstance(exc, _hostssl.SSLError):  # an OSError too, with OpenSSL's numbers
        return _tls_error(exc)
    if isinstance(exc, TimeoutError | _host.timeout):
        return _os_error(errno.ETIMEDOUT)
    if isinstance(exc, BlockingIOError):
        return _os_error(errno.EAGAIN)
    if isinstance(exc, BrokenPipeError):
        return BrokenPipeError()
    return _os_error(exc.errno or errno.EIO)


def _address(address: Any) -> tuple[str, int]:
    """``mp_obj_get_array_fixed_n(address, 2)`` + the port check."""
    try:
        items = tuple(address)
    except TypeError:
        raise TypeError(f"object '{_validate.type_name(address)}' isn't a tuple or list") from None
    if len(items) != 2:
        raise ValueError(f"requested length 2 but object has length {len(items)}")
    host, port = items
    if not isinstance(host, str):
        raise TypeError(f"can't convert '{_validate.type_name(host)}' object to str implicitly")
    number = _validate.to_int(port, "port")
    if number < 0:
        raise ValueError(_PORT_NEGATIVE)
    return host, number


class Socket:
    """TCP, UDP and RAW socket. Cannot be created directly. Instead, call
    `SocketPool.socket()`.

    Provides a subset of CPython's `socket.socket` API. It only implements the versions of
    recv that do not allocate bytes objects."""

    __slots__ = ("__weakref__", "_connected", "_pool", "_sock", "_timeout", "_type")
    _pool: SocketPool
    _sock: _host.socket | None
    _type: int
    _timeout: float | None
    _connected: bool

    def __new__(cls, *args: Any, **kwargs: Any) -> Socket:
        raise _validate.cannot_create("socketpool.Socket")

    @classmethod
    def _wrap(cls, pool: SocketPool, sock: _host.socket, kind: int, connected: bool) -> Socket:
        made = object.__new__(cls)
        made._pool = pool
        made._sock = sock
        made._type = kind
        made._timeout = None
        made._connected = connected
        sock.settimeout(None)
        return made

    def __hash__(self) -> int:
        """Returns a hash for the Socket."""
        return id(self) >> 4

    def __enter__(self) -> Socket:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *args: object) -> None:
        """Automatically closes the Socket when exiting a context."""
        self.close()

    def __repr__(self) -> str:
        return f"<Socket {'closed' if self._sock is None else 'open'}>"

    # -- plumbing -----------------------------------------------------------------------------

    def _live(self) -> _host.socket:
        """The host socket, or CircuitPython's error for a closed or lost one."""
        sock = self._sock
        if sock is None:
            raise _os_error(errno.EBADF)
        code = self._pool._impl.lost(sock)
        if code is not None:
            raise _os_error(code)
        return sock

    def _failed(self, exc: OSError) -> OSError:
        """A host error, unless the world took the network away meanwhile (that wins)."""
        sock = self._sock
        code = None if sock is None else self._pool._impl.lost(sock)
        return _os_error(code) if code is not None else _host_error(exc)

    def _resolve(self, host: str, port: int) -> tuple[str, int]:
        address = self._pool._lookup(host)
        try:
            self._pool._impl.check_route(address)
        except hal.Unreachable as exc:
            raise _os_error(exc.errno) from None
        return address, port

    # -- the API ------------------------------------------------------------------------------

    def accept(self) -> tuple[Socket, tuple[str, int]]:
        """Accept a connection on a listening socket of type SOCK_STREAM,
        creating a new socket of type SOCK_STREAM.
        Returns a tuple of (new_socket, remote_address)"""
        sock = self._live()
        try:
            client, peer = sock.accept()
        except OSError as exc:
            raise self._failed(exc) from None
        self._pool._adopt(client)
        accepted = Socket._wrap(self._pool, client, self._type, True)
        return accepted, (str(peer[0]), int(peer[1]))

    def bind(self, address: tuple[str, int]) -> None:
        """Bind a socket to an address

        :param ~tuple address: tuple of (remote_address, remote_port)"""
        host, port = _address(address)
        sock = self._live()
        try:
            sock.setsockopt(_host.SOL_SOCKET, _host.SO_REUSEADDR, 1)  # lwIP has SO_REUSE on
            sock.bind((host or "0.0.0.0", port))
        except OSError as exc:
            raise self._failed(exc) from None

    def close(self) -> None:
        """Closes this Socket and makes its resources available to its SocketPool."""
        sock, self._sock = self._sock, None
        if sock is not None:
            self._pool._impl.close(sock)
            sock.close()
        self._connected = False

    def connect(self, address: tuple[str, int]) -> None:
        """Connect a socket to a remote address

        :param ~tuple address: tuple of (remote_address, remote_port)"""
        host, port = _address(address)
        sock = self._live()
        target = self._resolve(host, port)
        try:
            sock.connect(target)
        except OSError as exc:
            raise self._failed(exc) from None
        self._connected = True

    def listen(self, backlog: int) -> None:
        """Set socket to listen for incoming connections

        :param ~int backlog: length of backlog queue for waiting connections"""
        count = _validate.to_int(backlog, "backlog")
        sock = self._live()
        try:
            sock.listen(max(count, 0))
        except OSError as exc:
            raise self._failed(exc) from None

    def recvfrom_into(self, buffer: Any) -> tuple[int, tuple[str, int]]:
        """Reads some bytes from a remote address.

        Returns a tuple containing
        * the number of bytes received into the given buffer
        * a remote_address, which is a tuple of ip address and port number

        :param object buffer: buffer to read into"""
        view = _validate.buffer_slice(buffer, 0, _validate.MAXSIZE, writable=True)
        sock = self._live()
        try:
            count, peer = sock.recvfrom_into(view)
        except OSError as exc:
            raise self._failed(exc) from None
        self._live()
        return count, (str(peer[0]), int(peer[1]))

    def recv_into(self, buffer: Any, bufsize: int = 0) -> int:
        """Reads some bytes from the connected remote address, writing
        into the provided buffer. If bufsize <= len(buffer) is given,
        a maximum of bufsize bytes will be read into the buffer. If no
        valid value is given for bufsize, the default is the length of
        the given buffer.

        Suits sockets of type SOCK_STREAM
        Returns an int of number of bytes read.

        :param bytearray buffer: buffer to receive into
        :param int bufsize: optionally, a maximum number of bytes to read."""
        view = _validate.buffer_slice(buffer, 0, _validate.MAXSIZE, writable=True)
        size = _validate.to_int(bufsize, "bufsize")
        if size > len(view):
            raise ValueError(_BUFFER_TOO_SMALL)
        if size <= 0:
            size = len(view)
        sock = self._live()
        try:
            count = sock.recv_into(view, size)
        except OSError as exc:
            raise self._failed(exc) from None
        self._live()  # a shutdown by the world reads as the end of the stream: not here
        if count == 0 and self._timeout == 0:
            self._connected = False
            raise _os_error(errno.ENOTCONN)
        return count

    def send(self, bytes: Any) -> int:
        """Send some bytes to the connected remote address.
        Suits sockets of type SOCK_STREAM

        :param ~bytes bytes: some bytes to send"""
        sock = self._live()
        if not self._connected:
            raise BrokenPipeError()
        data = _validate.buffer_slice(bytes, 0, _validate.MAXSIZE)
        try:
            return sock.send(data)
        except OSError as exc:
            raise self._failed(exc) from None

    def sendall(self, bytes: Any) -> None:
        """Send some bytes to the connected remote address.
        Suits sockets of type SOCK_STREAM

        This calls send() repeatedly until all the data is sent or an error
        occurs. If an error occurs, it's impossible to tell how much data
        has been sent.

        :param ~bytes bytes: some bytes to send"""
        sock = self._live()
        if not self._connected:
            raise BrokenPipeError()
        data = _validate.buffer_slice(bytes, 0, _validate.MAXSIZE)
        while len(data):
            try:
                sent = sock.send(data)
            except OSError as exc:
                raise self._failed(exc) from None
            if sent <= 0:
                raise BrokenPipeError()
            data = data[sent:]

    def sendto(self, bytes: Any, address: tuple[str, int]) -> int:
        """Send some bytes to a specific address.
        Suits sockets of type SOCK_DGRAM

        :param ~bytes bytes: some bytes to send
        :param ~tuple address: tuple of (remote_address, remote_port)"""
        data = _validate.buffer_slice(bytes, 0, _validate.MAXSIZE)
        host, port = _address(address)
        sock = self._live()
        target = self._resolve(host, port)
        try:
            return sock.sendto(data, target)
        except OSError:
            raise BrokenPipeError() from None

    def setblocking(self, flag: bool) -> int | None:
        """Set the blocking behaviour of this socket.

        :param ~bool flag: False means non-blocking, True means block indefinitely."""
        self.settimeout(None if flag else 0)
        return None

    def setsockopt(self, level: int, optname: int, value: Any) -> None:
        """Sets socket options"""
        key = (_validate.to_int(level, "level"), _validate.to_int(optname, "optname"))
        if isinstance(value, int):
            setting: int | bytes = int(value)
        else:
            setting = bytes(_validate.buffer_slice(value, 0, _validate.MAXSIZE))
        sock = self._live()
        host_key = _OPTIONS.get(key)
        if host_key is None:
            raise _os_error(errno.ENOPROTOOPT)
        try:
            sock.setsockopt(*host_key, setting)
        except OSError as exc:
            raise self._failed(exc) from None

    def settimeout(self, value: int | float | None) -> None:
        """Set the timeout value for this socket.

        :param ~int value: timeout in seconds.  0 means non-blocking.  None means block
            indefinitely."""
        if value is None:
            timeout = None
        else:
            seconds = _validate.to_float(value, "value")
            # CircuitPython keeps milliseconds: a negative value blocks, as None does
            timeout = None if seconds < 0 else int(seconds * 1000) / 1000
        self._timeout = timeout
        if self._sock is not None:
            self._sock.settimeout(timeout)

    @property
    def type(self) -> int:
        """Read-only access to the socket type"""
        return self._type


class SocketPool:
    """A pool of socket resources available for the given radio. Only one
    SocketPool can be created for each radio.

    SocketPool should be used in place of CPython's socket which provides
    a pool of sockets provided by the underlying OS.
    """

    __slots__ = ("_impl",)
    _impl: hal.SocketPool

    AF_INET = _AF_INET
    AF_INET6 = _AF_INET6
    SOCK_STREAM = _SOCK_STREAM
    SOCK_DGRAM = _SOCK_DGRAM
    SOCK_RAW = _SOCK_RAW
    EAI_NONAME = _EAI_NONAME
    SOL_SOCKET = _SOL_SOCKET
    SO_REUSEADDR = _SO_REUSEADDR
    TCP_NODELAY = _TCP_NODELAY
    IPPROTO_IP = _IPPROTO_IP
    IPPROTO_ICMP = _IPPROTO_ICMP
    IPPROTO_TCP = _IPPROTO_TCP
    IPPROTO_UDP = _IPPROTO_UDP
    IPPROTO_IPV6 = _IPPROTO_IPV6
    IPPROTO_RAW = _IPPROTO_RAW
    IP_MULTICAST_TTL = _IP_MULTICAST_TTL

    class gaierror(OSError):  # noqa: N801 (CircuitPython's name)
        """Errors raised by getaddrinfo"""

    def __init__(self, radio: Any) -> None:
        """Create a new SocketPool object for the provided radio

        :param radio: The (connected) network interface to associate with this
            SocketPool, such as :py:attr:`wifi.radio` or :py:attr:`board.NETWORK`.
        """
        from protoboard.bindings.wifi import _board_radio

        if radio is not _board_radio():
            raise ValueError("SocketPool can only be used with wifi.radio")
        self._impl = _pool_impl()

    def socket(
        self, family: int = AF_INET, type: int = SOCK_STREAM, proto: int = IPPROTO_IP
    ) -> Socket:
        """Create a new socket

        :param ~int family: AF_INET or AF_INET6
        :param ~int type: SOCK_STREAM, SOCK_DGRAM or SOCK_RAW
        :param ~int proto: IPPROTO_IP, IPPROTO_ICMP, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_IPV6or
            IPPROTO_RAW. Only works with SOCK_RAW

        The ``fileno`` argument available in ``socket.socket()``
        in CPython is not supported.
        """
        family = _validate.to_int(family, "family")
        kind = _validate.to_int(type, "type")
        _validate.to_int(proto, "proto")
        if family != _AF_INET:
            raise NotImplementedError("Unsupported socket type")
        if kind not in _KINDS:
            raise NotImplementedError("Unsupported socket type")
        with _errors.translate():
            sock = self._impl.open(_host.AF_INET, _KINDS[kind], 0)
        return Socket._wrap(self, sock, kind, False)

    def getaddrinfo(
        self,
        host: str,
        port: int,
        family: int = 0,
        type: int = 0,
        proto: int = 0,
        flags: int = 0,
    ) -> list[tuple[int, int, int, str, tuple[str, int]]]:
        """Gets the address information for a hostname and port

        Returns the appropriate family, socket type, socket protocol and
        address information to call socket.socket() and socket.connect() with,
        as a tuple."""
        if not isinstance(host, str):
            raise TypeError(f"can't convert '{_validate.type_name(host)}' object to str implicitly")
        number = _validate.to_int(port, "port")
        kind = _validate.to_int(type, "type")
        protocol = _validate.to_int(proto, "proto")
        _validate.to_int(family, "family")
        _validate.to_int(flags, "flags")
        address = self._lookup(host)
        return [(_AF_INET, kind, protocol, "", (address, number))]

    def _lookup(self, host: str) -> str:
        try:
            return self._impl.resolve(host)
        except hal.NameNotFound:
            raise SocketPool.gaierror(_EAI_NONAME, _NAME_NOT_KNOWN) from None
        except _hal_errors.HalError as exc:
            raise _errors.convert(exc) from None

    def _adopt(self, sock: _host.socket) -> None:
        """An accepted connection: the port tracks it like the sockets it opened."""
        self._impl.adopt(sock)


def _pool_impl() -> hal.SocketPool:
    from protoboard.machine import current

    machine = current()
    found = machine.singletons.get("socketpool")
    if not isinstance(found, hal.SocketPool):
        with _errors.translate():
            found = machine.create(hal.SocketPool)
        machine.singletons["socketpool"] = found
    return found


SocketPool.gaierror.__module__ = "socketpool"
SocketPool.gaierror.__qualname__ = "SocketPool.gaierror"
_enum.publish("socketpool", Socket, SocketPool)
