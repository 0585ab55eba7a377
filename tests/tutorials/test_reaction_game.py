"""tutorials/reaction_game: keypad.Keys on two simulated buttons; the first press after the
light wins, a press before it is a false start."""

from __future__ import annotations

import re
import sys

from tutorial_helpers import Console


def test_a_win_then_a_false_start(sim, tutorial, monkeypatch) -> None:
    tutorial.wire("reaction_game")
    player1, player2 = sim.part("player1"), sim.part("player2")
    rounds = 0

    def on_line(line: str) -> None:
        nonlocal rounds
        if line == "Get ready...":
            rounds += 1
            if rounds == 2:
                player1.press()  # round 2: player 1 jumps the gun
        elif line.startswith("Score"):
            player1.release()
            player2.release()

    def on_light(pin, level, when) -> None:
        if level and rounds == 1:
            player2.press()  # round 1: player 2 is quick when the light comes on

    sim.pin("D9").on_change(on_light)
    console = Console(on_line)
    monkeypatch.setattr(sys, "stdout", console)
    result = tutorial("reaction_game", timeout=4.0, libraries=False)
    monkeypatch.undo()
    assert result.ok, result.traceback

    lines = console.getvalue().splitlines()
    assert lines[0] == "Get ready..."
    assert re.fullmatch(r"Player 2 wins in \d+ ms", lines[1]), lines
    assert lines[2:6] == [
        "Score: 0 - 1",
        "Get ready...",
        "Player 1 pressed too early!",
        "Score: 0 - 2",
    ]
    assert sim.pin("D9").levels[:3] == [False, True, False]  # the light came on once
