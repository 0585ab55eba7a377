"""Standard modules in their board versions: ``gc`` with ``mem_free``, ``mem_alloc`` and
``threshold`` (19 Learn projects print ``gc.mem_free()``) measured against the run's memory
limit, and ``time`` reading the board's RTC."""

from __future__ import annotations

import re


def test_gc_reports_the_runs_heap(start_board):
    program = (
        "import gc\n"
        "gc.collect()\n"
        "free, used = gc.mem_free(), gc.mem_alloc()\n"
        "print('heap', free, used, gc.threshold())\n"
        "block = bytearray(32 << 20)\n"
        "print('after', gc.mem_free(), gc.mem_alloc())\n"
        "gc.threshold(4096)\n"
        "print('threshold', gc.threshold())\n"
    )
    board = start_board({"code.py": program}, args=("--memory-limit", "256"))
    board.wait_for(r"threshold 4096")
    free, used, threshold = map(int, re.search(r"heap (\d+) (\d+) (-?\d+)", board.output).groups())
    assert 0 < free < 256 << 20 and used > 0 and threshold == -1
    assert free + used <= 256 << 20  # what is used and what is left make up the limit
    free_after, used_after = map(int, re.search(r"after (\d+) (\d+)", board.output).groups())
    # a 32 MiB buffer: the heap grows by about that much. The allocator may reuse memory it
    # already held (CI once saw 7.0 MiB of growth for an 8 MiB buffer), so ask for half.
    assert used_after - used >= 16 << 20 and free - free_after >= 16 << 20


def test_gc_outside_a_run(run_code, capsys):
    result = run_code("import gc\nprint(gc.mem_free() > 0, gc.mem_alloc() > 0, gc.isenabled())\n")
    assert result.traceback is None
    assert capsys.readouterr().out.strip() == "True True True"


def test_protoboards_own_gc_is_cpythons():
    import gc

    assert not hasattr(gc, "mem_free")  # only a program's import gets the board's version


def test_time_is_the_boards(sim, run_code, capsys):
    """time reads the board's RTC (set it, and time follows); whole seconds; no time zone."""
    sim.part("RTC").datetime = "2024-05-29 15:14:15"
    result = run_code(
        "import time\n"
        "now = time.localtime()\n"
        "print(now.tm_year, now.tm_mon, now.tm_mday, now.tm_hour, now.tm_wday, now.tm_yday)\n"
        "print(type(time.time()).__name__, time.time() - time.mktime(now) in (0, 1))\n"
        "print(time.mktime(time.localtime(1_700_000_000)))\n"
        "print(hasattr(time, 'strftime'), hasattr(time, 'perf_counter'))\n"
    )
    assert result.traceback is None
    assert capsys.readouterr().out.splitlines() == [
        "2024 5 29 15 2 150",
        "int True",
        "1700000000",
        "False False",
    ]


def test_time_on_a_board_without_rtc(tmp_path):
    import subprocess
    import sys

    program = tmp_path / "code.py"
    program.write_text("import time\ntime.sleep(0)\nprint(time.monotonic() > 0)\ntime.time()\n")
    board = "adafruit_neokey_trinkey_m0"  # a board without rtc
    done = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(program), "--board", board],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "True"
    assert "RuntimeError: RTC is not supported on this board" in done.stderr
