"""The board's atexit through a real ``protoboard exec``: handlers run last-first when code.py
ends (at its end, after an error's traceback, on Ctrl-C), never through the host's atexit."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

EXEC = [sys.executable, "-m", "protoboard.cli", "exec"]

PROGRAM = """\
import atexit

def bye(name, punct="!"):
    print("goodbye", name + punct)
    with open("marks.txt", "a") as f:
        f.write("bye\\n")

atexit.register(bye, "board", punct="?")

@atexit.register
def first():
    print("registered last, runs first")

def never():
    print("never")

atexit.register(never)
atexit.register(never)
atexit.unregister(never)
print("program ran")
"""


def _exec(folder: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*EXEC, str(folder / "code.py"), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=folder,
        check=False,
    )


def test_handlers_run_last_first_when_the_program_ends(tmp_path):
    (tmp_path / "code.py").write_text(PROGRAM)
    done = _exec(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "program ran",
        "registered last, runs first",
        "goodbye board?",
    ]
    # once: the board ran it, the host's atexit never had it
    assert (tmp_path / "marks.txt").read_text() == "bye\n"


def test_handlers_run_after_the_traceback_of_an_error(tmp_path):
    (tmp_path / "code.py").write_text(
        "import atexit\n"
        "atexit.register(print, 'cleaning up')\n"
        "def broken():\n"
        "    raise ValueError('handler failed')\n"
        "atexit.register(broken)\n"
        "raise RuntimeError('boom')\n"
    )
    done = subprocess.run(
        [*EXEC, str(tmp_path / "code.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,  # one stream: the order a board's console shows
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 1
    text = done.stdout
    assert text.index("RuntimeError: boom") < text.index("ValueError: handler failed")
    # a failing handler prints its traceback and the next one still runs
    assert text.index("ValueError: handler failed") < text.index("cleaning up")
    assert 'File "code.py", line 4, in broken' in text


def test_handlers_run_after_ctrl_c(tmp_path):
    (tmp_path / "code.py").write_text(
        "import atexit, time\n"
        "atexit.register(print, 'stopped cleanly')\n"
        "print('ready', flush=True)\n"
        "while True:\n"
        "    time.sleep(0.01)\n"
    )
    process = subprocess.Popen(
        [*EXEC, str(tmp_path / "code.py")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        assert process.stdout.readline() == "ready\n"
        time.sleep(0.2)  # into the loop (not a threshold: any moment after 'ready' will do)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130
    assert "KeyboardInterrupt" in err
    assert out == "stopped cleanly\n"


def test_a_run_does_not_touch_the_hosts_atexit(sim, tmp_path, run_code):
    import atexit as host_atexit

    before = host_atexit._ncallbacks()
    (tmp_path / "prog.py").write_text(
        "import atexit\nseen = []\natexit.register(seen.append, 1)\nprint(atexit.__name__)\n"
    )
    result = run_code(tmp_path / "prog.py")
    assert result.ok
    assert host_atexit._ncallbacks() == before
    # and nothing is left for the next run
    from protoboard import vm

    assert vm.exit_handlers() == []


def test_registering_something_not_callable_fails_as_on_a_board(sim, run_code, capsys):
    result = run_code("import atexit\natexit.register(5)\n")
    assert "TypeError: 'int' object isn't callable" in (result.traceback or "")


# -- through `protoboard run`: the serial console's order ----------------------------------------


def test_run_prints_traceback_then_handlers_then_code_done(start_board):
    board = start_board(
        {
            "code.py": "import atexit\n"
            "atexit.register(print, 'cleaning up')\n"
            "raise RuntimeError('boom')\n"
        }
    )
    text = board.wait_for(r"Code done running\.")
    assert re.search(
        r"RuntimeError: boom\n.*cleaning up\n\nCode done running\.", text, re.DOTALL
    ), text


def test_run_ctrl_c_runs_handlers_before_code_done(start_board):
    board = start_board(
        {
            "code.py": "import atexit, time\n"
            "atexit.register(print, 'stopped cleanly')\n"
            "print('looping')\n"
            "while True:\n"
            "    time.sleep(0.01)\n"
        }
    )
    board.wait_for("looping")
    board.type(b"\x03")
    text = board.wait_for(r"Code done running\.")
    assert re.search(r"KeyboardInterrupt.*stopped cleanly\n\nCode done running\.", text, re.DOTALL)


def test_run_repl_handlers_run_when_the_repl_is_left(start_board):
    board = start_board({"code.py": "print('hi')\n"})
    board.wait_for("Press any key")
    board.type(b"\r")
    board.wait_for(">>> ")
    board.type(b"import atexit; atexit.register(print, 'left the REPL')\r")
    board.wait_for(">>> ")
    board.type(b"\x04")
    text = board.wait_for(r"soft reboot")
    assert "left the REPL" in text
    board.wait_for(r"code\.py output:\nhi\n")
