"""
The `ssl` module provides SSL contexts to wrap sockets in.

On the simulated board TLS is your computer's (Python's ``ssl`` on OpenSSL) behind
CircuitPython's API: the default context trusts your computer's certificate authorities,
``load_verify_locations(cadata=...)`` replaces them with the one you give (as on a board), and a
failed handshake raises CircuitPython's ``OSError`` (mbedTLS's number and text).
"""

from __future__ import annotations

import os
import ssl as _hostssl
import tempfile
from typing import Any

from protoboard.bindings import _enum, _validate
from protoboard.bindings.socketpool import Socket, _host_error, _os_error


def _tls_error(exc: Exception) -> Exception:
    """A failure while wrapping or shaking hands, as CircuitPython reports it."""
    if isinstance(exc, OSError):
        return _host_error(exc)
    return exc


def _read_file(name: Any) -> bytes:
    """``get_file_contents``: open(name, "rb").read() (a drive path on the board)."""
    with open(name, "rb") as file:
        return bytes(file.read())


class SSLSocket:
    """Implements TLS security on a subset of `socketpool.Socket` functions. Cannot be created
    directly. Instead, call `wrap_socket` on an existing socket object."""

    __slots__ = ("_context", "_hostname", "_server_side", "_socket")
    _socket: Socket
    _context: SSLContext
    _hostname: str | None
    _server_side: bool

    def __new__(cls, *args: Any, **kwargs: Any) -> SSLSocket:
        raise _validate.cannot_create("ssl.SSLSocket")

    def __hash__(self) -> int:
        """Returns a hash for the Socket."""
        return id(self) >> 4

    def __enter__(self) -> SSLSocket:
        """No-op used by Context Managers."""
        return self

    def __exit__(self, *args: object) -> None:
        """Automatically closes the Socket when exiting a context."""
        self.close()

    def _handshake(self, raw: Socket) -> None:
        """Wrap ``raw``'s host socket in TLS and shake hands; the pool then tracks the
        wrapped one (``wrap_socket`` takes over the file descriptor)."""
        plain = raw._live()
        pool = raw._pool._impl
        context = self._context._server if self._server_side else self._context._host
        if context is None:  # a server with no certificate: the handshake cannot succeed
            raw.close()
            raise _tls_error(_hostssl.SSLError("no certificate"))
        try:
            wrapped = context.wrap_socket(
                plain,
                server_side=self._server_side,
                server_hostname=self._hostname,
                do_handshake_on_connect=False,
            )
        except (OSError, ValueError) as exc:
            raise _tls_error(exc) from None
        pool.close(plain)
        pool.adopt(wrapped)
        raw._sock = wrapped
        try:
            wrapped.do_handshake()
        except Exception as exc:
            lost = pool.lost(wrapped)
            raw.close()
            raise (_os_error(lost) if lost is not None else _tls_error(exc)) from None

    def accept(self) -> tuple[SSLSocket, tuple[str, int]]:
        """Accept a connection on a listening socket of type SOCK_STREAM,
        creating a new socket of type SOCK_STREAM.
        Returns a tuple of (new_socket, remote_address)"""
        client, peer = self._socket.accept()
        accepted = self._context._wrap(client, True, None)
        accepted._handshake(client)
        return accepted, peer

    def bind(self, address: tuple[str, int]) -> None:
        """Bind a socket to an address

        :param address: tuple of (remote_address, remote_port)
        :type address: tuple"""
        self._socket.bind(address)

    def close(self) -> None:
        """Closes this Socket"""
        self._socket.close()

    def connect(self, address: tuple[str, int]) -> None:
        """Connect a socket to a remote address

        :param address: tuple of (remote_address, remote_port)
        :type address: tuple"""
        self._socket.connect(address)
        self._handshake(self._socket)

    def listen(self, backlog: int) -> None:
        """Set socket to listen for incoming connections

        :param ~int backlog: length of backlog queue for waiting connetions"""
        self._socket.listen(backlog)

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
        return self._socket.recv_into(buffer, bufsize)  # TLS errors mapped there

    def send(self, bytes: Any) -> int:
        """Send some bytes to the connected remote address.
        Suits sockets of type SOCK_STREAM

        :param ~bytes bytes: some bytes to send"""
        return self._socket.send(bytes)

    def setsockopt(self, level: int, optname: int, value: Any) -> None:
        """Sets socket options"""
        self._socket.setsockopt(level, optname, value)

    def settimeout(self, value: int | float | None) -> None:
        """Set the timeout value for this socket.

        :param ~int value: timeout in seconds.  0 means non-blocking.  None means block
            indefinitely."""
        self._socket.settimeout(value)

    def setblocking(self, flag: bool) -> int | None:
        """Set the blocking behaviour of this socket.

        :param ~bool flag: False means non-blocking, True means block indefinitely."""
        return self._socket.setblocking(flag)


