"""Where VM processes come from: forked from a pre-imported server, and one spare VM kept
ready (its machine built, its imports warm) so a reload costs neither a fork nor a build.

The pool starts each VM's reader thread: a VM's messages and its exit reach the supervisor
through the two callbacks, in order (the exit after the last message).
"""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from typing import Any

from protoboard.runtime import vmprocess, vmserver
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
            process.start()
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
            process.start()
        except OSError as exc:
            self._log(f"could not prepare a spare VM ({exc}); reloads will be slower")
            return
        child.close()
        self._spare = (process, parent)

    def _read(self, vm: VM) -> None:
        while True:
            try:
                message = vm.channel.recv()
            except (EOFError, OSError):
                break
            self._on_message(vm, message)
        vm.process.join()
        self._on_exit(vm, vm.process.exitcode)

    def close(self, running: VM | None) -> None:
        """Kill the running VM and the spare, and wait for them (briefly)."""
        self._closing = True
        processes = [running.process] if running is not None else []
        if self._spare is not None:
            processes.append(self._spare[0])
        for process in processes:
            if process.is_alive():
                process.kill()
            process.join(2)

    def stop_server(self) -> None:
        """Stop the fork server (the last thing at shutdown)."""
        vmserver.stop()
