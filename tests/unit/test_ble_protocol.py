"""BLE file-transfer protocol v4 packets: encoding, decoding, framing, the worked example."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from protoboard.ble import protocol as p

u8 = st.integers(0, 0xFF)
u32 = st.integers(0, 0xFFFFFFFF)
u64 = st.integers(0, 0xFFFFFFFFFFFFFFFF)
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=40)
data = st.binary(max_size=300)

packets = st.one_of(
    st.builds(p.Read, text, u32, u32),
    st.builds(p.ReadData, u8, u32, u32, data),
    st.builds(p.ReadPacing, u32, u32, u8),
    st.builds(p.Write, text, u32, u32, u64),
    st.builds(p.WritePacing, u8, u32, u64, u32),
    st.builds(p.WriteData, u32, data, u8),
    st.builds(p.Delete, text),
    st.builds(p.DeleteStatus, u8),
    st.builds(p.Mkdir, text, u64),
    st.builds(p.MkdirStatus, u8, u64),
    st.builds(p.Listdir, text),
    st.builds(p.ListdirEntry, u8, u32, u32, u32, u64, u32, text),
    st.builds(p.Move, text, text, u8),
    st.builds(p.MoveStatus, u8),
)


@given(packets)
def test_round_trip(packet):
    encoded = packet.encode()
    assert p.decode(encoded, packet.DIRECTION) == [packet]
    assert encoded[0] == packet.COMMAND


@given(st.lists(packets.filter(lambda x: x.DIRECTION is p.Direction.REQUEST), max_size=5))
def test_several_commands_in_one_write(batch):
    assert p.decode_requests(b"".join(x.encode() for x in batch)) == batch


@given(packets.filter(lambda x: x.DIRECTION is p.Direction.RESPONSE), st.integers(1, 30))
def test_response_stream_reassembles_any_split(packet, size):
    encoded = packet.encode() * 2
    stream = p.ResponseStream()
    out = []
    for i in range(0, len(encoded), size):
        out += stream.feed(encoded[i : i + size])
    assert out == [packet, packet]
    assert stream.pending == 0


@given(st.binary(max_size=60))
def test_raw_path_bytes_survive(raw):
    encoded = p.Delete.HEADER.pack(p.DELETE, len(raw)) + raw
    assert p.decode_requests(encoded)[0].encode() == encoded


def test_partial_header_is_rejected():
    encoded = p.Write("/code.py", 10).encode()
    with pytest.raises(p.PartialHeader) as info:
        p.parse_one(encoded[:19])
    assert (info.value.received, info.value.needed) == (19, 20)
    # a second command whose header is cut short by the end of the write
    with pytest.raises(p.PartialHeader):
        p.decode_requests(p.Delete("/a").encode() + encoded[:5])


def test_payload_may_continue_in_a_later_write():
    encoded = p.Write("/code.py", 10).encode()
    with pytest.raises(p.Incomplete) as info:
        p.parse_one(encoded[:22])
    assert info.value.needed == 28


def test_unknown_and_oversize():
    with pytest.raises(p.UnknownCommand):
        p.parse_one(b"\x70\x00\x00\x00")
    with pytest.raises(p.UnknownCommand):
        p.parse_one(b"\x03")
    with pytest.raises(p.OversizeCommand):
        p.parse_one(p.Delete.HEADER.pack(p.DELETE, 1020))
    assert p.parse_one(p.Delete.HEADER.pack(p.DELETE, 1019) + b"x" * 1019)[1] == 1023
    with pytest.raises(p.OversizeCommand):
        p.parse_one(p.Move.HEADER.pack(p.MOVE, 1000, 17))


def test_protocol_error_reply_in_the_response_direction():
    assert p.decode_responses(b"\x22\x04") == [p.ProtocolErrorReply(p.WRITE_DATA)]


def test_uuids():
    assert p.SERVICE_UUID16 == 0xFEBB
    assert p.VERSION_UUID == "adaf0100-4669-6c65-5472-616e73666572"
    assert p.TRANSFER_UUID == "adaf0200-4669-6c65-5472-616e73666572"


T_IN = 1700000001500000000
T_STORED = 1700000000000000000


def test_worked_example_bytes():
    """workflows.md §2.4, byte for byte."""
    header = "20 00 08 00 00 00 00 00 00 2f 92 8f fe 9c 97 17 e8 03 00 00"
    step1 = bytes.fromhex(header) + b"/code.py"
    assert len(step1) == 28
    assert p.Write("/code.py", 1000, 0, T_IN).encode() == step1
    assert p.decode_requests(step1) == [p.Write("/code.py", 1000, 0, T_IN)]

    step2 = bytes.fromhex("21 01 00 00 00 00 00 00 00 00 2a 36 fe 9c 97 17 00 02 00 00")
    assert p.WritePacing(p.STATUS_OK, 0, T_STORED, 512).encode() == step2
    assert p.decode_responses(step2) == [p.WritePacing(1, 0, T_STORED, 512)]

    payload = bytes(range(256)) * 4
    step3 = bytes.fromhex("22 01 00 00 00 00 00 00 00 02 00 00") + payload[:512]
    assert p.WriteData(0, payload[:512]).encode() == step3
    assert p.decode_requests(step3) == [p.WriteData(0, payload[:512])]

    t = T_STORED.to_bytes(8, "little").hex()
    step4 = bytes.fromhex(f"21 01 00 00 00 02 00 00 {t} e8 01 00 00")
    assert p.WritePacing(1, 512, T_STORED, 488).encode() == step4

    step5 = bytes.fromhex("22 01 00 00 00 02 00 00 e8 01 00 00") + payload[512:1000]
    assert p.WriteData(512, payload[512:1000]).encode() == step5

    step6 = bytes.fromhex(f"21 01 00 00 e8 03 00 00 {t} 00 00 00 00")
    assert p.decode_responses(step6) == [p.WritePacing(1, 1000, T_STORED, 0)]


def test_listdir_header_split_for_small_mtu():
    entry = p.ListdirEntry(1, 0, 1, 0, 0, 5, "abc").encode()
    assert [len(x) for x in p.split_listdir_header(entry, 20)] == [16, 12, 3]
    assert [len(x) for x in p.split_listdir_header(entry, 244)] == [28, 3]