class SSLContext:
    """Settings related to SSL that can be applied to a socket by wrapping it.
    This is useful to provide SSL certificates to specific connections
    rather than all of them."""

    __slots__ = ("_host", "_server")
    _host: _hostssl.SSLContext
    _server: _hostssl.SSLContext | None

    def __init__(self, *args: Any) -> None:
        if len(args) > 1:
            raise TypeError(
                f"function takes at most 1 positional arguments but {len(args)} were given"
            )
        self._host = _hostssl.create_default_context()
        self._server = None

    def load_cert_chain(self, certfile: str, keyfile: str | None = None) -> None:
        """Load a private key and the corresponding certificate.

        The certfile string must be the path to a single file in PEM format
        containing the certificate as well as any number of CA certificates
        needed to establish the certificate's authenticity.  The keyfile string
        must point to a file containing the private key.
        """
        cert = _read_file(certfile)
        key = _read_file(keyfile) if keyfile is not None else cert
        # Python's TLS loads a chain only from files: hand it private temporary copies.
        with tempfile.TemporaryDirectory(prefix="protoboard-tls-") as folder:
            cert_path = os.path.join(folder, "cert.pem")
            key_path = os.path.join(folder, "key.pem")
            for path, data in ((cert_path, cert), (key_path, key)):
                with open(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600), "wb") as out:
                    out.write(data)
            try:
                self._host.load_cert_chain(cert_path, key_path)
                server = _hostssl.SSLContext(_hostssl.PROTOCOL_TLS_SERVER)
                server.load_cert_chain(cert_path, key_path)
            except _hostssl.SSLError:
                raise ValueError("invalid cert") from None
        self._server = server

    def load_verify_locations(
        self, cafile: str | None = None, capath: str | None = None, cadata: str | None = None
    ) -> None:
        """
        Load a set of certification authority (CA) certificates used to validate
        other peers' certificates.

        :param str cafile: path to a file of contcatenated CA certificates in PEM format.
            **Not implemented**.
        :param str capath: path to a directory of CA certificate files in PEM format.
            **Not implemented**.
        :param str cadata: A single CA certificate in PEM format. **Limitation**: CPython
            allows one or more certificates, but this implementation is limited to one.
        """
        if cafile is not None:
            raise NotImplementedError("cafile")
        if capath is not None:
            raise NotImplementedError("capath")
        if not isinstance(cadata, str):
            raise TypeError(
                f"can't convert '{_validate.type_name(cadata)}' object to str implicitly"
            )
        # As on a board, the given certificate replaces the trusted ones.
        fresh = _hostssl.SSLContext(_hostssl.PROTOCOL_TLS_CLIENT)
        fresh.check_hostname = self._host.check_hostname
        try:
            fresh.load_verify_locations(cadata=cadata)
        except _hostssl.SSLError:
            raise ValueError("invalid cert") from None
        self._host = fresh

    def set_default_verify_paths(self) -> None:
        """Load a set of default certification authority (CA) certificates."""
        checking = self._host.check_hostname
        self._host = _hostssl.create_default_context()
        self._host.check_hostname = checking

    @property
    def check_hostname(self) -> bool:
        """Whether to match the peer certificate's hostname."""
        return self._host.check_hostname

    @check_hostname.setter
    def check_hostname(self, value: bool) -> None:
        self._host.check_hostname = bool(value)

    def wrap_socket(
        self, sock: Socket, *, server_side: bool = False, server_hostname: str | None = None
    ) -> SSLSocket:
        """Wraps the socket into a socket-compatible class that handles SSL negotiation.
        The socket must be of type SOCK_STREAM."""
        if server_hostname is not None and not isinstance(server_hostname, str):
            raise TypeError(
                f"can't convert '{_validate.type_name(server_hostname)}' object to str implicitly"
            )
        if server_side and server_hostname is not None:
            raise ValueError("Server side context cannot have hostname")
        if not isinstance(sock, Socket):
            raise RuntimeError("Invalid socket for TLS")
        return self._wrap(sock, bool(server_side), server_hostname)

    def _wrap(self, sock: Socket, server_side: bool, hostname: str | None) -> SSLSocket:
        wrapped = object.__new__(SSLSocket)
        wrapped._socket = sock
        wrapped._context = self
        wrapped._server_side = server_side
        wrapped._hostname = hostname
        return wrapped


def create_default_context() -> SSLContext:
    """Return the default SSLContext."""
    return SSLContext()


_enum.publish("ssl", SSLContext, SSLSocket, create_default_context)
