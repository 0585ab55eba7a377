"""``gc`` as a board has it: ``mem_free``, ``mem_alloc`` and ``threshold`` (19 Learn projects
print ``gc.mem_free()``), measured against the run's memory limit."""

from __future__ import annotations

import re


def test_gc_reports_the_runs_heap(start_board):
    program = (
        "import gc\n"
        "gc.collect()\n"
        "free, used = gc.mem_free(), gc.mem_alloc()\n"
        "print('heap', free, used, gc.threshold())\n"
        "block = bytearray(8 << 20)\n"
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
    assert used_after - used >= 8 << 20 and free - free_after >= 8 << 20


def test_gc_outside_a_run(run_code, capsys):
    result = run_code("import gc\nprint(gc.mem_free() > 0, gc.mem_alloc() > 0, gc.isenabled())\n")
    assert result.traceback is None
    assert capsys.readouterr().out.strip() == "True True True"


def test_protoboards_own_gc_is_cpythons():
    import gc

    assert not hasattr(gc, "mem_free")  # only a program's import gets the board's version
