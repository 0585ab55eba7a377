"""One VM: a fresh process per run, as CircuitPython gives every run a fresh VM.

The supervisor starts it (forked from a pre-imported server) with a :class:`VMConfig`. It takes
the console pty as its controlling terminal (so Ctrl-C is a real SIGINT), builds the machine,
runs its phase (boot.py, safemode.py, or code.py then the wait loop and the REPL), reports to the
supervisor over a pipe and exits. Killing it is the soft reset: the OS frees everything it held.
"""

from __future__ import annotations

import contextlib
import functools
import io
import os
import resource
import signal
import sys
import termios
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protoboard.runtime import state, vmparts, vmserver
from protoboard.runtime.drive import Drive
from protoboard.runtime.messages import (
    AddPart,
    BoardState,
    BootOut,
    CodeDone,
    Go,
    InternalError,
    ListParts,
    ModeChanged,
    PartReply,
    ReloadRequest,
    RemovePart,
    ResetRequest,
    SetPart,
    ToSupervisor,
    TraceBoard,
    WatchBoard,
    WokenUp,
)

AUTORELOAD_ON = (
    "Auto-reload is on. Simply save files over USB to run them or enter REPL to disable."
)
AUTORELOAD_OFF = "Auto-reload is off."
WAIT_PROMPT = "Press any key to enter the REPL. Use CTRL-D to reload."
CODE_DONE = "Code done running."
STOPPED_BY_RELOAD = "Code stopped by auto-reload. Reloading soon."
LINE_CLEAR = "\x1b[2K\x1b[0G"


@dataclass
class VMConfig:
    #: "boot", "safemode" or "code"
    phase: str
    drive: Path
    pty_path: str
    context: state.RunContext
    port: str | None = None
    board: str | None = None
    #: (part, attribute, value) settings of the simulated world, applied before the run
    world: list[tuple[str, str, Any]] = field(default_factory=list)
    #: parts to wire (protoboard.partsfile.PartSpec): the parts file's, to try, and the last
    #: good ones to fall back on (None: ``parts`` are the good ones); ``protoboard sim add``'s;
    #: names ``protoboard sim remove`` took off
    parts: list[Any] = field(default_factory=list)
    parts_fallback: list[Any] | None = None
    session_parts: list[Any] = field(default_factory=list)
    removed_parts: list[str] = field(default_factory=list)
    #: memory limit for the run, in bytes (None: no limit); see :func:`_limit_memory`
    memory_limit: int | None = None
    #: first line of boot_out.txt, shown as the REPL banner
    banner: str = ""
    #: a code run that also writes boot_out.txt (when there is no boot.py to run first)
    boot_out: bool = False
    #: the run's VM vanished (os._exit, a signal): end the run as a board would ("Code done
    #: running." if ``code_done``, then the wait loop) without running the program again
    resume: bool = False
    code_done: bool = False
    #: a board view is open: send the board's state (protoboard.web.boardview.watch)
    watch_board: bool = False


class _ScreenTee(io.TextIOWrapper):
    """The console's text stream, also shown on the board's display when it shows the
    terminal (``board.DISPLAY`` with no ``root_group``), as a board mirrors its serial
    console there. The display can never break the console: its errors are dropped."""

    def write(self, text: str) -> int:
        written = super().write(text)
        from protoboard.bindings import _terminal_display

        terminal = _terminal_display.terminal()
        if terminal is not None and text:
            with contextlib.suppress(Exception):
                terminal.write(text.replace("\n", "\r\n").encode("utf-8", "replace"))
        return written


def _console_stream() -> io.TextIOWrapper:
    return _ScreenTee(
        io.FileIO(1, "w", closefd=False),
        encoding="utf-8",
        errors="replace",
        line_buffering=True,
        write_through=True,
    )


