"""Bytes/s through a TCP connection on loopback: ``socketpool`` on the simulated board
(``recv_into``/``send`` with CircuitPython's checks) vs CPython's ``socket`` doing the same,
side by side in one run.

A local server thread streams ``--size`` MiB; the client reads it with ``recv_into`` into a
``--buffer``-byte buffer (default 1 KiB). Also the round trips/s of a 64-byte request and
answer. Medians over
``--repeats`` runs, ours first then CPython's each round. Not a test: nothing fails on a slow
result.

    python benchmarks/bench_socketpool.py [--size 64] [--buffer 1024] [--repeats 5]
"""

from __future__ import annotations

import argparse
import socket
import statistics
import threading
import time
from collections.abc import Callable
from typing import Any


def _stream_server(total: int) -> tuple[socket.socket, threading.Thread]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        chunk = b"x" * 65536
        left = total
        while left > 0:
            conn.sendall(chunk[: min(left, len(chunk))])
            left -= min(left, len(chunk))
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server, thread


def _echo_server() -> tuple[socket.socket, threading.Thread]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)

    def serve() -> None:
        conn, _ = server.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while data := conn.recv(64):
            conn.sendall(data)
        conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return server, thread


def _throughput(make: Callable[[], Any], total: int, size: int) -> float:
    server, thread = _stream_server(total)
    sock = make()
    buffer = bytearray(size)
    start = time.perf_counter()
    sock.connect(server.getsockname())
    got = 0
    while True:
        count = sock.recv_into(buffer)
        if not count:
            break
        got += count
    elapsed = time.perf_counter() - start
    sock.close()
    thread.join()
    server.close()
    assert got == total
    return total / elapsed


def _round_trips(make: Callable[[], Any], count: int) -> float:
    server, thread = _echo_server()
    sock = make()
    sock.connect(server.getsockname())
    sock.setsockopt(*_nodelay(sock))
    message = b"m" * 64
    buffer = bytearray(64)
    start = time.perf_counter()
    for _ in range(count):
        sock.send(message)
        got = 0
        while got < 64:
            got += sock.recv_into(memoryview(buffer)[got:])
    elapsed = time.perf_counter() - start
    sock.close()
    thread.join()
    server.close()
    return count / elapsed


def _nodelay(sock: Any) -> tuple[int, int, int]:
    if isinstance(sock, socket.socket):
        return socket.IPPROTO_TCP, socket.TCP_NODELAY, 1
    return 6, 1, 1  # socketpool's IPPROTO_TCP, TCP_NODELAY (lwIP's numbers)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=64, help="MiB streamed per run")
    parser.add_argument("--buffer", type=int, default=1024)
    parser.add_argument("--trips", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    from protoboard.testing import simulated_board

    with simulated_board():
        import socketpool
        import wifi

        wifi.radio.connect("Protoboard", "circuitpython")
        pool = socketpool.SocketPool(wifi.radio)
        sides: dict[str, Callable[[], Any]] = {
            "socketpool (ours)": lambda: pool.socket(),
            "CPython socket": lambda: socket.socket(),
        }
        total = args.size << 20
        rates: dict[str, list[float]] = {name: [] for name in sides}
        trips: dict[str, list[float]] = {name: [] for name in sides}
        for _ in range(args.repeats):
            for name, make in sides.items():
                rates[name].append(_throughput(make, total, args.buffer))
                trips[name].append(_round_trips(make, args.trips))
    print(f"{args.size} MiB through recv_into({args.buffer}-byte buffer); ", end="")
    print(f"{args.trips} 64-byte round trips")
    print("| | MiB/s | round trips/s |")
    print("|---|---|---|")
    for name in sides:
        print(
            f"| {name} | {statistics.median(rates[name]) / 2**20:,.0f} | "
            f"{statistics.median(trips[name]):,.0f} |"
        )
    ours, anchor = "socketpool (ours)", "CPython socket"
    print(
        "ratio ours/CPython: throughput "
        f"{statistics.median(rates[ours]) / statistics.median(rates[anchor]):.2f}, "
        f"round trips {statistics.median(trips[ours]) / statistics.median(trips[anchor]):.2f}"
    )


if __name__ == "__main__":
    main()
