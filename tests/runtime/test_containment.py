"""Hostile programs against ``protoboard run``'s containment: every process a run starts ends
with the run (and with ``protoboard run``), a VM that dies without a word still ends its run
as a board's does, and the memory limit is on memory, not on address space."""

from __future__ import annotations

import contextlib
import os
import random
import signal
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.hostile


@pytest.fixture(autouse=True)
def _host_modules(monkeypatch: pytest.MonkeyPatch) -> None:
    """These programs start processes, threads and signals, which a board has not: they opt
    in to the host's modules (docs: "What a program can import"), as a user who wants them would."""
    monkeypatch.setenv("PROTOBOARD_HOST_PACKAGES", "*")


#: how long the kernel and the supervisor may take to clean up (never a pass/fail threshold on
#: speed: only a bound on waiting)
SETTLE = 10.0


def code(text: str) -> str:
    return textwrap.dedent(text).lstrip()


def _cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [part.decode(errors="replace") for part in raw.split(b"\0") if part]


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return ""


def _pids() -> Iterator[int]:
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            yield int(entry.name)


class Leftovers:
    """What a hostile program leaves: ``sleep TOKEN`` processes (TOKEN unique to the test) and
    forked VMs whose pids the program printed. Killed at teardown, whatever the test did."""

    def __init__(self) -> None:
        self.token = f"1000.{random.randrange(10**6):06d}"
        self.forked: list[int] = []

    def sleepers(self) -> list[int]:
        return [
            pid
            for pid in _pids()
            if _cmdline(pid)[-1:] == [self.token] and _state(pid) not in ("Z", "")
        ]

    def forked_alive(self) -> list[int]:
        return [
            pid
            for pid in self.forked
            if "multiprocessing.forkserver" in " ".join(_cmdline(pid))
            and _state(pid) not in ("Z", "")
        ]

    def all(self) -> list[int]:
        return self.sleepers() + self.forked_alive()

    def wait_gone(self) -> list[int]:
        deadline = time.monotonic() + SETTLE
        while (left := self.all()) and time.monotonic() < deadline:
            time.sleep(0.05)
        return left

    def kill(self) -> None:
        for pid in self.all():
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def leftovers() -> Iterator[Leftovers]:
    found = Leftovers()
    try:
        yield found
    finally:
        found.kill()


def _escapees(token: str) -> str:
    """A program that starts processes every way a program can escape a process group."""
    return code(f"""
        import os, subprocess, time
        T = {token!r}
        subprocess.Popen(['sleep', T], start_new_session=True)
        subprocess.Popen(['sleep', T], process_group=0)
        subprocess.Popen(['nohup', 'sleep', T], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT)
        if os.fork() == 0:  # a daemon: double fork, its own session
            os.setsid()
            if os.fork() == 0:
                os.execvp('sleep', ['sleep', T])
            os._exit(0)
        print('escaped', flush=True)
        while True:
            time.sleep(0.05)
    """)


def _wait_count(leftovers: Leftovers, count: int) -> None:
    deadline = time.monotonic() + SETTLE
    while len(leftovers.sleepers()) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(leftovers.sleepers()) == count


# -- case 2: a forked child that ignores SIGHUP --------------------------------------------------


def test_forked_child_ignoring_sighup_does_not_hang_a_reload(start_board, leftovers):
    board = start_board(
        {
            "code.py": code("""
                import os, signal, time
                pid = os.fork()
                if pid == 0:
                    signal.signal(signal.SIGHUP, signal.SIG_IGN)
                    time.sleep(600)
                    os._exit(0)
                print('forked', pid, flush=True)
                while True:
                    time.sleep(0.05)
            """)
        }
    )
    found = board.wait_for(r"forked \d+\n")
    leftovers.forked.append(int(found.rsplit("forked ", 1)[1]))
    board.save("code.py", "print('after the fork')\n")
    board.wait_for(r"Reloading soon\.")
    board.wait_for(r"code\.py output:\nafter the fork\n")
    assert leftovers.wait_gone() == []
    board.save("code.py", "print('and again')\n")
    board.wait_for(r"and again\n")


# -- case 3: processes outlive their run and protoboard run --------------------------------------


def test_processes_a_run_starts_end_with_the_run(start_board, leftovers):
    board = start_board({"code.py": _escapees(leftovers.token)})
    board.wait_for("escaped")
    _wait_count(leftovers, 4)
    board.save("code.py", "print('next run')\n")
    board.wait_for(r"next run\n")
    assert leftovers.wait_gone() == []


def test_processes_of_a_finished_program_end_at_the_next_reload(start_board, leftovers):
    program = _escapees(leftovers.token).replace("while True:", "for _ in range(1):")
    board = start_board({"code.py": program})
    board.wait_for(r"Code done running\.")
    _wait_count(leftovers, 4)  # a finished program's processes live on until the soft reset
    board.wait_for("Press any key")
    board.type(b"\x04")
    board.wait_for(r"soft reboot")
    board.wait_for(r"Code done running\.")
    board.save("code.py", "print('clean')\n")
    board.wait_for(r"clean\n")
    assert leftovers.wait_gone() == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT, signal.SIGKILL])
def test_nothing_outlives_protoboard_run(start_board, leftovers, signum):
    board = start_board({"code.py": _escapees(leftovers.token)})
    board.wait_for("escaped")
    _wait_count(leftovers, 4)
    board.proc.send_signal(signum)
    board.proc.wait(SETTLE)
    assert leftovers.wait_gone() == []