class _Console:
    """stdin/stdout on the pty, as text, unbuffered so output interleaves as on a board."""

    def __init__(self) -> None:
        self.out = _console_stream()

    def write(self, text: str) -> None:
        self.out.write(text)
        self.out.flush()

    def read_byte(self) -> int:
        while True:
            data = os.read(0, 1)
            if data:
                return data[0]
            raise EOFError

    def mode(self, *, line_editing: bool, interrupts: bool = True) -> None:
        """Line editing by the terminal driver while code runs (input() works as on a board);
        raw keys, read by the board itself, in the wait loop and the REPL. Ctrl-C interrupts
        (ISIG) except while the raw REPL reads a command, where it is a byte of the protocol."""
        with contextlib.suppress(termios.error):
            attrs = termios.tcgetattr(0)
            lflag = (attrs[3] | termios.ISIG) & ~termios.ECHOCTL  # a board does not echo "^C"
            if not interrupts:
                lflag &= ~termios.ISIG
            if line_editing:
                lflag |= termios.ICANON | termios.ECHO | termios.IEXTEN
            else:
                lflag &= ~(termios.ICANON | termios.ECHO | termios.IEXTEN)
            attrs[3] = lflag
            attrs[0] &= ~(termios.IXON | termios.IXOFF)
            # The REPL tells CR, LF and CR LF apart itself (each is one Enter); input() wants CR
            # as LF from the terminal driver.
            attrs[0] = attrs[0] | termios.ICRNL if line_editing else attrs[0] & ~termios.ICRNL
            attrs[6][termios.VMIN] = 1
            attrs[6][termios.VTIME] = 0
            termios.tcsetattr(0, termios.TCSANOW, attrs)


#: the console's pty (set when the VM attaches to it)
_pty_path = ""


def _attach_terminal(pty_path: str) -> None:
    global _pty_path
    _pty_path = pty_path
    os.setsid()
    fd = os.open(pty_path, os.O_RDWR)  # the first tty a session leader opens is its ctty
    for target in (0, 1, 2):
        os.dup2(fd, target)
    if fd > 2:
        os.close(fd)
    sys.stdin = io.TextIOWrapper(
        io.FileIO(0, "r", closefd=False), encoding="utf-8", errors="replace", line_buffering=True
    )
    out = _console_stream()
    sys.stdout = out
    sys.stderr = out  # one console, as on a board


def _reattach_console(pty_path: str) -> None:
    """Put the console back on fds 0, 1 and 2 after a program closed or redirected them."""
    with contextlib.suppress(OSError):
        fd = os.open(pty_path, os.O_RDWR | os.O_NOCTTY)
        for target in (0, 1, 2):
            os.dup2(fd, target)
        if fd > 2:
            os.close(fd)


#: stack of each thread a program starts (Python's default is the main thread's, 8 MiB on
#: Linux, all of it counted by the memory limit though barely used)
THREAD_STACK = 2 << 20


def _limit_memory(limit: int | None) -> None:
    """Limit the memory the run may use. On Linux this is RLIMIT_DATA: since Linux 4.7 it counts
    every private writable mapping (the heap, malloc's arenas, thread stacks), not address
    space merely reserved, so threads do not exhaust it; past it an allocation fails and the
    program gets MemoryError. Elsewhere RLIMIT_DATA does not cover mmap'd memory, so it is the
    address space (RLIMIT_AS)."""
    if not limit:
        return
    kind = resource.RLIMIT_DATA if sys.platform.startswith("linux") else resource.RLIMIT_AS
    threading.stack_size(THREAD_STACK)
    with contextlib.suppress(ValueError, OSError):  # a lower hard limit set by the user
        resource.setrlimit(kind, (limit, limit))


def _detach_from_forks(channel: Any) -> None:
    """A process the program forks must not hold the supervisor's pipe (the supervisor would
    read its writes as the VM's) nor tell the supervisor anything: its copy of the pipe is
    replaced by /dev/null, its notify by a no-op."""

    def in_child() -> None:
        with contextlib.suppress(OSError, ValueError):
            null = os.open(os.devnull, os.O_RDWR)
            os.dup2(null, channel.fileno())
            os.close(null)
        state.current.notify = state._ignore

    os.register_at_fork(after_in_child=in_child)


