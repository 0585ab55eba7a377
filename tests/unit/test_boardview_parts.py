"""The board view's pieces without a browser: the VM-side watcher on a real simulated board,
the supervisor's hub, the WebSocket input checks, the VCD export read back and decoded."""

from __future__ import annotations

import base64
import json
import threading
import time

import pytest

from protoboard.web.boardview import vcd
from protoboard.web.boardview.hub import MAX_VIEWS, BoardStateHub, merge
from protoboard.web.boardview.session import MAX_INPUT, BadInput, Session, check_input
from protoboard.web.boardview.watch import BoardWatcher, encode_frame, pixel_hex


def wait_for(predicate, timeout=10.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_watcher_sends_the_full_state_then_only_what_changed(sim):
    sent: list[tuple[dict, bool]] = []
    watcher = BoardWatcher(sim, lambda delta, full: sent.append((delta, full)))
    watcher.watch(True)
    try:
        assert wait_for(lambda: sent)
        first, full = sent[0]
        assert full
        assert first["parts"]["LED"]["type"] == "LED"
        assert first["parts"]["LED"]["brightness"] == 0.0
        assert first["parts"]["NEOPIXEL"]["pixels"] == ["#000000"]
        assert set(first["pins"]) >= {"D13", "A0", "NEOPIXEL"}
        sim.pin("D13").configure("output", drive=True)
        assert wait_for(lambda: any("D13" in d.get("pins", {}) for d, _ in sent[1:]))
        later = [d for d, _ in sent[1:]]
        change = next(d for d in later if "D13" in d.get("pins", {}))
        assert change["pins"] == {"D13": {"level": 1, "mode": "output", "pwm": None}}
        assert change["parts"]["LED"]["brightness"] == 1.0
        assert "BUTTON" not in change.get("parts", {})  # unchanged parts are not resent
    finally:
        watcher.watch(False)


def test_watcher_coalesces_a_burst_of_changes(sim):
    sent: list[tuple[dict, bool]] = []
    watcher = BoardWatcher(sim, lambda delta, full: sent.append((delta, full)))
    watcher.watch(True)
    try:
        assert wait_for(lambda: sent)
        pin = sim.pin("D5")
        pin.configure("output", drive=False)
        for i in range(2000):
            pin.configure("output", drive=bool(i % 2))
        pin.configure("output", drive=True)
        assert wait_for(lambda: sent[-1][0].get("pins", {}).get("D5", {}).get("level") == 1)
        assert len(sent) < 200  # 2000 edges, far fewer messages
        assert len(pin.history) > 1000  # the logic analyzer still has every edge
        trace = watcher.trace()
        assert len(trace["pins"]["D5"]) > 1000
    finally:
        watcher.watch(False)


def test_watcher_is_silent_until_watched(sim):
    sent: list = []
    watcher = BoardWatcher(sim, lambda delta, full: sent.append(delta))
    sim.pin("D13").configure("output", drive=True)
    time.sleep(0.2)
    assert sent == []
    assert not sim.activity_listeners
    watcher.watch(True)
    try:
        assert wait_for(lambda: sent)
        assert sent[0]["pins"]["D13"]["level"] == 1
    finally:
        watcher.watch(False)
    assert not sim.activity_listeners


def test_watcher_records_i2c_transactions(sim, run_code, capsys):
    from protoboard.ports.sim.parts.bme280 import BME280

    sim.attach(BME280())
    watcher = BoardWatcher(sim, lambda delta, full: None)
    watcher.watch(True)
    try:
        result = run_code(
            """
import board, busio
i2c = busio.I2C(board.SCL, board.SDA)
while not i2c.try_lock():
    pass
buffer = bytearray(1)
i2c.writeto_then_readfrom(0x77, bytes([0xD0]), buffer)
print(hex(buffer[0]))
"""
        )
        assert result.ok, result.traceback
        assert "0x60" in capsys.readouterr().out
        bus = watcher.trace()["bus"]
        assert bus[-1]["address"] == 0x77
        assert bus[-1]["written"] == "d0" and bus[-1]["read"] == "60"
    finally:
        watcher.watch(False)


def test_pixels_and_frames_encode_compactly():
    assert pixel_hex((255, 16, 0)) == "#ff1000"
    assert pixel_hex((10, 10, 10, 250)) == "#ffffff"
    mono = encode_frame([[1, 0, 0, 0, 0, 0, 0, 0, 1], [0] * 9])
    assert mono is not None
    assert mono["mode"] == "mono" and mono["width"] == 9 and mono["height"] == 2
    import base64

    assert base64.b64decode(mono["data"])[:2] == bytes([0x80, 0x80])
    rgb = encode_frame([[(1, 2, 3), (4, 5, 6)]])
    assert rgb is not None and base64.b64decode(rgb["data"]) == bytes(range(1, 7))
    assert encode_frame(42) is None
    assert encode_frame([[0] * 1000] * 1000) is None  # too large to send


def test_hub_gives_a_new_view_the_whole_state_and_slow_views_one_merged_delta():
    watching: list[bool] = []
    hub = BoardStateHub(on_watch=watching.append)
    hub.update({"pins": {"D13": {"level": 0}}, "parts": {"LED": {"brightness": 0}}}, True)
    view = hub.open()
    assert watching == [True]
    first = view.take(0)
    assert first["pins"] == {"D13": {"level": 0}}
    assert first["reset"]["run"] == 1
    for level in range(1000):  # a page that reads nothing meanwhile
        hub.update({"pins": {"D13": {"level": level % 2}, f"D{level % 5}": {"level": 1}}}, False)
    pending = view.take(0)
    assert pending == {"pins": {"D13": {"level": 1}, **{f"D{i}": {"level": 1} for i in range(5)}}}
    hub.update({"parts": {"LED": None}}, False)
    assert view.take(0) == {"parts": {"LED": None}}
    assert "LED" not in hub.state["parts"]
    hub.close(view)
    assert watching == [True, False]
    assert view.take(0) is None


def test_hub_refuses_views_past_its_limit():
    hub = BoardStateHub()
    views = [hub.open() for _ in range(MAX_VIEWS)]
    with pytest.raises(RuntimeError, match="close one"):
        hub.open()
    hub.close(views[0])
    hub.close(hub.open())


def test_merge_removes_entries_given_none():
    state = {"pins": {"A": 1, "B": 2}}
    merge(state, {"pins": {"A": None, "C": 3}, "parts": {"X": {"on": 1}}})
    assert state == {"pins": {"B": 2, "C": 3}, "parts": {"X": {"on": 1}}}


def test_inputs_are_checked():
    assert check_input(
        '{"type":"set","id":3,"part":"BUTTON","attribute":"pressed","value":true}'
    ) == {
        "type": "set",
        "id": 3,
        "part": "BUTTON",
        "attribute": "pressed",
        "value": True,
    }
    assert check_input('{"type":"ping"}') == {"type": "ping", "id": None}


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("text", "words"),
    [
        (b"\x00\x01", "not binary"),
        ("x" * (MAX_INPUT + 1), f"at most {MAX_INPUT} bytes"),
        ("{", "not JSON"),
        ("[1, 2]", "JSON object"),
        ('{"type": "exec"}', "unknown message type"),
        ('{"type": "set", "part": "../x", "attribute": "a", "value": 1}', "'part' must be a name"),
        ('{"type": "set", "part": "P", "attribute": "__class__x", "value": {}}', "'value' must"),
        ('{"type": "set", "part": "P", "attribute": "a", "value": [1]}', "'value' must"),
        ('{"type": "set", "part": "P", "attribute": "a", "value": NaN}', "'value' must"),
        ('{"type": "set", "part": "P", "attribute": "a", "value": Infinity}', "finite"),
        ('{"type": "set", "part": "P", "attribute": "a", "value": "' + "v" * 300 + '"}', "256"),
        ('{"type": "set", "id": "7", "part": "P", "attribute": "a", "value": 1}', "'id'"),
        ('{"type": "set", "id": true, "part": "P", "attribute": "a", "value": 1}', "'id'"),
    ],
)
def test_bad_inputs_are_refused_with_the_reason(text, words):
    with pytest.raises(BadInput, match=words.replace("(", r"\(")):
        check_input(text)