def test_a_fork_bomb_ends_with_its_run(start_board, leftovers):
    bomb = code(f"""
        import os, time
        print('bombing', flush=True)
        for _ in range(6):
            if os.fork() == 0:
                continue
        os.execvp('sleep', ['sleep', {leftovers.token!r}])
    """)
    board = start_board({"code.py": bomb})
    board.wait_for("bombing")
    time.sleep(0.5)
    board.save("code.py", "print('defused')\n")
    board.wait_for(r"defused\n")
    assert leftovers.wait_gone() == []


# -- case 9: a VM that leaves without a word -----------------------------------------------------


@pytest.mark.parametrize(
    "ending", ["os._exit(0)", "os._exit(3)", "os.kill(os.getpid(), signal.SIGKILL)"]
)
def test_a_vm_that_vanishes_ends_its_run_like_a_board(start_board, ending):
    board = start_board({"code.py": f"import os, signal\nprint('bye')\n{ending}\n"})
    board.wait_for(r"bye\n")
    board.wait_for(r"Code done running\.\n")
    board.wait_for(r"Press any key to enter the REPL\. Use CTRL-D to reload\.")
    board.type(b"\x04")  # Ctrl-D works
    board.wait_for(r"soft reboot\n")
    board.wait_for(r"code\.py output:\nbye\n")
    board.wait_for(r"Press any key")
    board.save("code.py", "print('autoreload still on')\n")  # autoreload works
    board.wait_for(r"code\.py output:\nautoreload still on\n")
    board.wait_for(r"Press any key")
    board.type(b"\r")  # and a key enters the REPL
    board.wait_for(r">>> ")


def test_keys_typed_after_a_vanished_run_are_not_eaten_by_the_next(start_board):
    board = start_board({"code.py": "import os, time\nprint('going')\nos._exit(0)\n"})
    board.wait_for(r"Press any key")
    board.type(b"\r")
    board.wait_for(r">>> ")
    board.type(b"\x04")
    board.wait_for(r"soft reboot\n")
    board.wait_for(r"code\.py output:\ngoing\n")
    board.wait_for(r"Press any key")
    board.save("code.py", "print('reloaded by a save')\n")
    board.wait_for(r"reloaded by a save\n")


def test_a_vanishing_boot_py_still_boots(start_board):
    board = start_board({"boot.py": "import os\nos._exit(0)\n", "code.py": "print('code ran')\n"})
    board.wait_for(r"code ran\n")


def test_a_program_that_closes_its_console_still_ends(start_board):
    board = start_board(
        {"code.py": "import os\nprint('closing')\nfor fd in (0, 1, 2):\n    os.close(fd)\n"}
    )
    board.wait_for(r"closing\n")
    board.wait_for(r"Code done running\.")
    board.wait_for(r"Press any key")
    board.type(b"\x04")
    board.wait_for(r"closing\n")


def test_a_program_that_ignores_the_stop_signal_is_replaced(start_board, leftovers):
    stubborn = code("""
        import os, signal, time
        signal.signal(signal.SIGUSR1, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.setsid() if os.getsid(0) != os.getpid() else None
        print('deaf', flush=True)
        while True:
            time.sleep(0.05)
    """)
    board = start_board({"code.py": stubborn})
    board.wait_for("deaf")
    board.save("code.py", "print('heard')\n")
    board.wait_for(r"heard\n")


def test_a_non_daemon_thread_does_not_keep_a_run_alive(start_board):
    program = code("""
        import threading, time
        threading.Thread(target=time.sleep, args=(600,)).start()
        print('main done')
    """)
    board = start_board({"code.py": program})
    board.wait_for(r"main done\n")
    board.wait_for(r"Code done running\.")
    board.wait_for(r"Press any key")
    board.save("code.py", "print('next')\n")
    board.wait_for(r"next\n")


# -- case 16: the memory limit ---------------------------------------------------------------------


def test_fifty_threads_run_under_the_default_limit(start_board):
    program = code("""
        import threading
        stop = threading.Event()
        threads = [threading.Thread(target=stop.wait) for _ in range(50)]
        for thread in threads:
            thread.start()
        stop.set()
        for thread in threads:
            thread.join()
        print('fifty threads ran')
    """)
    board = start_board({"code.py": program})
    board.wait_for(r"fifty threads ran\n")
    board.wait_for(r"Code done running\.")


def test_allocating_past_the_limit_is_a_memory_error_and_the_board_goes_on(start_board):
    board = start_board(
        {"code.py": "hog = [bytearray(1 << 20) for _ in range(400)]\n"},
        args=("--memory-limit", "200"),
    )
    board.wait_for(r"MemoryError")
    board.wait_for(r"200 MiB")
    board.wait_for(r"Code done running\.")
    board.save("code.py", "print('still running')\n")
    board.wait_for(r"still running\n")


def test_a_vm_that_becomes_another_program_is_still_stopped(start_board, leftovers):
    board = start_board(
        {
            "code.py": "import os\nprint('exec', flush=True)\n"
            f"os.execvp('sleep', ['sleep', {leftovers.token!r}])\n"
        }
    )
    board.wait_for(r"exec\n")
    _wait_count(leftovers, 1)
    board.save("code.py", "print('after exec')\n")
    board.wait_for(r"after exec\n")
    assert leftovers.wait_gone() == []


def test_a_program_that_stops_itself_is_replaced(start_board):
    board = start_board(
        {
            "code.py": "import os, signal\nprint('stopping', flush=True)\n"
            "os.kill(os.getpid(), signal.SIGSTOP)\n"
        }
    )
    board.wait_for(r"stopping\n")
    board.save("code.py", "print('moved on')\n")
    board.wait_for(r"moved on\n")
