"""The board view's speed on a real ``protoboard run`` in Debian's Chromium (Playwright).

1. Pin change to picture: the program toggles the LED every 100 ms; the page stamps each change
   of the LED in the picture (a MutationObserver, wall-clock time) and the board's pin history
   (/board/trace.json, CLOCK_MONOTONIC, mapped to wall-clock time on this host) says when the
   program changed the pin. p50/p90 against the issue's goal of 50 ms.
2. 100 NeoPixels at 60 frames/s: the program's own frame rate, paced at 60 fps and flat out,
   without a page open (the anchor) and with the board view open. Ratio with/without.
3. Page open to REPL prompt: from ``goto`` to ``>>>`` in the page's console, against a bare
   WebSocket client of /cp/serial/ (the anchor: the same board, no page) and the goal of 2 s.

Run: ``python benchmarks/boardview_latency.py`` (needs /usr/bin/chromium).
"""

from __future__ import annotations

import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "tests" / "boardview"), str(ROOT / "tests" / "runtime")]

from webboard import CHROMIUM, CHROMIUM_ARGS, PASSWORD, start_board  # noqa: E402

BLINK = """import time, board, digitalio
led = digitalio.DigitalInOut(board.LED)
led.switch_to_output()
while True:
    led.value = not led.value
    time.sleep(0.1)
"""

PIXELS = """import time, board, digitalio, neopixel_write
pin = digitalio.DigitalInOut(board.D5)
pin.switch_to_output()
buffer = bytearray(300)
PACED = {paced}
frames, start, step = 0, time.monotonic(), 0
while True:
    for i in range(100):
        buffer[3 * i] = (i + step) % 256
        buffer[3 * i + 1] = (2 * i + step) % 256
    neopixel_write.neopixel_write(pin, buffer)
    step += 1
    frames += 1
    if PACED:
        next_frame = start + frames / 60
        delay = next_frame - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    if frames % 120 == 0:
        now = time.monotonic()
        print("fps %.1f" % (120 / (now - start)))
        frames, start = 0, now
"""

STRIP = """[strip]
type = "NeoPixelStrip"
pin = "D5"
count = 100
"""


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def new_page(browser, board):
    context = browser.new_context()
    page = context.new_page()
    page.goto(board.page_url())
    page.wait_for_function("window.pb && window.pb.ready && window.pb.state.run > 0")
    return page


def pin_to_picture(browser, drive: Path) -> list[float]:
    board = start_board(drive, BLINK)
    try:
        page = new_page(browser, board)
        page.evaluate(
            """() => {
            window.stamps = [];
            const led = document.querySelector("[data-part='LED']");
            const stamp = () => performance.timeOrigin + performance.now();
            new MutationObserver(() => window.stamps.push([stamp(), led.dataset.lit]))
                .observe(led, {attributes: true, attributeFilter: ["data-lit"]});
        }"""
        )
        time.sleep(6)
        stamps = page.evaluate("window.stamps")
        trace = page.evaluate("fetch('/board/trace.json').then((r) => r.json())")
        offset = time.time_ns() - time.monotonic_ns()
        edges = [(t + offset) / 1e6 for t, _ in trace["pins"]["D13"]]
        latencies = []
        for seen, _lit in stamps:
            before = [e for e in edges if e <= seen]
            if before:
                latencies.append(seen - before[-1])
        page.context.close()
        return latencies[2:]  # the first edges may predate the observer
    finally:
        board.process.stop()


def fps(board, seconds: float, page=None) -> list[float]:
    board.process.wait_for(r"fps", timeout=30)
    time.sleep(seconds)
    values = [float(v) for v in re.findall(r"fps ([0-9.]+)", board.process.output)]
    return values[-max(1, int(seconds / 2.2)) :]


def pixels(browser, drive: Path, paced: bool) -> tuple[float, float]:
    drive.mkdir(parents=True, exist_ok=True)
    board = start_board(drive, PIXELS.format(paced=paced), STRIP, terminal=True)
    try:
        # (the frame rates are read from run's terminal output)
        without = statistics.median(fps(board, 10))
        page = new_page(browser, board)
        mark = len(re.findall(r"fps", board.process.output))
        time.sleep(10)
        values = [float(v) for v in re.findall(r"fps ([0-9.]+)", board.process.output)[mark + 1 :]]
        with_page = statistics.median(values) if values else float("nan")
        page.context.close()
        return without, with_page
    finally:
        board.process.stop()


