"""The supervisor: runs a board's life around the user's program.

It owns the CIRCUITPY drive and its watcher, the serial console (one pty the VMs use, mirrored to
every endpoint), the simulated world that outlives a run, and the control socket. It never runs
user code: each run is a fresh VM process forked from a pre-imported server (so a reload costs
milliseconds), and stopping one is killing a process, whatever the program was doing.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import itertools
import os
import queue
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from protoboard.runtime import control, vmprocess, vmserver
from protoboard.runtime.drive import Drive, DriveError
from protoboard.runtime.state import NextCodeFile, RunContext
from protoboard.version import __release_date__, __version__

#: how long a VM may take to stop after being asked before it is killed
STOP_GRACE = 0.25
#: typed-ahead input kept for a program that is not reading (a board's USB buffer is smaller)
TYPEAHEAD_LIMIT = 64 * 1024
#: a spare VM is prepared this long after a run starts (not to slow that run's first lines)
SPARE_DELAY = 0.1
DEFAULT_MEMORY_LIMIT = 512 << 20

SAFE_MODE_MESSAGES = {
    "USER": "You pressed the reset button during boot.",
    "PROGRAMMATIC": "The `microcontroller` module was used to boot into safe mode.",
    "HARD_FAULT": "CircuitPython core code crashed hard. Whoops!\nHard fault: memory access or "
    "instruction error.\nPlease file an issue with your program at "
    "github.com/adafruit/circuitpython/issues.",
}


@dataclass
class RunOptions:
    drive: Path
    port: str | None = None
    board: str | None = None
    #: console endpoints: "terminal", "pty", "tcp:PORT"
    consoles: tuple[str, ...] = ("terminal",)
    safe_mode: bool = False
    memory_limit: int | None = DEFAULT_MEMORY_LIMIT
    #: quiet time after the last complete write; short, because the watcher also waits for
    #: every changed file to be closed
    settle: float = 0.01
    #: a FAT image to serve instead of a folder (created if missing); ``drive`` is then the
    #: private working folder the VMs run from, kept in step with the image
    image: Path | None = None
    image_size: int = 2 << 20
    #: serve CircuitPython's BLE workflow (file transfer and serial console) through BlueZ;
    #: also turned on by CIRCUITPY_BLE_WORKFLOW = true in settings.toml
    ble: bool = False


@dataclass
class _Persistent:
    """What a board keeps across soft reloads (and loses at a hard reset). Every field is also
    a RunContext field: each run starts with these values."""

    autoreload: bool = True
    next_code: NextCodeFile = field(default_factory=NextCodeFile)
    previous_traceback: str | None = None
    python_writable: bool = False
    usb_writable: bool = True
    usb_drive_enabled: bool = True
    next_run_mode: str = "NORMAL"
    ble_workflow: bool = False
    rgb_status_brightness: int = 63
    status_bar_console: bool = True
    status_bar_display: bool = True


class _VM:
    def __init__(self, number: int, phase: str, process: Any, channel: Any) -> None:
        self.number = number
        self.phase = phase
        self.process = process
        self.channel = channel
        self.mode = "starting"
        self.final: tuple[str, ...] | None = None
        self.stopping = False
        self.killed = False
        self.outcome: str | None = None
        self.erase = False
        #: this run called supervisor.set_next_code_file()
        self.set_next_code = False


class Supervisor:
    def __init__(self, options: RunOptions) -> None:
        self.options = options
        self.drive = Drive(options.drive)
        self.events: queue.Queue[tuple[Any, ...]] = queue.Queue()
        self.persistent = _Persistent()
        self.world: dict[tuple[str, str], Any] = {}
        self.vm: _VM | None = None
        self.safe_mode_reason = "USER" if options.safe_mode else "NONE"
        self.reload_pending = False
        self.settled = True
        self.waiting_for_drive = False
        self._told_readonly = False
        self._spare: tuple[Any, Any] | None = None
        self._closing = False
        self._typed: queue.Queue[bytes] = queue.Queue()
        self._typed_bytes = 0
        self._numbers = itertools.count(1)
        self._request_ids = itertools.count(1)
        self._replies: dict[int, queue.Queue[dict[str, Any]]] = {}
        vmserver.start_early()  # no-op cost if the CLI already did
        self._context = vmserver.context()

    # -- host-side messages (stderr) and board console messages (the hub) -----------------

    def log(self, message: str) -> None:
        # "\r\n": while the terminal is in raw mode (the board has the keyboard), "\n" alone
        # would not return the cursor.
        end = "\r\n" if sys.stderr.isatty() else "\n"
        print(f"protoboard: {message}", file=sys.stderr, end=end, flush=True)

    def say(self, text: str) -> None:
        """Write to the board's serial console, as the board's supervisor would."""
        data = text.replace("\n", "\r\n").encode()
        self.hub.write(data)
        if getattr(self, "ble", None) is not None:
            self.ble.console_output(data)

    # -- setup ----------------------------------------------------------------------------

    def _resolve_board(self) -> Any:
        from protoboard.registry import select_port

        port = select_port(self.options.port)
        return port, port.board(self.options.board)

    def run(self) -> int:
        from protoboard.runtime.console import ConsoleHub

        port, board = self._resolve_board()
        self.port_name = port.name  # VMs use it as is: no port discovery in the VM
        self.banner = (
            f"Protoboard {__version__} on {__release_date__}; {board.name} with {board.mcu}"
        )
        self.image = None
        try:
            if self.options.image is not None:
                created = self._open_image()
            else:
                created = self.drive.first_boot()
        except (DriveError, OSError) as exc:
            self.log(str(exc))
            return 2
        self.log(f"{board.name} ({board.board_id}) on port '{port.name}'")
        where = self.options.image if self.image is not None else self.drive.root
        self.log(f"CIRCUITPY drive: {where}" + (" (new)" if created else ""))
        self._pty_master, self._pty_slave = os.openpty()
        self._pty_path = os.ttyname(self._pty_slave)
        self.hub = ConsoleHub(self._to_vm, on_quit=lambda: self.events.put(("quit", "Ctrl-]")))
        try:
            self._open_consoles()
        except OSError as exc:
            self.log(f"cannot open the console: {exc}")
            self.hub.close()
            return 2
        try:
            self.control = control.ControlServer(
                control.socket_path(self.drive.root), self._control
            )
        except (RuntimeError, OSError) as exc:
            self.log(str(exc))
            self.hub.close()
            return 2
        self.ble = self._start_ble()
        threading.Thread(target=self._pump_output, name="vm-output", daemon=True).start()
        threading.Thread(target=self._feed_vm, name="vm-input", daemon=True).start()
        threading.Thread(target=self._tick, name="tick", daemon=True).start()
        self._install_signals()
        try:
            self._power_on()
            self._start_watcher()  # after the first VM is on its way: start-up time matters
            return self._loop()
        finally:
            self._shutdown()

    # -- the BLE workflow ---------------------------------------------------------------------

    def _ble_wanted(self) -> bool:
        from protoboard.runtime import settings

        if self.options.ble:
            return True
        try:
            return settings.get_setting(self.drive.root, "CIRCUITPY_BLE_WORKFLOW", False) is True
        except (ValueError, OSError):
            return False

    def _start_ble(self) -> Any:
        """Put the drive and the console on the air through BlueZ. A failure (no Bluetooth
        here, no BlueZ, the extra not installed) only turns the BLE workflow off."""
        if not self._ble_wanted():
            return None
        try:
            from protoboard.ble.service import BleWorkflow

            name = self._ble_name()
            workflow = BleWorkflow(
                self.drive.root,
                name=name,
                read_only=self._ble_read_only,
                console_input=self._to_vm,
                write_window=self._ble_write_window(),
                fat_times=self.image is not None,
            )
            workflow.start()
        except Exception as exc:  # explained, never fatal: the board works without Bluetooth
            hint = getattr(exc, "hint", "")
            self.log(f"the BLE workflow is off: {exc}" + (f" ({hint})" if hint else ""))
            return None
        self.log(f"BLE workflow on: advertising as {name}")
        return workflow

    def _ble_name(self) -> str:
        from protoboard.runtime import settings

        try:
            name = settings.get_setting(self.drive.root, "CIRCUITPY_BLE_NAME", None)
        except (ValueError, OSError):
            name = None
        if isinstance(name, str) and name:
            return name
        import hashlib

        return "CIRCUITPY" + hashlib.sha256(self.banner.encode()).hexdigest()[:4]

    def _ble_write_window(self) -> int:
        """Bytes a BLE client may send between two acknowledgements: CircuitPython's 512 by
        default (every app copes); PROTOBOARD_BLE_WRITE_WINDOW = 4096 in settings.toml lets
        clients that accept it write at ~90% of the link's capacity instead of ~50%."""
        from protoboard.runtime import settings

        try:
            window = settings.get_setting(self.drive.root, "PROTOBOARD_BLE_WRITE_WINDOW", 512)
        except (ValueError, OSError):
            return 512
        return window if isinstance(window, int) and 512 <= window <= 65536 else 512

    def _ble_read_only(self) -> bool:
        """BLE writes get the protocol's read-only status while the program owns the drive
        (boot.py remounted it), as CircuitPython answers 05 when another side holds it."""
        return self.persistent.python_writable and not self.persistent.usb_writable

    # -- a FAT image as the drive ------------------------------------------------------------

    def _open_image(self) -> bool:
        """Serve a FAT image: the VMs run from a working folder that mirrors it."""
        from protoboard.runtime.fatimage import ImageDrive

        self.image = ImageDrive(self.options.image, self.drive.root)
        self.drive.root.mkdir(parents=True, exist_ok=True)
        created = self.image.create(self.options.image_size)
        self.image.open()  # ImageError (an OSError) says what is wrong with a bad image
        for note in self.image.notes:
            self.log(note)
        self._image_quiet_since: float | None = None
        self._image_pending: set[Path] = set()
        return created

    def _image_tick(self) -> None:
        """The computer changed the image (a loop mount, a USB gadget host): once it has been
        quiet for a moment, bring the changes into the working folder (the watcher then
        reloads as for any save)."""
        from protoboard.runtime.fatimage import ImageConflict, ImageError

        if self._image_pending:
            self._sync_to_image()
        if not self.image.changed_since_sync():
            self._image_quiet_since = None
            return
        now = time.monotonic()
        if self._image_quiet_since is None:
            self._image_quiet_since = now
            return
        if now - self._image_quiet_since < 0.75:
            return
        self._image_quiet_since = None
        try:
            changed = self.image.sync_from_image(force=False)
        except ImageConflict:
            changed = self.image.sync_from_image(force=True)  # the computer's copy wins
            self.log("a file changed both in the image and on the board; kept the image's")
        except ImageError as exc:
            self.log(f"could not read the changed image yet: {exc}")
            return
        if changed:
            self.log(f"{len(changed)} file(s) changed in the image")

    def _sync_to_image(self) -> None:
        from protoboard.runtime.fatimage import ImageConflict, ImageError

        pending, self._image_pending = sorted(self._image_pending), set()
        try:
            self.image.sync_to_image(pending)
        except ImageConflict:
            self.image.sync_from_image(force=True)
            self.log("the image changed meanwhile; the board's last writes were not copied")
        except ImageError as exc:
            self.log(str(exc))

    def _open_consoles(self) -> None:
        for spec in self.options.consoles:
            if spec == "terminal":
                self.hub.add_terminal()
                if os.isatty(0):
                    self.log("press Ctrl-] to quit")
            elif spec == "pty":
                self.log(
                    f"serial console: {self.hub.add_pty()}  (open it with screen, tio or pyserial)"
                )
            elif spec.startswith("tcp:"):
                host, port = self.hub.add_tcp(port=int(spec[4:] or 0))
                self.log(f"serial console: socket://{host}:{port}")
            else:
                raise OSError(f"unknown console '{spec}' (use terminal, pty or tcp:PORT)")

    def _start_watcher(self) -> None:
        from protoboard.runtime.drive import TEMP_PATTERN
        from protoboard.runtime.watcher import DEFAULT_IGNORES, DriveWatcher

        self.watcher = DriveWatcher(
            self.drive.root,
            on_change=lambda path: self.events.put(("change", path)),
            on_settled=lambda paths: self.events.put(("settled", paths)),
            settle=self.options.settle,
            ignore_patterns=(*DEFAULT_IGNORES, TEMP_PATTERN),
        )
        try:
            self.watcher.start()
        except OSError as exc:
            self.log(f"autoreload is unavailable: cannot watch the drive ({exc})")

    def _install_signals(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(signum, lambda s, f: self.events.put(("quit", signal.Signals(s).name)))

    def _pump_output(self) -> None:
        while True:
            try:
                data = os.read(self._pty_master, 65536)
            except OSError:
                return
            if not data:
                return
            self.hub.write(data)
            if self.ble is not None:
                self.ble.console_output(data)

    def _to_vm(self, data: bytes) -> None:
        """Typed input, from the hub's I/O thread: queued, never written here, so a program
        that does not read its input cannot stall the console."""
        if self._typed_bytes < TYPEAHEAD_LIMIT:
            self._typed_bytes += len(data)
            self._typed.put(data)

    def _feed_vm(self) -> None:
        while True:
            data = self._typed.get()
            self._typed_bytes -= len(data)
            with contextlib.suppress(OSError):
                os.write(self._pty_master, data)

    def _tick(self) -> None:
        while True:
            time.sleep(0.5)
            self.events.put(("tick",))

    # -- the board's life -------------------------------------------------------------------

    def _power_on(self) -> None:
        """A hard reset: RAM state cleared, boot.py (or safe mode), then code."""
        mode = self.persistent.next_run_mode
        self.persistent = _Persistent()
        if mode == "SAFE_MODE" and self.safe_mode_reason == "NONE":
            self.safe_mode_reason = "PROGRAMMATIC"
        if self.safe_mode_reason != "NONE":
            self._enter_safe_mode()
        elif self.drive.first_of(("boot.py", "boot.txt")) is None:
            # Nothing to run at boot: the code VM writes boot_out.txt itself (one VM less).
            self._start("code", "STARTUP", boot_out=True)
        else:
            self._start("boot", "STARTUP")

    def _enter_safe_mode(self) -> None:
        self.persistent.autoreload = False
        message = SAFE_MODE_MESSAGES.get(self.safe_mode_reason, self.safe_mode_reason)
        self.say(
            f"\nAuto-reload is off.\nRunning in safe mode! Not running saved code.\n\n"
            f"You are in safe mode because:\n{message}\nPress reset to exit safe mode.\n"
        )
        self.log(
            "safe mode: restart 'protoboard run' (without --safe-mode) or call "
            "microcontroller.reset() in the REPL to leave it"
        )
        self._start("safemode", "STARTUP")

    def _start(self, phase: str, reason: str, *, boot_out: bool = False) -> None:
        try:
            self.drive.check()
        except DriveError as exc:
            if not self.waiting_for_drive:
                self.say(f"\n{exc}\n")
                self.log(f"{exc}; waiting for it to come back")
            self.waiting_for_drive = True
            self._pending_start = (phase, reason)
            return
        self.waiting_for_drive = False
        # Everything the board keeps across soft reloads, plus what this run is about.
        kept = {
            f.name: copy.deepcopy(getattr(self.persistent, f.name))
            for f in dataclasses.fields(self.persistent)
        }
        context = RunContext(
            drive=self.drive.root,
            run_reason=reason,
            safe_mode_reason=self.safe_mode_reason,
            serial_connected=self.hub.connected,
            **kept,
        )
        config = vmprocess.VMConfig(
            phase=phase,
            drive=self.drive.root,
            pty_path=self._pty_path,
            context=context,
            port=self.port_name,
            board=self.options.board,
            world=[(part, attr, value) for (part, attr), value in self.world.items()],
            memory_limit=self.options.memory_limit,
            banner=self.banner,
            boot_out=boot_out,
        )
        vm = self._go_spare(phase, config)
        if vm is None:
            parent, child = self._context.Pipe(duplex=True)
            process = self._context.Process(
                target=vmprocess.main,
                args=(config, child),
                name=f"protoboard-vm-{phase}",
                daemon=True,
            )
            process.start()
            child.close()
            vm = _VM(next(self._numbers), phase, process, parent)
        self.vm = vm
        self.reload_pending = False
        threading.Thread(target=self._read_vm, args=(vm,), daemon=True).start()
        # Prepare the next VM in the background, once this one is under way.
        threading.Timer(SPARE_DELAY, lambda: self.events.put(("spare",))).start()

    def _go_spare(self, phase: str, config: vmprocess.VMConfig) -> _VM | None:
        """Hand the run to the spare VM, if one is ready."""
        spare, self._spare = self._spare, None
        if spare is None or not spare[0].is_alive():
            return None
        process, channel = spare
        try:
            channel.send({"op": "go", "config": config})
        except OSError:
            process.kill()
            return None
        return _VM(next(self._numbers), phase, process, channel)

    def _on_spare(self) -> None:
        if self._spare is not None or self._closing:
            return
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=vmprocess.spare,
            args=(self.port_name, self.options.board, child),
            name="protoboard-vm-spare",
            daemon=True,
        )
        try:
            process.start()
        except OSError as exc:
            self.log(f"could not prepare a spare VM ({exc}); reloads will be slower")
            return
        child.close()
        self._spare = (process, parent)

    def _read_vm(self, vm: _VM) -> None:
        while True:
            try:
                message = vm.channel.recv()
            except (EOFError, OSError):
                break
            self.events.put(("vm", vm, message))
        vm.process.join()
        self.events.put(("exit", vm, vm.process.exitcode))

    def _loop(self) -> int:
        handlers = {
            "vm": self._on_vm_message,
            "exit": self._on_vm_exit,
            "change": self._on_change,
            "settled": self._on_settled,
            "kill": self._on_kill_check,
            "tick": self._on_tick,
            "control": self._on_control,
            "spare": self._on_spare,
        }
        debug = bool(os.environ.get("PROTOBOARD_DEBUG"))
        while True:
            event = self.events.get()
            if debug and event[0] != "tick":
                self.log(f"event {event[0]}: {str(event[1:])[:160]}")
            if event[0] == "quit":
                self.log(f"stopping ({event[1]})")
                return 0
            handlers[event[0]](*event[1:])

    def _on_vm_message(self, vm: _VM, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if kind == "state":
            for key, value in message.items():
                if key != "type" and hasattr(self.persistent, key):
                    setattr(self.persistent, key, value)
            if "next_code" in message:
                vm.set_next_code = True
        elif kind == "own_write":
            self.watcher.ignore_own_write(Path(message["path"]))
            if self.image is not None:
                self._image_pending.add(Path(message["path"]))
        elif kind == "mode":
            vm.mode = message["mode"]
        elif kind == "done":
            vm.outcome = message["outcome"]
            self.persistent.previous_traceback = message.get("traceback")
        elif kind == "boot_out":
            self.watcher.ignore_own_write(self.drive.root / "boot_out.txt")
            try:
                if self.drive.write_boot_out(message["text"]) and self.image is not None:
                    self._image_pending.add(self.drive.root / "boot_out.txt")
                    self._sync_to_image()
            except OSError as exc:
                self.log(f"could not write boot_out.txt: {exc.strerror}")
            if vm.phase == "boot":
                vm.final = ("booted",)
        elif kind in ("reload", "reset"):
            vm.final = (kind, message.get("reason", ""))
        elif kind == "erase_filesystem":
            vm.erase = True
        elif kind == "reply":
            waiter = self._replies.pop(message.get("id", -1), None)
            if waiter is not None:
                waiter.put(message)
        elif kind == "internal_error":
            self.log(f"internal error in the VM: {message.get('error')} (please report it)")

    def _on_vm_exit(self, vm: _VM, exitcode: int | None) -> None:
        if vm is not self.vm:
            return
        self.vm = None
        final = vm.final or ()
        if vm.phase == "code":
            self._expire_next_code(vm, final)
        if final[:1] == ("booted",):
            self._boot_crashes = 0
            self._start("code", "STARTUP")
        elif vm.stopping or final[:2] == ("reload", "AUTO_RELOAD"):
            self.reload_pending = True
            if vm.killed:
                self.say(f"\n{vmprocess.STOPPED_BY_RELOAD}\n")
            self._maybe_reload()
        elif final[:1] == ("reload",):
            self.say("\nsoft reboot\n")
            phase = "safemode" if self.safe_mode_reason != "NONE" else "code"
            self._start(phase, final[1] or "SUPERVISOR_RELOAD")
        elif final[:1] == ("reset",):
            if vm.erase:
                self._erase_filesystem()
            self.safe_mode_reason = "NONE"
            self.say("\n")
            self._power_on()
        elif exitcode is not None and exitcode < 0 and not vm.killed:
            name = (
                signal.Signals(-exitcode).name
                if -exitcode in signal.valid_signals()
                else str(-exitcode)
            )
            self.log(f"the VM crashed ({name}); entering safe mode")
            self.safe_mode_reason = "HARD_FAULT"
            self._enter_safe_mode()

    def _expire_next_code(self, vm: _VM, final: tuple[str, ...]) -> None:
        """supervisor.set_next_code_file() applies to the next run; after that run it stays
        only if its sticky flag matches how the run ended (as CircuitPython's main.c)."""
        chosen = self.persistent.next_code
        if not chosen.filename or vm.set_next_code:
            return  # nothing chosen, or chosen by this very run: it is for the next one
        if final[:1] == ("reload",) or vm.stopping:
            keep = chosen.sticky_on_reload
        elif vm.outcome in ("exception", "interrupted"):
            keep = chosen.sticky_on_error
        else:
            keep = chosen.sticky_on_success
        if not keep:
            self.persistent.next_code = NextCodeFile()

    def _on_change(self, path: Path) -> None:
        self.settled = False
        if not self.persistent.autoreload or self.safe_mode_reason != "NONE":
            return
        if self.persistent.python_writable and not self.persistent.usb_writable:
            # boot.py gave the drive to the program: as on a board, the host side is read-only
            # then, so changes are the program's own and never reload it.
            if not self._told_readonly:
                self._told_readonly = True
                self.log(
                    "code.py may write the drive (storage.remount in boot.py), so saves "
                    "from this computer do not reload it; press Ctrl-D to reload"
                )
            return
        vm = self.vm
        if vm is None:
            self.reload_pending = True
            return
        if vm.phase != "code" or vm.mode == "repl" or vm.stopping:
            return
        vm.stopping = True
        self.reload_pending = True
        with contextlib.suppress(ProcessLookupError, TypeError):
            os.kill(vm.process.pid, signal.SIGUSR1)
        threading.Timer(STOP_GRACE, lambda: self.events.put(("kill", vm))).start()

    def _on_kill_check(self, vm: _VM) -> None:
        if vm is self.vm and vm.process.is_alive():
            vm.killed = True
            vm.process.kill()

    def _on_settled(self, paths: list[Path]) -> None:
        self.settled = True
        self._maybe_reload()

    def _maybe_reload(self) -> None:
        if self.reload_pending and self.settled and self.vm is None:
            self.say("\nsoft reboot\n")
            self._start("code", "AUTO_RELOAD")

    def _on_tick(self) -> None:
        if self.image is not None:
            self._image_tick()
        if self.waiting_for_drive and self.drive.root.is_dir():
            self.log("the drive is back")
            self._start(*self._pending_start)

    def _erase_filesystem(self) -> None:
        """storage.erase_filesystem(): keep the old contents beside the drive (or the image),
        start afresh."""
        old = self.options.image if self.image is not None else self.drive.root
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = old.with_name(f"{old.stem}-erased-{stamp}{old.suffix}")
        try:
            old.rename(backup)
            if self.image is not None:
                self._open_image()
            else:
                self.drive.first_boot()
            self.log(f"drive erased; the old contents are kept in {backup}")
        except OSError as exc:
            self.log(f"could not erase the drive: {exc}")

    # -- control requests (protoboard sim ...) -------------------------------------------------

    def _control(self, request: dict[str, Any]) -> dict[str, Any]:
        """Runs on the control thread: hand the request to the main loop and wait."""
        waiter: queue.Queue[dict[str, Any]] = queue.Queue()
        self.events.put(("control", request, waiter))
        try:
            return waiter.get(timeout=5)
        except queue.Empty:
            return {"ok": False, "error": "the board did not answer in time; try again"}

    def _on_control(self, request: dict[str, Any], waiter: queue.Queue[dict[str, Any]]) -> None:
        op = request.get("op")
        if op == "world":
            waiter.put({"ok": True, "world": [[p, a, v] for (p, a), v in self.world.items()]})
            return
        if op != "set":
            waiter.put({"ok": False, "error": f"unknown request '{op}'"})
            return
        part, attribute, value = request["part"], request["attribute"], request["value"]
        vm = self.vm
        if vm is None or not vm.process.is_alive():
            self.world[(part, attribute)] = value
            waiter.put(
                {"ok": True, "note": "stored: the board applies it when the next run starts"}
            )
            return
        number = next(self._request_ids)

        def check(reply: dict[str, Any]) -> None:
            if reply.get("ok"):
                self.world[(part, attribute)] = value
            waiter.put(reply)

        relay: queue.Queue[dict[str, Any]] = queue.Queue()
        self._replies[number] = relay
        try:
            vm.channel.send(
                {"op": "set", "id": number, "part": part, "attribute": attribute, "value": value}
            )
        except OSError:
            self._replies.pop(number, None)
            waiter.put({"ok": False, "error": "the board is restarting; try again"})
            return
        threading.Thread(target=lambda: check(relay.get(timeout=4)), daemon=True).start()

    # -- shutdown -----------------------------------------------------------------------------

    def _shutdown(self) -> None:
        self._closing = True
        if getattr(self, "image", None) is not None and self._image_pending:
            self._sync_to_image()
        processes = [self.vm.process] if self.vm is not None else []
        if self._spare is not None:
            processes.append(self._spare[0])
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join(2)
        with contextlib.suppress(Exception):
            self.watcher.stop()
        if getattr(self, "ble", None) is not None:
            with contextlib.suppress(Exception):
                self.ble.stop()
        with contextlib.suppress(Exception):
            self.control.close()
        with contextlib.suppress(Exception):
            self.hub.close()
        for fd in (self._pty_master, self._pty_slave):
            with contextlib.suppress(OSError):
                os.close(fd)
        vmserver.stop()
