"""The board view in a real browser (Debian's Chromium, driven by Playwright) on a real
``protoboard run``: edit, save and see the LED blink; press the button; move a slider; plot;
export a VCD and read it back."""

from __future__ import annotations

import re

import pytest
from webboard import open_page, screenshot, start_board

from protoboard.web.boardview import vcd

BLINK = """import time, board, digitalio
led = digitalio.DigitalInOut(board.LED)
led.switch_to_output()
while True:
    led.value = not led.value
    time.sleep(0.2)
"""

IDLE = "print('hello from the board')\n"

PARTS = """[knob]
type = "Potentiometer"
pin = "A1"
position = 0.25
"""


@pytest.fixture(scope="module")
def board(tmp_path_factory):
    started = start_board(tmp_path_factory.mktemp("drive"), IDLE, PARTS)
    yield started
    started.process.stop()


def save_code(page, code: str) -> None:
    page.evaluate("(text) => window.pb.editorText(text)", code)
    page.click("#editor-save")
    page.wait_for_function(
        "document.getElementById('editor-status').textContent.startsWith('saved')"
    )


def console_has(page, pattern: str, timeout: float = 20_000) -> None:
    page.wait_for_function(
        "(p) => new RegExp(p).test(window.pb.consoleText())", arg=pattern, timeout=timeout
    )


def test_edit_code_py_save_and_see_the_led_blink(browser, board, tmp_path):
    page = open_page(browser, board)
    assert page.locator("#board-svg [data-pin='D13']").count() == 1
    assert page.locator("[data-part='LED']").get_attribute("data-lit") == "0"
    save_code(page, BLINK)
    page.wait_for_selector("[data-part='LED'][data-lit='1']", timeout=20_000)
    page.wait_for_selector("[data-part='LED'][data-lit='0']", timeout=20_000)
    page.wait_for_selector("[data-part='LED'][data-lit='1']", timeout=20_000)
    assert "led.value = not led.value" in (board.drive / "code.py").read_text()
    screenshot(page, "boardview.png", tmp_path)
    page.context.close()


def test_press_the_virtual_button_and_the_console_reacts(browser, board):
    page = open_page(browser, board)
    save_code(
        page,
        """import time, board, digitalio
button = digitalio.DigitalInOut(board.BUTTON)
button.pull = digitalio.Pull.UP
last = True
print("ready")
while True:
    if button.value != last:
        last = button.value
        print("pressed" if not last else "released")
    time.sleep(0.01)
""",
    )
    console_has(page, "ready")
    button = page.locator("#board-svg [data-part='BUTTON']")
    box = button.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.down()
    console_has(page, "pressed")
    page.wait_for_selector("[data-part='BUTTON'][data-pressed='1']")
    page.mouse.up()
    console_has(page, "released")
    page.context.close()


def test_move_a_slider_and_the_printed_value_changes(browser, board, tmp_path):
    page = open_page(browser, board)
    save_code(
        page,
        """import time, board, analogio
knob = analogio.AnalogIn(board.A1)
last = None
while True:
    value = round(knob.value / 65535, 2)
    if value != last:
        last = value
        print("knob", value)
    time.sleep(0.02)
""",
    )
    console_has(page, r"knob 0\.25")
    slider = page.locator("input[type=range][data-part='knob'][data-attribute='position']")
    slider.fill("0.8")
    console_has(page, r"knob 0\.8")
    page.wait_for_function("window.pb.state.parts.knob.settable.position === 0.8")
    screenshot(page, "boardview-controls.png", tmp_path)
    page.context.close()


def test_the_plotter_draws_a_printed_series(browser, board, tmp_path):
    page = open_page(browser, board)
    save_code(
        page,
        """import math, time
i = 0
while True:
    print((math.sin(i / 5), math.cos(i / 5)))
    print("temp: %.1f" % (20 + i % 7))
    i += 1
    time.sleep(0.02)
""",
    )
    page.click("[data-tab='plotter']")
    page.wait_for_function(
        "Number(document.getElementById('plot').dataset.points || 0) > 40", timeout=20_000
    )
    series = page.evaluate("window.pb.plot.series.map((s) => s.length)")
    assert len(series) == 2 and min(series) > 10
    labels = page.evaluate("window.pb.plot.labels")
    assert labels[0] in ("value 1", "temp")
    parsed = page.evaluate(
        "['(1, 2.5)', '1,2,3', 'temp: 21.5, hum: 40', 'hello 1', ''].map(window.pb.parsePlotLine)"
    )
    assert parsed[0]["values"] == [1, 2.5]
    assert parsed[1]["values"] == [1, 2, 3]
    assert parsed[2] == {"values": [21.5, 40], "labels": ["temp", "hum"]}
    assert parsed[3] is None and parsed[4] is None
    screenshot(page, "boardview-plotter.png", tmp_path)
    page.context.close()


def test_export_a_vcd_and_parse_it_back(browser, board, tmp_path):
    page = open_page(browser, board)
    save_code(page, BLINK)
    page.wait_for_selector("[data-part='LED'][data-lit='1']", timeout=20_000)
    page.wait_for_selector("[data-part='LED'][data-lit='0']", timeout=20_000)
    page.click("[data-tab='logic']")
    page.click("#logic-capture")
    page.wait_for_function("window.pb.logic.trace && window.pb.logic.chosen.has('D13')")
    assert re.search(r"pins=D13", page.get_attribute("#logic-export", "href") or "")
    with page.expect_download() as download:
        page.click("#logic-export")
    path = tmp_path / "capture.vcd"
    download.value.save_as(path)
    signals = vcd.read(path.read_text())
    edges = signals["board.D13"]
    assert len(edges) >= 3
    assert {value for _, value in edges} == {0, 1}
    assert [t for t, _ in edges] == sorted(t for t, _ in edges)
    page.context.close()


def test_the_repl_answers_in_the_page(browser, board):
    page = open_page(browser, board)
    save_code(page, IDLE)
    console_has(page, "hello from the board")
    page.click("#console-ctrl-c")
    page.evaluate("window.pb.serialWrite('\\r')")
    console_has(page, ">>> ")
    page.evaluate("window.pb.serialWrite('print(6 * 7)\\r')")
    console_has(page, "42")
    page.click("#console-ctrl-d")  # leave the REPL: saves run the program again
    console_has(page, "soft reboot")
    page.context.close()


def test_the_embedded_board_speaks_postmessage(browser, board):
    context = browser.new_context()
    page = context.new_page()
    page.goto(board.page_url("/board/embed-demo.html"))
    page.wait_for_function("Number(document.getElementById('events').textContent) > 0")
    page.click("#flash")
    frame = page.frame_locator("#board")
    frame.locator("[data-part='LED'][data-lit='1']").wait_for(timeout=20_000)
    page.wait_for_function("document.getElementById('serial').textContent.includes('LED')")
    context.close()