def main(config: VMConfig, channel: Any) -> None:
    """Entry point of a VM started for one run."""
    _run(config, channel, None)


def spare(port: str | None, board: str | None, channel: Any) -> None:
    """Entry point of a spare VM: build the machine now, then wait for the run's config, so a
    reload costs neither a fork nor a machine build."""
    for signum in (signal.SIGTERM, signal.SIGHUP):  # the fork server's are for itself
        signal.signal(signum, signal.SIG_DFL)
    vmserver.forget_server()
    try:
        from protoboard.runtime import preload

        preload.warm_spare()
        prepared = _new_machine(port, board)
        message = channel.recv()
    except (EOFError, OSError, KeyboardInterrupt):
        os._exit(0)
    if not isinstance(message, Go):
        os._exit(0)
    _run(message.config, channel, prepared)


def _run(config: VMConfig, channel: Any, prepared: Any) -> None:
    vmserver.forget_server()
    _attach_terminal(config.pty_path)
    # No __pycache__ folders on the user's drive (a board never makes them either).
    sys.dont_write_bytecode = True
    console = _Console()
    send_lock = threading.Lock()

    def notify(message: ToSupervisor) -> None:
        with send_lock, contextlib.suppress(OSError, ValueError):
            channel.send(message)

    context = config.context
    context.notify = notify
    context.drive = config.drive
    state.install(context)

    def stop_for_reload(signum: int, frame: Any) -> None:
        raise state.ReloadRequested("AUTO_RELOAD")

    signal.signal(signal.SIGUSR1, stop_for_reload)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    _detach_from_forks(channel)

    try:
        machine = prepared or _new_machine(config.port, config.board)
        vmparts.wire(machine, config, console.write, notify)
        _apply_world(machine, config.world)
        _start_display(machine, console)
        watcher = _board_watcher(machine, config.watch_board, notify)
        _listen(channel, machine, notify, watcher)
        _open_data_channel(context)
        _install_runtime_rules(config.drive)
        os.chdir(config.drive)
        _limit_memory(config.memory_limit)
        phases = {"boot": _boot, "safemode": _safemode, "code": _code, "raw_repl": _raw_repl}
        phase = phases[config.phase]
        phase(config, console)
    except state.ReloadRequested as exc:
        notify(ReloadRequest(exc.reason, exc.raw_repl))
    except _Reset:
        notify(ResetRequest())
    except BaseException as exc:  # a fault of Protoboard itself, not of the program
        import traceback

        console.write("".join(traceback.format_exception(exc)))
        notify(InternalError(f"{type(exc).__name__}: {exc}"))
    finally:
        sys.stdout.flush()
        # Leave at once: threads (keypad scanners, listeners) die with the process, as a
        # board's peripherals do at a soft reset.
        os._exit(0)


def _start_display(machine: Any, console: _Console) -> None:
    """A board with a built-in display sets it up at boot, as CircuitPython's board_init()."""
    from protoboard.displaycore import board_display

    try:
        board_display.start(machine)
    except Exception as exc:  # a board file's display that cannot start: say so, run anyway
        console.write(f"board.DISPLAY could not start: {type(exc).__name__}: {exc}\n")


class _Reset(BaseException):
    pass


def _new_machine(port: str | None, board: str | None) -> Any:
    from protoboard import importer, machine

    target = machine.create(port, board)
    machine.activate(target)
    importer.install()
    return target


def _apply_world(target: Any, world: list[tuple[str, str, Any]]) -> None:
    from protoboard.partsfile import set_attribute

    for part, attribute, value in world:
        with contextlib.suppress(Exception):  # a world entry for a part this board lacks
            # (checked and converted: one stored while no run was there to check it)
            set_attribute(target.backend.simulated_world().part(part), attribute, value)