def serial_prompt_seconds(url: str, password: str) -> float:
    """The anchor: a bare WebSocket client of /cp/serial/ from connect to the REPL prompt."""
    import base64
    import os
    import socket
    import struct

    from protoboard.web import websocket

    host, port = url.removeprefix("http://").split(":")
    started = time.perf_counter()
    sock = socket.create_connection((host, int(port)), timeout=20)
    auth = base64.b64encode(f":{password}".encode()).decode()
    sock.sendall(
        (
            f"GET /cp/serial/ HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {websocket.new_key()}\r\n"
            f"Sec-WebSocket-Version: 13\r\nAuthorization: Basic {auth}\r\n\r\n"
        ).encode()
    )
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(4096)
    data = data.split(b"\r\n\r\n", 1)[1]
    text = ""
    sock.settimeout(0.05)
    while not re.search(r"\n>>> $", text):
        sock.sendall(websocket.frame(websocket.TEXT, b"\r", mask=os.urandom(4)))
        try:
            data += sock.recv(65536)
        except TimeoutError:
            pass
        while len(data) >= 2:
            size, head = data[1] & 0x7F, 2
            if size == 126:
                if len(data) < 4:
                    break
                size, head = struct.unpack("!H", data[2:4])[0], 4
            elif size == 127:
                if len(data) < 10:
                    break
                size, head = struct.unpack("!Q", data[2:10])[0], 10
            if len(data) < head + size:
                break
            text += data[head : head + size].decode("utf-8", "replace")
            data = data[head + size :]
        if time.perf_counter() - started > 20:
            raise TimeoutError(f"no REPL prompt: {text[-200:]!r}")
    sock.close()
    return time.perf_counter() - started


def repl(browser, drive: Path) -> tuple[list[float], list[float]]:
    board = start_board(drive, "print('done')\n")
    try:
        anchor, ours = [], []
        for _ in range(5):
            anchor.append(serial_prompt_seconds(board.url, PASSWORD))
            context = browser.new_context()
            page = context.new_page()
            url = board.page_url()
            started = time.perf_counter()
            page.goto(url)
            page.wait_for_function("window.pb && window.pb.ready")
            page.wait_for_function(
                "() => { window.pb.serialWrite('\\r'); "
                "return /\\n>>> $/m.test(window.pb.consoleText().trimEnd() + ' '); }",
                polling=50,
                timeout=20_000,
            )
            ours.append(time.perf_counter() - started)
            context.close()
        return anchor, ours
    finally:
        board.process.stop()


def main() -> None:
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as folder, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        base = Path(folder)
        latencies = pin_to_picture(browser, base / "blink")
        print(
            f"pin change -> picture: n={len(latencies)} p50 {percentile(latencies, 0.5):.1f} ms "
            f"p90 {percentile(latencies, 0.9):.1f} ms (goal: p90 under 50 ms; ratio p90/goal "
            f"{percentile(latencies, 0.9) / 50:.2f})"
        )
        for paced in (True, False):
            without, with_page = pixels(browser, base / f"pixels-{paced}", paced)
            label = "paced at 60 fps" if paced else "flat out"
            print(
                f"100 NeoPixels, {label}: {without:.1f} fps without the page, {with_page:.1f} "
                f"with it (ratio {with_page / without:.3f}; goal >= 0.95)"
            )
        anchor, ours = repl(browser, base / "repl")
        print(
            f"page open -> REPL prompt: median {statistics.median(ours) * 1000:.0f} ms, max "
            f"{max(ours) * 1000:.0f} ms; bare /cp/serial/ client "
            f"{statistics.median(anchor) * 1000:.0f} ms "
            f"(ratio {statistics.median(ours) / statistics.median(anchor):.1f}; goal under 2 s)"
        )
        browser.close()


if __name__ == "__main__":
    main()