class FakeSocket:
    """The peer of a session: messages the page sends, and what the session sent back."""

    def __init__(self, incoming: list[str | bytes]) -> None:
        self.incoming = list(incoming)
        self.sent: list[dict] = []
        self.done = threading.Event()

    def send_text(self, text: str) -> None:
        self.sent.append(json.loads(text))

    def receive(self):
        if self.incoming:
            return self.incoming.pop(0)
        time.sleep(0.3)  # let the sender flush
        return None

    def close(self, code: int = 1000, reason: str = "") -> None:
        pass

    def shutdown(self) -> None:
        self.done.set()


@pytest.mark.hostile
def test_a_session_acts_on_good_inputs_and_answers_bad_ones():
    hub = BoardStateHub()
    hub.update({"parts": {"BUTTON": {"settable": {"pressed": False}}}}, True)
    asked: list = []

    def control(request):
        asked.append(request)
        if request.attribute == "pressed":
            return {"ok": True, "old": False, "new": True}
        return {"ok": False, "error": "the part 'BUTTON' has no attribute 'colour' you can set"}

    socket = FakeSocket(
        [
            '{"type":"set","id":1,"part":"BUTTON","attribute":"pressed","value":true}',
            '{"type":"set","id":2,"part":"BUTTON","attribute":"colour","value":"red"}',
            "not json",
        ]
    )
    Session(socket, hub, control).serve()
    assert socket.done.is_set()
    replies = [m for m in socket.sent if m["type"] == "reply"]
    assert replies[0] == {"type": "reply", "id": 1, "ok": True}
    assert replies[1]["ok"] is False and "colour" in replies[1]["error"]
    assert replies[2]["id"] is None and "not JSON" in replies[2]["error"]
    assert [(r.part, r.attribute, r.value) for r in asked] == [
        ("BUTTON", "pressed", True),
        ("BUTTON", "colour", "red"),
    ]
    states = [m for m in socket.sent if m["type"] == "state"]
    assert states[0]["delta"]["parts"]["BUTTON"] == {"settable": {"pressed": False}}
    assert not hub.watching


