"""The supervisor: runs a board's life around the user's program.

It owns the CIRCUITPY drive and its watcher, the serial console (one pty the VMs use, mirrored to
every endpoint), the simulated world that outlives a run, and the control socket. It never runs
user code: each run is a fresh VM process forked from a pre-imported server (so a reload costs
milliseconds), and stopping one is killing a process, whatever the program was doing.

This module is the orchestration: the board's life (power on, safe mode, reloads, resets) and
one handler per message (:mod:`protoboard.runtime.messages`) and per event
(:mod:`protoboard.runtime.events`), all run on the main loop's thread. Its rooms: VM processes
(:mod:`.vmpool`), the console pty (:mod:`.vmconsole`), a FAT image (:mod:`.imagesync`), what
outlives a run (:mod:`.world`) and the BLE workflow's start (:mod:`.ble_workflow`).
"""

from __future__ import annotations

import contextlib
import functools
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from protoboard.errors import UserError
from protoboard.runtime import ble_workflow, control, drivespace, events, vmprocess
from protoboard.runtime.boardparts import BoardParts
from protoboard.runtime.console import ConsoleHub
from protoboard.runtime.console.tcp import PASSWORD_ENV, TcpSpec
from protoboard.runtime.datachannel import DataChannel
from protoboard.runtime.drive import CODE_FILES, Drive, DriveError
from protoboard.runtime.messages import (
    AddPart,
    AddRequest,
    BoardState,
    BootOut,
    CodeDone,
    ControlReply,
    ControlRequest,
    EraseFilesystem,
    InternalError,
    ListParts,
    ModeChanged,
    OwnWrite,
    PartReply,
    PartsLoaded,
    PartsRequest,
    ReloadRequest,
    RemovePart,
    RemoveRequest,
    ResetRequest,
    SetRequest,
    StateChanged,
    StatusRequest,
    ToSupervisor,
    TraceBoard,
    TraceRequest,
    UnknownRequest,
    UsbIdentification,
    WatchBoard,
    WatchRequest,
    WokenUp,
    WorldRequest,
)
from protoboard.runtime.state import RunContext
from protoboard.runtime.vmconsole import VMConsole
from protoboard.runtime.vmpool import VM, VMPool
from protoboard.runtime.world import Persistent, UsbIdentity, World
from protoboard.runtime.worldrelay import WorldRelay
from protoboard.version import __release_date__, __version__
from protoboard.web.boardview.hub import BoardStateHub
from protoboard.web.workflow import RunStatus

if TYPE_CHECKING:
    from protoboard.ble.service import BleWorkflow
    from protoboard.runtime.imagesync import ImageSync
    from protoboard.runtime.panel import TerminalPanel
    from protoboard.runtime.watcher import DriveWatcher
    from protoboard.web.mdns import Mdns
    from protoboard.web.workflow import WebWorkflow

#: how long a VM may take to stop after being asked before it is killed
STOP_GRACE = 0.25
#: a spare VM is prepared this long after a run starts (not to slow that run's first lines)
SPARE_DELAY = 0.1
DEFAULT_MEMORY_LIMIT = 512 << 20
#: signals a VM dies of when it faults (a board's hard fault: safe mode); any other signal, or an
#: exit without a word (os._exit), ends the run as if the program had ended
FAULT_SIGNALS = frozenset(
    {signal.SIGSEGV, signal.SIGBUS, signal.SIGILL, signal.SIGFPE, signal.SIGABRT, signal.SIGSYS}
)

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
    #: console endpoints: "terminal", "pty", "tcp:PORT", "serial:DEVICE"
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
    drive_size: int | None = 2 << 20  # a folder drive's size (paths, drivespace); None: none
    #: serve CircuitPython's BLE workflow (file transfer and serial console) through BlueZ;
    #: also turned on by CIRCUITPY_BLE_WORKFLOW = true in settings.toml
    ble: bool = False
    #: serve CircuitPython's web workflow (``/fs/``, ``/cp/``, ``/edit/``): True, or a port;
    #: also turned on by CIRCUITPY_WEB_API_PASSWORD in settings.toml
    web: bool | int = False
    #: the address the web workflow listens on
    web_host: str = "127.0.0.1"
    #: usb_cdc.data endpoints: "pty", "tcp:PORT" (none: the data channel goes nowhere)
    data: tuple[str, ...] = ()
    #: a real board's id: before each run of code.py, say what would stop it there
    check: str | None = None
    #: the board in one line under the console (:mod:`.panel`): None draws it when the
    #: terminal can; ``panel_pins`` are pins to show besides the parts
    panel: bool | None = None
    panel_pins: tuple[str, ...] = ()
    #: the PC's view of the drive, for a USB gadget (``protoboard gadget``): called with "rw",
    #: "ro" or None (no drive) whenever that changes; None until boot.py has run, as a board
    #: enumerates after boot.py
    usb_drive: Callable[[str | None], None] | None = None


