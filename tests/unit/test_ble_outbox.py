"""protoboard.ble.outbox: bounded backlogs, paced bursts, errors kept inside (issue 10, case 5)."""

from __future__ import annotations

import asyncio

import pytest

from protoboard.ble.outbox import Outbox, PacketQueue, StreamBuffer

pytestmark = pytest.mark.hostile


def drain(buffer: StreamBuffer) -> bytes:
    out = b""
    while (packet := buffer.take()) is not None:
        out += packet
    return out


def test_stream_buffer_keeps_the_newest_bytes_and_says_how_many_it_dropped():
    buffer = StreamBuffer(lambda: 20, limit=100)
    for i in range(1000):
        buffer.put(b"%04d," % i)
    text = drain(buffer)
    assert text.startswith(b"\r\n[4900 bytes of output dropped: slow BLE link]\r\n")
    assert text.endswith(b"0999,") and len(text) < 100 + 60
    assert buffer.dropped_total == 4900 and not buffer


def test_stream_buffer_packets_follow_the_mtu():
    size = [20]
    buffer = StreamBuffer(lambda: size[0])
    buffer.put(b"x" * 100)
    assert len(buffer.take() or b"") == 20
    size[0] = 244
    assert len(buffer.take() or b"") == 80


def test_packet_queue_refuses_what_exceeds_its_limit():
    queue = PacketQueue(limit=1000)
    assert queue.put([b"a" * 100] * 5)
    assert not queue.put([b"b" * 500])
    assert queue.put([b"c"])
    assert [queue.take() for _ in range(6)][-1] == b"c" and queue.take() is None


def test_bursts_wait_for_the_bus_and_a_failing_endpoint_stays_contained():
    async def scenario():
        sent: list[bytes] = []
        gate = asyncio.Event()
        settles = 0

        async def settle() -> None:
            nonlocal settles
            settles += 1
            await gate.wait()

        broken = [False]

        def send(packet: bytes) -> None:
            if broken[0]:
                raise OSError(9, "Bad file descriptor")
            sent.append(packet)

        queue = PacketQueue()
        box = Outbox("test", queue, send, settle, window=4)
        queue.put([b"%d" % i for i in range(10)])
        box.kick(now=True)
        assert len(sent) == 4  # the window, then a round trip
        for _ in range(5):
            await asyncio.sleep(0)
        assert len(sent) == 4 and settles == 1
        gate.set()
        for _ in range(20):
            await asyncio.sleep(0)
        assert sent == [b"%d" % i for i in range(10)]
        # an endpoint whose sends fail: dropped and logged, never raised to the caller
        broken[0] = True
        queue.put([b"lost"] * 3)
        box.kick(now=True)
        for _ in range(20):
            await asyncio.sleep(0)
        assert box.failures == 1 and not queue
        broken[0] = False
        queue.put([b"again"])
        box.kick(now=True)
        assert sent[-1] == b"again"
        await box.close()

    asyncio.run(scenario())