@pytest.mark.hostile
def test_a_flood_of_inputs_is_cut_to_the_rate_limit():
    from protoboard.web.boardview.session import MAX_INPUTS_PER_SECOND

    hub = BoardStateHub()
    count = MAX_INPUTS_PER_SECOND + 40
    message = '{"type":"set","id":1,"part":"K","attribute":"position","value":0.5}'
    socket = FakeSocket([message] * count)
    asked: list = []
    Session(socket, hub, lambda r: asked.append(r) or {"ok": True}).serve()
    assert len(asked) <= MAX_INPUTS_PER_SECOND + 1
    assert any(m.get("error") == "too fast" for m in socket.sent)


def test_vcd_export_reads_back_with_pin_edges_and_decodable_i2c():
    pins = {"D13": [[1_000, 0], [5_000, 1], [9_000, 0]], "D5": [[1_000, 0]], "A0": [[2_000, 1]]}
    bus = [
        {
            "kind": "i2c",
            "where": "SCL/SDA",
            "when": 2_000,
            "address": 0x77,
            "written": "d0",
            "read": "60",
            "answered": True,
        },
        {
            "kind": "i2c",
            "where": "SCL/SDA",
            "when": 3_000,
            "address": 0x3C,
            "written": "00ae",
            "read": "",
            "answered": True,
        },
        {
            "kind": "i2c",
            "where": "SCL/SDA",
            "when": 4_000,
            "address": 0x10,
            "written": "",
            "read": "",
            "answered": False,
        },
    ]
    text = vcd.write(pins, bus, chosen=["D13", "D5", "missing"], date="today")
    assert text.startswith("$date today $end")
    back = vcd.read(text)
    assert set(back) == {"board.D13", "board.D5", "i2c_SCL_SDA.SCL", "i2c_SCL_SDA.SDA"}
    assert back["board.D13"] == [(0, 0), (4_000, 1), (8_000, 0)]
    frames = vcd.decode_i2c(back["i2c_SCL_SDA.SCL"], back["i2c_SCL_SDA.SDA"])
    assert frames == [[0x77 << 1, 0xD0], [0x77 << 1 | 1, 0x60], [0x3C << 1, 0x00, 0xAE], [0x20]]


def test_an_empty_capture_is_still_a_valid_vcd():
    text = vcd.write({}, [])
    assert "$enddefinitions $end" in text
    assert vcd.read(text) == {}


def test_watcher_sends_a_display_parts_frame(sim):
    """A display controller part (here an ST7789 on SPI) shows in the board view as a picture."""
    from protoboard.ports.sim.parts.mipi_dcs import ST7789

    sim.attach(
        ST7789(name="TFT", width=240, height=135), clock="SCK", mosi="MOSI", cs="D5", dc="D6"
    )
    sent: list[dict] = []
    watcher = BoardWatcher(sim, lambda delta, full: sent.append(delta))
    watcher.watch(True)
    try:
        assert wait_for(lambda: any("TFT" in d.get("displays", {}) for d in sent))
        picture = next(d["displays"]["TFT"] for d in sent if "TFT" in d.get("displays", {}))
        assert (picture["width"], picture["height"], picture["mode"]) == (240, 135, "rgb")
        assert len(base64.b64decode(picture["data"])) == 240 * 135 * 3
    finally:
        watcher.watch(False)