def _board_watcher(target: Any, on: bool, notify: Callable[[ToSupervisor], None]) -> Any:
    """The board view's watcher of a simulated board (None on other boards)."""
    try:
        sim = target.backend.simulated_world()
    except Exception:
        return None
    from protoboard.web.boardview.watch import BoardWatcher

    watcher = BoardWatcher(sim, lambda delta, full: notify(BoardState(delta, full)))
    watcher.watch(on)
    return watcher


def _listen(
    channel: Any, target: Any, notify: Callable[[ToSupervisor], None], watcher: Any
) -> None:
    """Apply the supervisor's live changes to the simulated world (``protoboard sim set``)."""

    def serve() -> None:
        while True:
            try:
                message = channel.recv()
            except (EOFError, OSError):
                return
            # (one isinstance per kind: tests/runtime/test_protocol.py looks for each)
            if (
                isinstance(message, SetPart)
                or isinstance(message, AddPart)
                or isinstance(message, RemovePart)
                or isinstance(message, ListParts)
            ):
                notify(vmparts.answer(message, target))
            elif isinstance(message, WatchBoard) and watcher is not None:
                watcher.watch(message.on)
            elif isinstance(message, TraceBoard):
                trace = watcher.trace() if watcher is not None else None
                notify(
                    PartReply(
                        message.id,
                        ok=trace is not None,
                        data=trace,
                        error=None if trace else "this board is not simulated",
                    )
                )

    threading.Thread(target=serve, name="world", daemon=True).start()


def _open_data_channel(context: state.RunContext) -> None:
    """usb_cdc.data's pty, opened now: the program's file rules (drive paths only) do not
    apply to the board's own USB port."""
    if context.usb_cdc_data and context.usb_cdc_data_path:
        with contextlib.suppress(OSError):
            context.usb_cdc_data_fd = os.open(
                context.usb_cdc_data_path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK
            )


def _install_runtime_rules(drive: Path) -> None:
    from protoboard.runtime import paths, settings, writerule

    paths.install(drive)
    writerule.install(state.current)
    settings.install_os_getenv(drive)


def _boot(config: VMConfig, console: _Console) -> None:
    """Run boot.py with its output captured for boot_out.txt, as CircuitPython does."""
    drive = Drive(config.drive)
    text = _boot_header(config)
    boot_file = drive.first_of(("boot.py", "boot.txt"))
    if boot_file is not None:
        captured = io.StringIO()
        state.current.in_boot = True
        with contextlib.redirect_stdout(captured), contextlib.redirect_stderr(captured):
            result = _run_program(boot_file)
            if result.traceback:
                captured.write(result.traceback)
        state.current.in_boot = False
        text += f"{boot_file.name} output:\n" + captured.getvalue()
    state.current.notify(BootOut(text))


def _report_settings(drive: Path, console: _Console) -> None:
    """Malformed CIRCUITPY_* keys in settings.toml, reported as the board reports them when it
    reads them at start-up."""
    from protoboard.runtime import settings

    with contextlib.suppress(Exception):  # a settings file must never stop a run
        lines = settings.check_supervisor_keys(drive)
        if lines:
            console.write("\n".join(lines) + "\n")


def _connect_wifi(drive: Path) -> None:
    """Join CIRCUITPY_WIFI_SSID with CIRCUITPY_WIFI_PASSWORD before code.py, as a board's web
    workflow does at start-up (a failure is silent there too: the program sees
    ``wifi.radio.connected`` False and may connect itself)."""
    from protoboard.machine import current
    from protoboard.runtime import settings

    if "wifi" not in current().modules:
        return
    with contextlib.suppress(Exception):  # a settings file must never stop a run
        result, ssid = settings.supervisor_setting(drive, "CIRCUITPY_WIFI_SSID")
        if result is not settings.Result.OK or not ssid:
            return
        result, password = settings.supervisor_setting(drive, "CIRCUITPY_WIFI_PASSWORD")
        from protoboard.bindings.wifi import _board_radio

        _board_radio().connect(ssid, password if result is settings.Result.OK else "")


