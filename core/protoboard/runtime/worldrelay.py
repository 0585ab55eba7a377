"""``protoboard sim set / add / remove / parts`` while the board runs: each request goes to the
running VM, which checks it against the parts it has and answers; what it accepted is
remembered for the runs to come (a part this board lacks, a misspelt attribute or a bad value
is refused with the VM's reason)."""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable

from protoboard.runtime.messages import ControlReply, PartReply, SetPart, SetRequest, ToVM
from protoboard.runtime.vmpool import VM
from protoboard.runtime.world import World

#: how long a VM has to answer (the control socket gives up after 5 s)
ANSWER_TIMEOUT = 4.0
#: the most requests waiting for a VM's answer at once (each holds a thread)
MAX_WAITING = 32


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

        def accepted(answer: PartReply) -> ControlReply:
            data = answer.data if isinstance(answer.data, dict) else {}
            if not data.get("momentary"):  # an action (typing) is not replayed next run
                self.world.set(request.part, request.attribute, data.get("new", request.value))
            return {"ok": True, **data}

        self.ask(
            vm,
            lambda number: SetPart(number, request.part, request.attribute, request.value),
            reply,
            accepted,
        )

    def ask(
        self,
        vm: VM,
        message: Callable[[int], ToVM],
        reply: Callable[[ControlReply], None],
        accepted: Callable[[PartReply], ControlReply],
    ) -> None:
        """Send ``message(id)`` to ``vm``; ``reply`` gets ``accepted(answer)`` if the VM
        accepts it, else the VM's reason (called once, from another thread)."""
        if len(self._waiting) >= MAX_WAITING:
            reply({"ok": False, "error": "the board is busy with other requests; try again"})
            return
        number = next(self._ids)
        answers: queue.Queue[PartReply] = queue.Queue()
        self._waiting[number] = answers
        try:
            vm.send(message(number))
        except OSError:
            self._waiting.pop(number, None)
            reply({"ok": False, "error": "the board is restarting; try again"})
            return

        def relay() -> None:
            try:
                answer = answers.get(timeout=ANSWER_TIMEOUT)
            except queue.Empty:
                self._waiting.pop(number, None)
                return  # the control socket gives up and says so
            if answer.ok:
                reply(accepted(answer))
            else:
                reply({"ok": False, "error": answer.error or "the board refused"})

        threading.Thread(target=relay, name="world-relay", daemon=True).start()

    def answered(self, message: PartReply) -> None:
        """A VM's answer to one of our messages."""
        answers = self._waiting.pop(message.id, None)
        if answers is not None:
            answers.put(message)
