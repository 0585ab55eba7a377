"""``protoboard sim set`` while the board runs: the change goes to the running VM's world, and
is remembered for the runs to come once the VM has accepted it (a part this board lacks, or a
bad value, is refused with the VM's reason)."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable

from protoboard.runtime.messages import ControlReply, PartReply, SetPart, SetRequest
from protoboard.runtime.vmpool import VM
from protoboard.runtime.world import World

#: how long a VM has to answer (the control socket gives up after 5 s)
ANSWER_TIMEOUT = 4.0


class WorldRelay:
    def __init__(self, world: World) -> None:
        self.world = world
        self._ids = itertools.count(1)
        self._waiting: dict[int, queue.Queue[PartReply]] = {}

    def set(
        self, vm: VM | None, request: SetRequest, reply: Callable[[ControlReply], None]
    ) -> None:
        """Apply ``request``; ``reply`` is called once (from another thread if a VM answers)."""
        if vm is None or not vm.process.is_alive():
            self.world.set(request.part, request.attribute, request.value)
            reply({"ok": True, "note": "stored: the board applies it when the next run starts"})
            return
        number = next(self._ids)
        answers: queue.Queue[PartReply] = queue.Queue()
        self._waiting[number] = answers
        try:
            vm.send(SetPart(number, request.part, request.attribute, request.value))
        except OSError:
            self._waiting.pop(number, None)
            reply({"ok": False, "error": "the board is restarting; try again"})
            return

        def relay() -> None:
            try:
                answer = answers.get(timeout=ANSWER_TIMEOUT)
            except queue.Empty:
                return  # the control socket gives up and says so
            if answer.ok:
                self.world.set(request.part, request.attribute, request.value)
                reply({"ok": True})
            else:
                reply({"ok": False, "error": answer.error or "the board refused"})

        threading.Thread(target=relay, name="world-relay", daemon=True).start()

    def answered(self, message: PartReply) -> None:
        """A VM's answer to one of our :class:`SetPart` messages."""
        answers = self._waiting.pop(message.id, None)
        if answers is not None:
            answers.put(message)