def _boot_header(config: VMConfig) -> str:
    """boot_out.txt's first lines: the banner, the board id and the chip's UID."""
    import microcontroller

    from protoboard.machine import current

    uid = bytes(microcontroller.cpu.uid).hex().upper()
    return f"{config.banner}\nBoard ID:{current().board.board_id}\nUID:{uid}\n"


def _safemode(config: VMConfig, console: _Console) -> None:
    drive = Drive(config.drive)
    program = drive.first_of(("safemode.py", "safemode.txt"))
    if program is not None and state.current.safe_mode_reason != "USER" and not config.resume:
        result = _run_program(program)
        if result.traceback:
            console.write(result.traceback)
    _wait_then_repl(config, console, autoreload_line=False)


def _run_program(path: Path) -> Any:
    from protoboard import vm

    result = vm.run_file(path, contain=False)  # the supervisor ends the run's processes
    _reattach_console(_pty_path)
    if result.outcome is vm.Outcome.RESET:
        raise _Reset()
    return result


def _code(config: VMConfig, console: _Console) -> None:
    from protoboard import vm

    context = state.current
    drive = Drive(config.drive)
    if config.boot_out:
        context.notify(BootOut(_boot_header(config)))
    if config.resume:
        if config.code_done:
            console.write(f"\n{CODE_DONE}\n")
        _wait_then_repl(config, console, autoreload_line=True)
        return
    console.mode(line_editing=True)
    _report_settings(config.drive, console)
    _connect_wifi(config.drive)
    requested = context.next_code.filename
    choice = drive.choose_code(requested)
    if requested and choice is None:
        console.write(f"{requested} not found.\n")
        choice = drive.choose_code()
    outcome = None
    if choice is not None:
        if context.next_code.working_directory:
            with contextlib.suppress(OSError):
                os.chdir(drive.resolve(context.next_code.working_directory))
        console.write(f"{LINE_CLEAR}{choice.path.name} output:\n")
        if choice.warning:
            console.write(choice.warning)
        # (tracebacks print when the program ends, before its atexit handlers run)
        result = vm.run_file(choice.path, contain=False, show=console.write)
        _reattach_console(config.pty_path)
        _keep_sleep_memory()
        outcome = result.outcome
        if outcome is vm.Outcome.DEEP_SLEEP:
            context.notify(CodeDone(outcome.value, None))
            console.write(f"\n{CODE_DONE}\n")
            _pretend_deep_sleep(config, console, getattr(result.exception, "alarms", ()))
            return
        if outcome is vm.Outcome.RELOAD:
            if result.reason == "AUTO_RELOAD":
                console.write(f"\n{STOPPED_BY_RELOAD}\n")
            raise state.ReloadRequested(result.reason or "SUPERVISOR_RELOAD")
        if outcome is vm.Outcome.RESET:
            raise _Reset()
        if isinstance(result.exception, MemoryError) and config.memory_limit:
            console.write(
                f"(Protoboard limits each run to {config.memory_limit >> 20} MiB of "
                "memory: protoboard run --memory-limit changes it.)\n"
            )
        context.notify(CodeDone(outcome.value, _without_hint(result.traceback)))
        console.write(f"\n{CODE_DONE}\n")
        failed = outcome in (vm.Outcome.EXCEPTION, vm.Outcome.INTERRUPTED)
        nxt = context.next_code
        if (nxt.reload_on_error and failed) or (nxt.reload_on_success and not failed):
            raise state.ReloadRequested("SUPERVISOR_RELOAD")
    _wait_then_repl(config, console, autoreload_line=True)


def _keep_sleep_memory() -> None:
    """alarm.sleep_memory outlives the run: tell the supervisor what it holds."""
    binding = sys.modules.get("protoboard.bindings.alarm")
    if binding is not None:
        binding._save_sleep_memory()


