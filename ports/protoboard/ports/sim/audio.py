"""Simulated audio playback on the board's clock, without threads.

A board plays in the background: DMA pulls the sample into the DAC, PWM or I2S peripheral while
the program runs. Here a :class:`Player` remembers when playback started and, whenever anyone
looks (the program asking ``playing``, a part or a test reading what it heard), pulls exactly the
frames that the elapsed time on the board's clock has played and hands them to the sinks wired to
its pins. So ``play()`` returns at once, ``playing`` turns False when the sample's time is up, and
the recorded stream is sample-exact.
"""

from __future__ import annotations

import time
from array import array
from typing import Protocol

from protoboard.hal.audiocore import AudioPlayer, SampleStream
from protoboard.hal.base import Implementation
from protoboard.ports.sim.model import SimPin, Simulator

#: frames pulled from a stream at a time
CHUNK_FRAMES = 4096
#: after a long wait, at most this much audio is delivered; the rest is skipped (sinks keep a
#: bounded recording anyway)
MAX_CATCH_UP_SECONDS = 30


def now_ns() -> int:
    """The board's clock (the model's pins use the same one)."""
    return time.monotonic_ns()


class Sink(Protocol):
    """A part that hears an output: a speaker on a DAC pin, an amplifier on an I2S bus."""

    def audio_started(
        self, player: Player, description: str, rate: int, loop: bool, start_ns: int
    ) -> None: ...

    def audio_frames(self, player: Player, start_ns: int, rate: int, mono: array[int]) -> None: ...

    def audio_stopped(self, player: Player, end_ns: int) -> None: ...


def channel(frames: array[int], channels: int, which: int | None) -> array[int]:
    """One channel of interleaved frames, or (``which`` None) the mono mix of all."""
    if channels == 1:
        return frames
    if which is not None:
        return frames[which::channels]
    left, right = frames[0::2], frames[1::2]
    return array("h", [(a + b) >> 1 for a, b in zip(left, right, strict=False)])


class Player(AudioPlayer):
    """The shared player of ``AudioOut``, ``PWMAudioOut`` and ``I2SOut``.

    ``outputs`` are ``(pin, channel)``: the sinks on each pin hear that channel (None: the mono
    mix, as an I2S amplifier in its default mode sums left and right)."""

    def __init__(self, backend: Simulator, outputs: list[tuple[SimPin, int | None]]) -> None:
        # Not super(): the concrete classes also inherit their contract, whose __init__ takes
        # the binding's arguments; the player needs only the backend.
        Implementation.__init__(self, backend)
        self._sim = backend
        self._outputs = outputs
        self._stream: SampleStream | None = None
        self._loop = False
        self._start_ns = 0
        self._paused_at: int | None = None
        self._paused_total = 0
        self._frames_done = 0
        self._rate = 1
        self._listening: list[tuple[Sink, int | None]] = []

    # -- the program's side ---------------------------------------------------------------------

    def play(self, stream: SampleStream, loop: bool) -> None:
        self.stop()
        stream.reset()
        self._stream = stream
        self._loop = loop
        self._rate = max(1, stream.sample_rate)
        self._start_ns = now_ns()
        self._paused_at = None
        self._paused_total = 0
        self._frames_done = 0
        stream.played_by(self)
        self._listening = self._sinks()
        for sink, _ in self._listening:
            sink.audio_started(self, stream.describe(), self._rate, loop, self._start_ns)
        self._report("play", source=stream.describe(), sample_rate=self._rate, loop=loop)

    def stop(self) -> None:
        self.catch_up()
        if self._stream is not None:
            self._finish(now_ns())

    def pause(self) -> None:
        self.catch_up()
        if self._stream is not None and self._paused_at is None:
            self._paused_at = now_ns()

    def resume(self) -> None:
        if self._paused_at is not None:
            self._paused_total += now_ns() - self._paused_at
            self._paused_at = None

    @property
    def playing(self) -> bool:
        self.catch_up()
        return self._stream is not None

    @property
    def paused(self) -> bool:
        self.catch_up()
        return self._stream is not None and self._paused_at is not None

    def deinit(self) -> None:
        self.stop()
        for pin, _ in self._outputs:
            pin.release()

    # -- time ------------------------------------------------------------------------------------

    def _sinks(self) -> list[tuple[Sink, int | None]]:
        found: list[tuple[Sink, int | None]] = []
        for pin, which in self._outputs:
            for part in self._sim.parts_on(pin.id):
                if callable(getattr(part, "audio_frames", None)):  # a Sink (ports-internal)
                    found.append((part, which))  # type: ignore[arg-type]
        return found

    def _frame_ns(self, frame: int) -> int:
        return self._start_ns + self._paused_total + frame * 1_000_000_000 // self._rate

    def catch_up(self) -> None:
        """Play every frame the board's clock says is due by now."""
        stream = self._stream
        if stream is None:
            return
        at = self._paused_at if self._paused_at is not None else now_ns()
        elapsed = at - self._start_ns - self._paused_total
        due = elapsed * self._rate // 1_000_000_000 - self._frames_done
        excess = due - MAX_CATCH_UP_SECONDS * self._rate
        if excess > 0 and not self._skip(stream, excess):
            return
        due = min(due, MAX_CATCH_UP_SECONDS * self._rate)
        while due > 0 and self._stream is not None:
            want = min(due, CHUNK_FRAMES)
            frames = stream.read(want)
            count = len(frames) // stream.channel_count
            if count:
                self._deliver(stream, frames)
                self._frames_done += count
                due -= count
            if count < want and not self._ended(stream, count):
                return

    def _skip(self, stream: SampleStream, frames: int) -> bool:
        """Move ``frames`` on without delivering them; False if playback ended meanwhile."""
        while frames > 0:
            moved = stream.skip(frames)
            self._frames_done += moved
            frames -= moved
            if frames > 0 and not self._ended(stream, moved):
                return False
        return True

    def _ended(self, stream: SampleStream, last_count: int) -> bool:
        """The stream ran out: loop (True: go on) or finish (False)."""
        if self._loop and (last_count or self._frames_done):
            stream.reset()
            return True
        self._finish(self._frame_ns(self._frames_done))
        return False

    def _deliver(self, stream: SampleStream, frames: array[int]) -> None:
        start = self._frame_ns(self._frames_done)
        for sink, which in self._listening:
            mono = channel(frames, stream.channel_count, which)
            sink.audio_frames(self, start, self._rate, mono)

    def _finish(self, end_ns: int) -> None:
        stream = self._stream
        self._stream = None
        self._paused_at = None
        if stream is not None:
            stream.played_by(None)
        for sink, _ in self._listening:
            sink.audio_stopped(self, end_ns)
        self._listening = []
        self._report("stop", end_ns=end_ns)

    def _report(self, event: str, **data: object) -> None:
        """Tell activity listeners (``--trace``, board views) what the output does."""
        if self._sim.activity_listeners:
            for pin, _ in self._outputs:
                self._sim.report(pin.label, "audio", event=event, **data)
