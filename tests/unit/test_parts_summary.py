"""``protoboard parts``: each part in whole sentences of plain words."""

from __future__ import annotations

import os
import subprocess
import sys

from protoboard.ports.sim.parts import CATALOG, summary


def test_every_summary_is_plain_and_whole():
    for name in CATALOG:
        text = summary(name)
        assert text.endswith((".", ")")), (name, text)
        assert "``" not in text and ":class:" not in text and "`" not in text, (name, text)


def test_parts_lists_every_part_wrapped_to_the_terminal():
    out = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "parts"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "COLUMNS": "60"},
    ).stdout
    assert all(len(line) <= 60 for line in out.splitlines())
    assert {line.split()[0] for line in out.splitlines() if not line.startswith(" ")} == set(
        CATALOG
    )
    assert "the program needs Pull.UP" in " ".join(out.split())  # not cut mid-sentence