def _pretend_deep_sleep(config: VMConfig, console: _Console, alarms: Any) -> None:
    """The wait loop of a board that would deep sleep with USB connected: an alarm runs code.py
    again (the supervisor starts it), a key enters the REPL (Ctrl-D reloads), a save reloads."""
    from protoboard.runtime import deepsleep

    context = state.current
    console.mode(line_editing=False)
    console.write((AUTORELOAD_ON if context.autoreload else AUTORELOAD_OFF) + "\n")
    console.write(f"\n{WAIT_PROMPT}\n{deepsleep.PRETENDING}\n")
    context.notify(ModeChanged("wait"))
    try:
        woke = deepsleep.sleep_until(tuple(alarms), deepsleep.key_waiting(0))
    except KeyboardInterrupt:
        woke = None
    if woke is not None:
        console.write(f"{deepsleep.WOKEN}\n")
        context.notify(WokenUp(woke))
        return
    try:
        key = console.read_byte()
    except KeyboardInterrupt:
        key = 3
    except EOFError:
        signal.pause()
        return
    if key == 4:
        raise state.ReloadRequested("REPL_RELOAD")
    _repl(config, console)


def _without_hint(text: str | None) -> str | None:
    """supervisor.get_previous_traceback() gives the traceback alone, as on a board."""
    from protoboard import hints

    return hints.strip(text) if text else text


def _wait_then_repl(config: VMConfig, console: _Console, *, autoreload_line: bool) -> None:
    context = state.current
    console.mode(line_editing=False)
    if autoreload_line:
        console.write((AUTORELOAD_ON if context.autoreload else AUTORELOAD_OFF) + "\n")
    console.write(f"\n{WAIT_PROMPT}\n")
    context.notify(ModeChanged("wait"))
    try:
        key = console.read_byte()
    except KeyboardInterrupt:
        key = 3
    except EOFError:
        signal.pause()  # the console went away: idle until the supervisor acts
        return
    if key == 4:
        raise state.ReloadRequested("REPL_RELOAD")
    _repl(config, console)


def _repl_exit_handlers(root: Path, console: _Console) -> None:
    """What was registered with atexit at the prompt runs as the REPL is left (a board's
    main.c runs them when its REPL returns)."""
    from protoboard import vm

    vm.run_exit_handlers([root], console.write, vm.RunResult(vm.Outcome.SUCCESS))


def _raw_repl(config: VMConfig, console: _Console) -> None:
    """After a soft reboot asked for in the raw REPL: straight back to it, no code.py."""
    _repl(config, console, raw=True)


def _repl(config: VMConfig, console: _Console, *, raw: bool = False) -> None:
    from protoboard import vm
    from protoboard.machine import ResetRequested
    from protoboard.runtime import rawrepl, repl

    state.current.notify(ModeChanged("repl"))
    namespace: dict[str, Any] = {"__name__": "__main__"}
    drive = Drive(config.drive)
    with vm.program_environment(drive.root, [drive.root / "lib"]) as world:
        namespace["__builtins__"] = world.builtins  # what is typed imports as code.py does
        startup = drive.first_of(("repl.py",))
        if startup is not None:
            result = _run_program(startup)
            if result.traceback:
                console.write(result.traceback)
        try:
            keys = functools.partial(console.mode, line_editing=False)
            repl.run(console.read_byte, console.write, namespace, config.banner, raw=raw, keys=keys)
        except rawrepl.RawSoftReboot:
            _repl_exit_handlers(drive.root, console)
            raise state.ReloadRequested("REPL_RELOAD", raw_repl=True) from None
        except repl.SoftReboot:
            console.write("\n")
            _repl_exit_handlers(drive.root, console)
            raise state.ReloadRequested("REPL_RELOAD") from None
        except ResetRequested:  # microcontroller.reset() typed at the prompt
            raise _Reset() from None
