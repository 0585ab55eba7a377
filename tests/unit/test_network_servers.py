"""A program as a server on the simulated board: bind/listen/accept, TLS with its own
certificate (load_cert_chain), timeouts, and mDNS through zeroconf."""

from __future__ import annotations

import errno
import socket
import ssl
import threading

import pytest

from protoboard.testing import simulated_board


@pytest.fixture
def sim():
    with simulated_board() as world:
        import wifi

        wifi.radio.connect("Protoboard", "circuitpython")
        yield world


def _pool():
    import socketpool
    import wifi

    return socketpool.SocketPool(wifi.radio)


def test_bind_listen_accept_echo(sim) -> None:
    pool = _pool()
    server = pool.socket(pool.AF_INET, pool.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server._sock.getsockname()[1]  # the test's peek at the host socket's port
    client = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn, peer = server.accept()
    assert peer[0] == "127.0.0.1"
    client.sendall(b"echo me")
    buffer = bytearray(32)
    conn.settimeout(5)
    count = conn.recv_into(buffer)
    conn.send(bytes(buffer[:count]))
    assert client.recv(32) == b"echo me"
    client.close()
    conn.close()
    server.close()


@pytest.mark.hostile
def test_timeouts_and_non_blocking(sim) -> None:
    pool = _pool()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    with pool.socket() as sock:
        sock.connect(listener.getsockname())
        peer, _ = listener.accept()
        sock.settimeout(0.05)
        with pytest.raises(OSError) as timed_out:
            sock.recv_into(bytearray(4))
        assert timed_out.value.errno == errno.ETIMEDOUT
        assert str(timed_out.value) == "[Errno 110] ETIMEDOUT"
        sock.setblocking(False)
        with pytest.raises(OSError) as again:
            sock.recv_into(bytearray(4))
        assert again.value.errno == errno.EAGAIN
        peer.close()
    listener.close()


@pytest.mark.hostile
def test_radio_off_closes_sockets(sim) -> None:
    import wifi

    pool = _pool()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    sock = pool.socket()
    sock.connect(listener.getsockname())
    wifi.radio.enabled = False
    with pytest.raises(OSError) as closed:
        sock.send(b"x")
    assert closed.value.errno == errno.EBADF
    assert not wifi.radio.connected and wifi.radio.ipv4_address is None
    with pytest.raises(RuntimeError, match="^WiFi is not enabled$"):
        wifi.radio.start_scanning_networks()
    sock.close()
    listener.close()
    with pytest.raises(ValueError, match="^SocketPool can only be used with wifi.radio$"):
        import socketpool

        socketpool.SocketPool(object())


def test_tls_server_with_its_own_certificate(sim, tmp_path) -> None:
    trustme = pytest.importorskip("trustme")
    from protoboard.bindings import ssl as board_ssl

    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(str(tmp_path / "chain.pem"))
    context = board_ssl.create_default_context()
    context.load_cert_chain(str(tmp_path / "chain.pem"))
    pool = _pool()
    server = pool.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server._sock.getsockname()[1]
    tls_server = context.wrap_socket(server, server_side=True)
    answers: list[bytes] = []

    def client() -> None:
        trusting = ssl.create_default_context()
        ca.configure_trust(trusting)
        with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
            with trusting.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                tls.sendall(b"hello over TLS")
                answers.append(tls.recv(64))

    thread = threading.Thread(target=client)
    thread.start()
    conn, _peer = tls_server.accept()
    buffer = bytearray(64)
    count = conn.recv_into(buffer)
    conn.send(b"got " + bytes(buffer[:count]))
    thread.join(timeout=10)
    conn.close()
    tls_server.close()
    assert answers == [b"got hello over TLS"]


@pytest.mark.hostile
def test_ssl_arguments_as_circuitpython(sim) -> None:
    from protoboard.bindings import ssl as board_ssl

    context = board_ssl.create_default_context()
    with pytest.raises(NotImplementedError, match="^cafile$"):
        context.load_verify_locations(cafile="ca.pem")
    with pytest.raises(ValueError, match="^Server side context cannot have hostname$"):
        context.wrap_socket(_pool().socket(), server_side=True, server_hostname="x")
    with pytest.raises(ValueError, match="^invalid cert$"):
        context.load_verify_locations(cadata="not a certificate")


def test_mdns_advertise_and_find(sim) -> None:
    pytest.importorskip("zeroconf")
    import mdns
    import wifi

    server = mdns.Server(wifi.radio)
    assert mdns.Server(wifi.radio) is server
    assert server.hostname == wifi.radio.hostname
    server.instance_name = "protoboard-test"
    server.advertise_service(service_type="_protoboardtest", protocol="_tcp", port=8123)
    found = server.find("_protoboardtest", "_tcp", timeout=2)
    server.deinit()
    if not found:
        pytest.skip("this machine's network does not loop multicast back (mDNS unavailable)")
    service = found[0]
    assert (service.service_type, service.protocol, service.port) == (
        "_protoboardtest",
        "_tcp",
        8123,
    )
    assert service.instance_name == "protoboard-test"
    assert str(service.ipv4_address) == str(wifi.radio.ipv4_address)
    with pytest.raises(ValueError, match="can no longer be used"):
        server.hostname  # noqa: B018


@pytest.mark.hostile
def test_tls_non_blocking_read_with_nothing_to_read(sim) -> None:
    """mbedTLS's WANT_READ is CircuitPython's OSError(EWOULDBLOCK), not OpenSSL's number."""
    trustme = pytest.importorskip("trustme")
    from protoboard.bindings import ssl as board_ssl

    ca = trustme.CA()
    server_context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost").configure_cert(server_context)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    done = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with server_context.wrap_socket(conn, server_side=True) as tls:
            done.wait(timeout=10)
            tls.sendall(b"late")

    thread = threading.Thread(target=serve)
    thread.start()
    context = board_ssl.create_default_context()
    context.load_verify_locations(cadata=ca.cert_pem.bytes().decode())
    sock = context.wrap_socket(_pool().socket(), server_hostname="localhost")
    sock.connect(listener.getsockname())
    sock.setblocking(False)
    with pytest.raises(OSError) as nothing:
        sock.recv_into(bytearray(8))
    assert nothing.value.errno == errno.EWOULDBLOCK
    done.set()
    sock.settimeout(5)
    buffer = bytearray(8)
    assert bytes(buffer[: sock.recv_into(buffer)]) == b"late"
    sock.close()
    thread.join(timeout=10)
    listener.close()
