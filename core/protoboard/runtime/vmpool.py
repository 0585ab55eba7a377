"""Where VM processes come from: forked from a pre-imported server, and one spare VM kept
ready (its machine built, its imports warm) so a reload costs neither a fork nor a build.

The pool starts each VM's reader thread: a VM's messages and its exit reach the supervisor
through the two callbacks, in order (the exit after the last message). A run ends when its VM
process exits (the fork server reports it), never when its pipe reaches EOF: a process the
program started may hold the pipe forever. At that moment every process the run started is
killed (:mod:`.reaper`), before the supervisor hears of the exit, so nothing of a run outlives
it (as nothing outlives a board's soft reset).
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable
from multiprocessing.connection import wait
from typing import Any

from protoboard.runtime import reaper, vmprocess, vmserver
from protoboard.runtime.messages import Go, ToSupervisor, ToVM


class VM:
    """One run's VM process, as the supervisor sees it."""

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
        #: started to end a run whose VM vanished (os._exit): it skips the program
        self.resumed = False
        #: the supervisor.RunReason name this run started for
        self.reason = "STARTUP"

    def send(self, message: ToVM) -> None:
        """OSError if the VM is gone."""
        self.channel.send(message)


class VMPool:
    def __init__(
        self,
        port: str,
        board: str | None,
        *,
        on_message: Callable[[VM, ToSupervisor], None],
        on_exit: Callable[[VM, int | None], None],
        log: Callable[[str], None],
    ) -> None:
        self.port = port
        self.board = board
        self._on_message = on_message
        self._on_exit = on_exit
        self._log = log
        vmserver.start_early()  # no-op cost if the CLI already did
        self._context = vmserver.context()
        self._spare: tuple[Any, Any] | None = None
        self._numbers = itertools.count(1)
        self._closing = False
        #: held while a VM is being forked and while a run's processes are killed, so the
        #: killing never takes a VM whose pid the pool does not know yet
        self._forking = threading.Lock()
        #: pids of the VMs that are not known to have exited (the spare among them)
        self._live: set[int] = set()

    def start(self, config: vmprocess.VMConfig) -> VM:
        """A VM running ``config``: the spare one if it is ready, else a new one."""
        vm = self._go_spare(config)
        if vm is None:
            parent, child = self._context.Pipe(duplex=True)
            process = self._context.Process(
                target=vmprocess.main,
                args=(config, child),
                name=f"protoboard-vm-{config.phase}",
                daemon=True,
            )
            self._fork(process)
            child.close()
            vm = VM(next(self._numbers), config.phase, process, parent)
        threading.Thread(target=self._read, args=(vm,), daemon=True).start()
        return vm

    def _go_spare(self, config: vmprocess.VMConfig) -> VM | None:
        """Hand the run to the spare VM, if one is ready."""
        spare, self._spare = self._spare, None
        if spare is None or not spare[0].is_alive():
            return None
        process, channel = spare
        try:
            channel.send(Go(config))
        except OSError:
            process.kill()
            self._live.discard(process.pid)
            return None
        return VM(next(self._numbers), config.phase, process, channel)

    def prepare_spare(self) -> None:
        """Start the next run's VM now, in the background (unless one is ready)."""
        if self._spare is not None or self._closing:
            return
        parent, child = self._context.Pipe(duplex=True)
        process = self._context.Process(
            target=vmprocess.spare,
            args=(self.port, self.board, child),
            name="protoboard-vm-spare",
            daemon=True,
        )
        try:
            self._fork(process)
        except OSError as exc:
            self._log(f"could not prepare a spare VM ({exc}); reloads will be slower")
            return
        child.close()
        self._spare = (process, parent)

    def _fork(self, process: Any) -> None:
        with self._forking:
            process.start()
            self._live.add(process.pid)

    def _read(self, vm: VM) -> None:
        """Pass the VM's messages on until its process exits; then end the run's processes,
        pass on what the VM said last, and report the exit."""
        sentinel = vm.process.sentinel
        while sentinel not in wait([vm.channel, sentinel]):
            if not self._pass_on(vm):
                break  # nothing more to read: the exit comes next
        vm.process.join()
        self.end_run(vm.process.pid)
        while self._pass_on(vm, timeout=0.5):
            pass
        with contextlib.suppress(OSError):
            vm.channel.close()
        self._on_exit(vm, vm.process.exitcode)

    def _pass_on(self, vm: VM, timeout: float | None = None) -> bool:
        """One message from the VM to the supervisor; False when there is none to come (or
        the pipe carries something that is not a message: nothing after it can be trusted)."""
        try:
            if timeout is not None and not vm.channel.poll(timeout):
                return False
            message = vm.channel.recv()
        except Exception:  # EOF, a closed pipe, bytes a program wrote into it
            return False
        if not isinstance(message, ToSupervisor):
            return False
        self._on_message(vm, message)
        return True

    def end_run(self, pid: int) -> None:
        """The VM ``pid`` exited: kill every process its run started (the fork server adopted
        the orphans), but not the other VMs."""
        reaper.kill_group(pid)  # all a system without /proc allows
        server = vmserver.server_pid()
        with self._forking:
            self._live.discard(pid)
            if server is not None:
                reaper.kill_descendants(server, keep=self._live)

    def close(self, running: VM | None) -> None:
        """Kill the running VM, the spare and everything their runs started, and wait for
        them (briefly)."""
        self._closing = True
        processes = [running.process] if running is not None else []
        if self._spare is not None:
            processes.append(self._spare[0])
        for process in processes:
            if process.is_alive():
                process.kill()
        server = vmserver.server_pid()
        with self._forking:
            self._live.clear()
            if server is not None:
                reaper.kill_descendants(server)
        for process in processes:
            process.join(2)

    def stop_server(self) -> None:
        """Stop the fork server (the last thing at shutdown)."""
        vmserver.stop()