@dataclass
class GadgetDrive:
    """What a USB gadget's PC may have of the drive."""

    #: boot.py has run since the last hard reset (the PC may see the drive)
    booted: bool = False
    #: what the PC was last given of it ("rw", "ro", None; "" before the first time)
    given: str | None = ""


class Supervisor:
    def __init__(self, options: RunOptions) -> None:
        from protoboard.registry import select_port

        self.options = options
        self.drive = Drive(options.drive)
        self.events: queue.Queue[events.Event] = queue.Queue()
        self.debug = bool(os.environ.get("PROTOBOARD_DEBUG"))
        # what outlives a run
        self.persistent = Persistent()
        self.usb_identity = UsbIdentity()
        self.gadget_drive = GadgetDrive()
        self.world = World()
        self.world_relay = WorldRelay(self.world)
        # the board view's pages: the VM sends the board's state while one is open
        self.board_state = BoardStateHub(
            on_watch=lambda on: self.events.put(events.Control(WatchRequest(on), queue.Queue()))
        )
        # the board's life
        self.vm: VM | None = None
        self.safe_mode_reason = "USER" if options.safe_mode else "NONE"
        self.reload_pending = False
        self.settled = True
        self.waiting_for_drive = False
        self._pending_start = ("code", "STARTUP")
        self._told_readonly = False
        #: why the board is stopping (the main loop ends once it is set)
        self._quit_reason: str | None = None
        # the rooms
        port = select_port(options.port)
        self.board = port.board(options.board)
        self.port_name: str = port.name  # VMs use it as is: no port discovery in the VM
        self.parts = BoardParts(self.drive.root, self.board, self.world)
        self.banner = (
            f"Protoboard {__version__} on {__release_date__}; {self.board.name} "
            f"with {self.board.mcu}"
        )
        self.pool = VMPool(
            port.name,
            options.board,
            on_message=lambda vm, message: self.events.put(events.FromVM(vm, message)),
            on_exit=lambda vm, code: self.events.put(events.VMExited(vm, code)),
            log=self.log,
        )
        self.image: ImageSync | None = None
        if options.image is not None:
            from protoboard.runtime.imagesync import ImageSync

            self.image = ImageSync(options.image, self.drive.root, options.image_size, self.log)
        self.console = VMConsole(self._to_endpoints)
        self.hub = ConsoleHub(self.console.type, on_quit=lambda: self._quit("Ctrl-]"))
        self.watcher: DriveWatcher | None = None
        self.control: control.ControlServer | None = None
        self.ble: BleWorkflow | None = None
        self.web: WebWorkflow | None = None
        self.panel: TerminalPanel | None = None
        self.web_mdns: Mdns | None = None
        self.run_status = RunStatus()
        self.data: DataChannel | None = None
        #: the alarm that ended a pretended deep sleep, for the next run
        self._wake_alarm: Any = None

    # -- host-side messages (stderr) and board console messages (the hub) -----------------

    def log(self, message: str) -> None:
        # "\r\n": while the terminal is in raw mode (the board has the keyboard), "\n" alone
        # would not return the cursor.
        end = "\r\n" if sys.stderr.isatty() else "\n"
        print(f"protoboard: {message}", file=sys.stderr, end=end, flush=True)

    def say(self, text: str) -> None:
        """Write to the board's serial console, as the board's supervisor would."""
        self._to_endpoints(text.replace("\n", "\r\n").encode())

    def _to_endpoints(self, data: bytes) -> None:
        self.hub.write(data)
        if self.ble is not None:
            self.ble.console_output(data)

    def _quit(self, why: str) -> None:
        self.events.put(events.Quit(why))

    # -- setup ----------------------------------------------------------------------------

    def run(self) -> int:
        try:
            if not self._open():
                return 2
            self.console.start()
            threading.Thread(target=self._tick, name="tick", daemon=True).start()
            self._install_signals()
            self._power_on()
            self._start_watcher()  # after the first VM is on its way: start-up time matters
            return self._loop()
        finally:
            self._shutdown()

    def _open(self) -> bool:
        """The drive, the console endpoints, the control socket and the BLE workflow; False
        (after saying why) if the board cannot start."""
        try:
            created = self.image.open() if self.image is not None else self.drive.first_boot()
        except (DriveError, OSError) as exc:
            self.log(str(exc))
            return False
        self.log(f"{self.board.name} ({self.board.board_id}) on port '{self.port_name}'")
        where = self.options.image if self.image is not None else self.drive.root
        self.log(f"CIRCUITPY drive: {where}" + (" (new)" if created else ""))
        try:
            self._open_consoles()
        except (OSError, UserError) as exc:
            self.log(f"cannot open the console: {exc}")
            return False
        if self.options.data:
            try:
                self.data = DataChannel()
                self.data.open(self.options.data, self.log)
            except (OSError, UserError) as exc:
                self.log(f"cannot open the usb_cdc.data serial port: {exc}")
                return False
        try:
            self.control = control.ControlServer(
                control.socket_path(self.drive.root), self._control
            )
        except (RuntimeError, OSError) as exc:
            self.log(str(exc))
            return False
        if ble_workflow.wanted(self.drive.root, forced=self.options.ble):
            self.ble = ble_workflow.start(
                self.drive.root,
                banner=self.banner,
                read_only=lambda: self.persistent.program_owns_drive,
                console_input=self.console.type,
                fat_times=self.image is not None,
                log=self.log,
                free_space=self._free_space,
            )
        self._start_web()
        return True

    def _start_web(self) -> None:
        from protoboard.runtime import web_workflow
        from protoboard.web.server import WebContext

        forced = self.options.web is not False
        if not web_workflow.wanted(self.drive.root, forced=forced):
            return
        streams = self.hub.add_streams()
        context = WebContext(
            drive=self.drive.root,
            console=lambda: streams.open("web"),
            control=self._control,
            board={"id": self.board.board_id, "name": self.board.name, "port": self.port_name},
            extra={"world": self.world, "parts": self.parts},
        )
        web = self.options.web
        started = web_workflow.start(
            context,
            board=self.board,
            banner=self.banner,
            status=self.run_status,
            read_only=lambda: self.persistent.program_owns_drive,
            chosen_port=web if web is not True and web is not False else None,
            host=self.options.web_host,
            ble=self.ble is not None,
            log=self.log,
            space=self._space if self._drive_size() is not None else None,
        )
        if started is not None:
            self.web, self.web_mdns = started
            from protoboard.web.boardview.handler import BoardView

            BoardView(self.board, self.board_state).mount(self.web.server)

    def _drive_size(self) -> int | None:
        """What the drive holds, for every writer (the program, BLE): an image's own size,
        else ``--drive-size`` (None: no limit)."""
        if self.image is not None:
            try:
                return self.image.path.stat().st_size
            except OSError:
                return None
        return self.options.drive_size

    def _free_space(self) -> int:
        size = self._drive_size()
        if size is None:
            st = os.statvfs(self.drive.root)
            return st.f_bavail * st.f_frsize
        return drivespace.for_folder(self.drive.root, size).free_bytes()

    def _space(self) -> os.statvfs_result:
        size = self._drive_size()
        if size is None:
            return os.statvfs(self.drive.root)
        return drivespace.for_folder(self.drive.root, size).statvfs()

    def _start_panel(self) -> None:
        from protoboard.runtime.panel import TerminalPanel, wanted

        if self.options.panel is False or (self.options.panel is None and not wanted(1)):
            return
        self.panel = TerminalPanel(self.board_state, 1, self.options.panel_pins)
        self.panel.start()

    def _open_consoles(self) -> None:
        for spec in self.options.consoles:
            if spec == "terminal":
                self.hub.add_terminal()
                if os.isatty(0):
                    self.log("press Ctrl-] to quit")
                self._start_panel()
            elif spec == "pty":
                self.log(
                    f"serial console: {self.hub.add_pty()}  (open it with screen, tio or pyserial)"
                )
            elif spec.startswith("serial:"):
                self.hub.add_serial(spec.partition(":")[2])
                self.log(f"serial console: {spec.partition(':')[2]}")
            elif spec.startswith("tcp:"):
                tcp = TcpSpec.parse(spec)
                host, port = self.hub.add_tcp(tcp.host, tcp.port, password=tcp.password)
                where = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
                locked = f" (password from {PASSWORD_ENV})" if tcp.password else ""
                self.log(f"serial console: socket://{where}{locked}")
            else:
                raise OSError(
                    f"unknown console '{spec}' (use terminal, pty, tcp:PORT or serial:DEVICE)"
                )

    def _start_watcher(self) -> None:
        from protoboard.runtime.drive import TEMP_PATTERN
        from protoboard.runtime.watcher import DEFAULT_IGNORES, DriveWatcher

        self.watcher = DriveWatcher(
            self.drive.root,
            on_change=lambda path: self.events.put(events.DriveChanged(path)),
            on_settled=lambda paths: self.events.put(events.DriveSettled(paths)),
            settle=self.options.settle,
            ignore_patterns=(*DEFAULT_IGNORES, TEMP_PATTERN),
        )
        try:
            self.watcher.start()
        except OSError as exc:
            self.log(f"autoreload is unavailable: cannot watch the drive ({exc})")

    def _install_signals(self) -> None:
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(signum, lambda s, f: self._quit(signal.Signals(s).name))

    def _tick(self) -> None:
        while True:
            time.sleep(0.5)
            self.events.put(events.Tick())

    def _loop(self) -> int:
        while self._quit_reason is None:
            event = self.events.get()
            if self.debug and not isinstance(event, events.Tick):
                self.log(f"event {event!r}"[:200])
            self._on_event(event)
            self._update_usb_drive()
        self.log(f"stopping ({self._quit_reason})")
        return 0

    # -- the board's life -------------------------------------------------------------------

    def _power_on(self) -> None:
        """A hard reset: RAM state cleared, boot.py (or safe mode), then code."""
        mode = self.persistent.next_run_mode
        self.persistent = Persistent()
        self.gadget_drive.booted = False  # a reset takes the drive from the PC until boot.py ran
        self._update_usb_drive()
        self.usb_identity = UsbIdentity()  # boot.py sets it again
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
        self.gadget_drive.booted = True
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

    def _start(
        self,
        phase: str,
        reason: str,
        *,
        boot_out: bool = False,
        resume: bool = False,
        code_done: bool = False,
        wake_alarm: Any = None,
    ) -> None:
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
        context = self._run_context(reason, wake_alarm)
        parts = self.parts.for_run(self._parts_problem if phase != "boot" else lambda _: None)
        if self.options.check and phase == "code":
            self._advise(self.options.check)
        config = vmprocess.VMConfig(
            phase=phase,
            drive=self.drive.root,
            pty_path=self.console.path,
            context=context,
            port=self.port_name,
            board=self.options.board,
            **parts,  # (read first: a changed parts file drops its parts' world settings)
            world=self.world.entries(),
            memory_limit=self.options.memory_limit,
            banner=self.banner,
            boot_out=boot_out,
            resume=resume,
            code_done=code_done,
            watch_board=self.board_state.watching,
        )
        self.vm = self.pool.start(config)
        if phase == "code" and not resume:
            choice = None
            with contextlib.suppress(DriveError, OSError):
                choice = self.drive.choose_code(self.persistent.next_code.filename)
            self.run_status.running(choice.path.name if choice is not None else "Done")
        self.vm.reason = reason
        self.vm.resumed = resume
        self.reload_pending = False
        # Prepare the next VM in the background, once this one is under way.
        threading.Timer(SPARE_DELAY, lambda: self.events.put(events.SpareWanted())).start()

    def _run_context(self, reason: str, wake_alarm: Any) -> RunContext:
        """Everything the board keeps across soft reloads, plus what this run is about."""
        return RunContext(
            drive=self.drive.root,
            drive_size=self._drive_size(),
            **self._drive_state(),
            run_reason=reason,
            safe_mode_reason=self.safe_mode_reason,
            serial_connected=self.hub.connected,
            **self.persistent.run_values(),
            usb_cdc_data_path=self.data.path if self.data is not None else None,
            wake_alarm=wake_alarm,
        )

    def _advise(self, board_id: str) -> None:
        """``run --check``: what would stop the program on that board, before it runs here."""
        from protoboard.check.advice import advice, program_files

        code = self.drive.first_of(CODE_FILES)
        if code is None:
            return
        text = advice(program_files(self.drive.root, code), board_id, self.drive.root)
        if text:
            self.say("\n" + text)

    def _parts_problem(self, text: str) -> None:
        """The parts file is wrong: said on the console, where the user looks, and logged."""
        self.say(text)
        self.log(text.strip().replace("\n", " "))

    def _maybe_reload(self) -> None:
        if self.reload_pending and self.settled and self.vm is None:
            self.say("\nsoft reboot\n")
            self._start("code", "AUTO_RELOAD")

    def _vanished(self, vm: VM, exitcode: int | None) -> None:
        """The VM left without a word (os._exit in the program, a signal from outside, a
        program that closed the pipe): the run ends as a board's does, with the wait loop
        (Ctrl-D, the REPL, autoreload) served by a VM that skips the program."""
        if exitcode is not None and exitcode < 0:
            name = signal.Signals(-exitcode).name if -exitcode in signal.valid_signals() else ""
            self.log(f"the program's process was killed ({name or -exitcode}); the run ended")
        if vm.phase == "boot":
            self._start("code", "STARTUP")
        elif vm.resumed and vm.mode == "starting":
            # it vanished again before its prompt: do not loop, wait for a save
            self.log("the board's console is not coming back; save a file to run code.py again")
        else:
            code_done = vm.phase == "code" and vm.mode == "starting"
            self._start(vm.phase, vm.reason, resume=True, code_done=code_done)

    def _crashed(self, exitcode: int) -> None:
        number = -exitcode
        name = signal.Signals(number).name if number in signal.valid_signals() else str(number)
        self.log(f"the VM crashed ({name}); entering safe mode")
        self.safe_mode_reason = "HARD_FAULT"
        self._enter_safe_mode()

    def _drive_state(self) -> dict[str, Any]:
        """What a run knows of the drive beyond its folder: the image, where nvm is kept."""
        from protoboard.runtime import nvmstore

        image = self.options.image if self.image is not None else None
        return {"image": image, "nvm_file": nvmstore.location(self.drive.root, image)}

    def _erase_filesystem(self) -> None:
        """storage.erase_filesystem(): keep the old contents beside the drive (or the image),
        start afresh."""
        old = self.image.path if self.image is not None else self.drive.root
        stamp = time.strftime("%Y%m%d-%H%M%S")
        backup = old.with_name(f"{old.stem}-erased-{stamp}{old.suffix}")
        try:
            old.rename(backup)
            if self.image is not None:
                self.image.open()
            else:
                self.drive.first_boot()
            self.log(f"drive erased; the old contents are kept in {backup}")
        except OSError as exc:
            self.log(f"could not erase the drive: {exc}")

    def _ignore_own_write(self, path: Path) -> None:
        if self.watcher is not None:
            self.watcher.ignore_own_write(path)

    # -- events from the supervisor's threads (one handler per kind) -------------------------

    @functools.singledispatchmethod
    def _on_event(self, event: events.Event) -> None:
        raise TypeError(f"no handler for the event {event!r}")

    @_on_event.register
    def _on_quit(self, event: events.Quit) -> None:
        self._quit_reason = event.why

    @_on_event.register
    def _on_vm_said(self, event: events.FromVM) -> None:
        self._on_vm_message(event.message, event.vm)

    @_on_event.register
    def _on_vm_exit(self, event: events.VMExited) -> None:
        vm = event.vm
        if vm is not self.vm:
            return
        self.vm = None
        final = vm.final or ()
        if vm.phase == "code" and not vm.set_next_code and not vm.resumed:
            # (a choice made by this very run is for the next one)
            reloaded = final[:1] == ("reload",) or vm.stopping
            self.persistent.expire_next_code(reloaded=reloaded, outcome=vm.outcome)
        if final[:1] == ("booted",):
            self._start("code", "STARTUP")
        elif final[:1] == ("woken",):
            # as after a reset (no "soft reboot"), but boot.py does not run again
            woke, self._wake_alarm = self._wake_alarm, None
            self._start("code", "STARTUP", wake_alarm=woke)
        elif final[:1] == ("reset",):
            # (before a pending autoreload: the reset runs boot.py, then code.py anyway)
            if vm.erase:
                self._erase_filesystem()
            self.safe_mode_reason = "NONE"
            self.say("\n")
            self._power_on()
        elif vm.stopping or final[:2] == ("reload", "AUTO_RELOAD"):
            self.reload_pending = True
            if vm.killed:
                self.say(f"\n{vmprocess.STOPPED_BY_RELOAD}\n")
            self._maybe_reload()
        elif final[:1] == ("reload",):
            self.say("\nsoft reboot\n")
            phase = "safemode" if self.safe_mode_reason != "NONE" else "code"
            if final[2:] == ("raw",):
                phase = "raw_repl"
            self._start(phase, final[1] or "SUPERVISOR_RELOAD")
        elif vm.killed:
            pass
        elif event.exitcode is not None and -event.exitcode in FAULT_SIGNALS:
            self._crashed(event.exitcode)
        else:
            self._vanished(vm, event.exitcode)

    @_on_event.register
    def _on_change(self, event: events.DriveChanged) -> None:
        self.settled = False
        if not self.persistent.autoreload or self.safe_mode_reason != "NONE":
            return
        if self.persistent.program_owns_drive:
            # the host side is read-only then, so changes are the program's own and never
            # reload it
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
        threading.Timer(STOP_GRACE, lambda: self.events.put(events.StopGraceOver(vm))).start()

    @_on_event.register
    def _on_stop_grace_over(self, event: events.StopGraceOver) -> None:
        vm = event.vm
        if vm is self.vm and vm.process.is_alive():
            vm.killed = True
            vm.process.kill()

    @_on_event.register
    def _on_settled(self, event: events.DriveSettled) -> None:
        self.settled = True
        self._maybe_reload()

    @_on_event.register
    def _on_tick(self, event: events.Tick) -> None:
        if self.image is not None:
            self.image.tick()
        if self.waiting_for_drive and self.drive.root.is_dir():
            self.log("the drive is back")
            self._start(*self._pending_start)

    @_on_event.register
    def _on_spare_wanted(self, event: events.SpareWanted) -> None:
        self.pool.prepare_spare()

    @_on_event.register
    def _on_control_event(self, event: events.Control) -> None:
        self._on_control(event.request, event.reply)

    # -- messages from a VM (one handler per kind) ------------------------------------------

    @functools.singledispatchmethod
    def _on_vm_message(self, message: ToSupervisor, vm: VM) -> None:
        raise TypeError(f"no handler for the VM message {message!r}")

    @_on_vm_message.register
    def _on_state(self, message: StateChanged, vm: VM) -> None:
        self.persistent.apply(message.changes)
        if "next_code" in message.changes:
            vm.set_next_code = True

    @_on_vm_message.register
    def _on_own_write(self, message: OwnWrite, vm: VM) -> None:
        self._ignore_own_write(Path(message.path))
        if self.image is not None:
            self.image.note_write(Path(message.path))

    @_on_vm_message.register
    def _on_mode(self, message: ModeChanged, vm: VM) -> None:
        vm.mode = message.mode

    @_on_vm_message.register
    def _on_code_done(self, message: CodeDone, vm: VM) -> None:
        vm.outcome = message.outcome
        self.persistent.previous_traceback = message.traceback
        self.run_status.finished(message.traceback)

    @_on_vm_message.register
    def _on_boot_out(self, message: BootOut, vm: VM) -> None:
        path = self.drive.root / "boot_out.txt"
        self._ignore_own_write(path)
        try:
            if self.drive.write_boot_out(message.text) and self.image is not None:
                self.image.note_write(path)
                self.image.flush()
        except OSError as exc:
            self.log(f"could not write boot_out.txt: {exc.strerror}")
        self.gadget_drive.booted = True  # boot_out.txt is in: the PC may have the drive now
        if vm.phase == "boot":
            vm.final = ("booted",)

    @_on_vm_message.register
    def _on_woken(self, message: WokenUp, vm: VM) -> None:
        vm.final = ("woken", "")
        self._wake_alarm = message.alarm

    @_on_vm_message.register
    def _on_reload(self, message: ReloadRequest, vm: VM) -> None:
        vm.final = (
            ("reload", message.reason, "raw") if message.raw_repl else ("reload", message.reason)
        )

    @_on_vm_message.register
    def _on_reset(self, message: ResetRequest, vm: VM) -> None:
        vm.final = ("reset", "")

    @_on_vm_message.register
    def _on_erase(self, message: EraseFilesystem, vm: VM) -> None:
        vm.erase = True

    @_on_vm_message.register
    def _on_part_reply(self, message: PartReply, vm: VM) -> None:
        self.world_relay.answered(message)

    @_on_vm_message.register
    def _on_board_state(self, message: BoardState, vm: VM) -> None:
        if vm is self.vm:
            self.board_state.update(message.delta, message.full)

    @_on_vm_message.register
    def _on_parts_loaded(self, message: PartsLoaded, vm: VM) -> None:
        self.parts.loaded(message.ok, message.specs)
        if not message.ok:
            self.log(f"{message.error}; the board keeps the parts it had before")

    @_on_vm_message.register
    def _on_internal_error(self, message: InternalError, vm: VM) -> None:
        self.log(f"internal error in the VM: {message.error} (please report it)")

    @_on_vm_message.register
    def _on_usb_identification(self, message: UsbIdentification, vm: VM) -> None:
        # Kept until a hard reset; the board enumerates with it after boot.py.
        self.usb_identity = self.usb_identity.updated(message)
        if self.debug:
            self.log(f"USB identification: {self.usb_identity}")

    # -- control requests (protoboard sim ...), one handler per kind ------------------------

    def _control(self, request: ControlRequest) -> ControlReply:
        """Runs on the control thread: hand the request to the main loop and wait."""
        waiter: queue.Queue[ControlReply] = queue.Queue()
        self.events.put(events.Control(request, waiter))
        try:
            return waiter.get(timeout=5)
        except queue.Empty:
            return {"ok": False, "error": "the board did not answer in time; try again"}

    @functools.singledispatchmethod
    def _on_control(self, request: ControlRequest, waiter: queue.Queue[ControlReply]) -> None:
        raise TypeError(f"no handler for the control request {request!r}")

    @_on_control.register
    def _on_unknown_request(
        self, request: UnknownRequest, waiter: queue.Queue[ControlReply]
    ) -> None:
        waiter.put({"ok": False, "error": f"unknown request '{request.op}'"})

    @_on_control.register
    def _on_world_request(self, request: WorldRequest, waiter: queue.Queue[ControlReply]) -> None:
        waiter.put({"ok": True, "world": [list(entry) for entry in self.world.entries()]})

    @_on_control.register
    def _on_status_request(self, request: StatusRequest, waiter: queue.Queue[ControlReply]) -> None:
        vm = self.vm
        waiter.put(
            {
                "ok": True,
                "board": self.board.board_id,
                "drive": str(self.drive.root.absolute()),
                "port": self.port_name,
                "phase": vm.phase if vm is not None else None,
                "safe_mode_reason": self.safe_mode_reason,
                "usb_identification": self.usb_identity.describe(),
            }
        )

    @_on_control.register
    def _on_set_request(self, request: SetRequest, waiter: queue.Queue[ControlReply]) -> None:
        self.world_relay.set(self.vm, request, waiter.put)

    def _live_vm(self) -> VM | None:
        vm = self.vm
        return vm if vm is not None and vm.process.is_alive() else None

    @_on_control.register
    def _on_add_request(self, request: AddRequest, waiter: queue.Queue[ControlReply]) -> None:
        from protoboard.partsfile import PartsFileError

        try:
            spec = self.parts.spec_for_add(
                request.name, request.type, dict(request.connections), dict(request.settings)
            )
        except PartsFileError as exc:
            waiter.put({"ok": False, "error": exc.message, "hint": exc.hint})
            return
        vm = self._live_vm()
        if vm is None:
            self.parts.added(spec)
            waiter.put({"ok": True, "note": "the board wires it when the next run starts"})
            return

        def accepted(answer: PartReply) -> ControlReply:
            self.parts.added(spec)
            return {"ok": True, "part": answer.data}

        self.world_relay.ask(vm, lambda number: AddPart(number, spec), waiter.put, accepted)

    @_on_control.register
    def _on_remove_request(self, request: RemoveRequest, waiter: queue.Queue[ControlReply]) -> None:
        vm = self._live_vm()
        if vm is None:
            self.parts.taken_off(request.name)
            waiter.put({"ok": True, "note": "the next run starts without it"})
            return

        def accepted(answer: PartReply) -> ControlReply:
            self.parts.taken_off(request.name)
            return {"ok": True}

        self.world_relay.ask(
            vm, lambda number: RemovePart(number, request.name), waiter.put, accepted
        )

    @_on_control.register
    def _on_parts_request(self, request: PartsRequest, waiter: queue.Queue[ControlReply]) -> None:
        vm = self._live_vm()
        if vm is None:
            waiter.put({"ok": False, "error": "the board is between runs; try again"})
            return
        self.world_relay.ask(
            vm, ListParts, waiter.put, lambda answer: {"ok": True, "parts": answer.data}
        )

    @_on_control.register
    def _on_watch_request(self, request: WatchRequest, waiter: queue.Queue[ControlReply]) -> None:
        vm = self._live_vm()
        if vm is not None:
            with contextlib.suppress(OSError):
                vm.send(WatchBoard(self.board_state.watching))
        waiter.put({"ok": True})

    @_on_control.register
    def _on_trace_request(self, request: TraceRequest, waiter: queue.Queue[ControlReply]) -> None:
        vm = self._live_vm()
        if vm is None:
            waiter.put({"ok": False, "error": "the board is between runs; try again"})
            return
        self.world_relay.ask(
            vm, TraceBoard, waiter.put, lambda answer: {"ok": True, "trace": answer.data}
        )

    def _update_usb_drive(self) -> None:
        """Give the PC the drive as CircuitPython's rule says: writable unless boot.py gave it
        to the program (storage.remount: the PC gets it read-only) or took it off USB
        (storage.disable_usb_drive: none), and nothing before boot.py has run."""
        hook = self.options.usb_drive
        if hook is None:
            return
        wanted: str | None = None
        if self.gadget_drive.booted and self.persistent.usb_drive_enabled:
            wanted = "rw" if self.persistent.usb_writable else "ro"
        if wanted == self.gadget_drive.given:
            return
        if wanted is None and self.gadget_drive.given == "":
            self.gadget_drive.given = None  # the gadget starts with no drive
            return
        if self.image is not None and wanted is not None:
            self.image.flush()  # the program's last writes first: the PC reads the image
        try:
            hook(wanted)
        except (OSError, UserError) as exc:
            self.log(f"could not change the USB drive: {exc}")
            return
        self.gadget_drive.given = wanted
        self.log(
            {
                "rw": "the PC has the drive (code.py cannot write it)",
                "ro": "the PC sees the drive read-only (boot.py gave it to code.py)",
                None: "the drive is not on USB now",
            }[wanted]
        )

    # -- shutdown -----------------------------------------------------------------------------

    def _shutdown(self) -> None:
        if self.options.usb_drive is not None and self.gadget_drive.given:
            with contextlib.suppress(Exception):  # the PC lets go before the last sync
                self.options.usb_drive(None)
        self.pool.close(self.vm)
        if self.image is not None:  # after the VM: what it closed last goes in too
            self.image.close()
        if self.watcher is not None:
            with contextlib.suppress(Exception):
                self.watcher.stop()
        if self.ble is not None:
            with contextlib.suppress(Exception):
                self.ble.stop()
        if self.web_mdns is not None:
            with contextlib.suppress(Exception):
                self.web_mdns.close()
        if self.web is not None:
            with contextlib.suppress(Exception):
                self.web.stop()
        if self.control is not None:
            with contextlib.suppress(Exception):
                self.control.close()
        if self.panel is not None:
            with contextlib.suppress(Exception):
                self.panel.stop()
        with contextlib.suppress(Exception):
            self.hub.close()
        self.console.close()
        if self.data is not None:
            with contextlib.suppress(Exception):
                self.data.close()
        self.pool.stop_server()
