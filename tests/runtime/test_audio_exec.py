"""A Learn-guide-style sound program in a real `protoboard exec`: the WAV file is on the drive
(opened by a relative drive path), the speaker is wired by the drive's parts file, and a part
class of the user's own beside it saves what the speaker heard."""

from __future__ import annotations

import array
import subprocess
import sys
import wave

from audio_exec_files import write_tone

PROGRAM = """\
import audiocore
import audioio
import board
import time

wave_file = open("boing.wav", "rb")
wave = audiocore.WaveFile(wave_file)
audio = audioio.AudioOut(board.A0)
audio.play(wave)
started = time.monotonic()
while audio.playing:
    pass
print("played", wave.sample_rate, wave.channel_count)
audio.deinit()
"""

RECORDER = """\
from protoboard.ports.sim.parts.audio import Speaker


class RecordingSpeaker(Speaker):
    kind = "RecordingSpeaker"

    def audio_stopped(self, player, end_ns):
        super().audio_stopped(player, end_ns)
        self.save_wav(self.sim_path)

    def __init__(self, *, path, **settings):
        super().__init__(**settings)
        self.sim_path = path
"""


def test_exec_plays_a_wav_from_the_drive_to_a_speaker(tmp_path):
    write_tone(tmp_path / "boing.wav", 440, rate=16000, seconds=0.2)
    heard = tmp_path / "heard.wav"  # the part runs in the board's world: a drive path
    (tmp_path / "code.py").write_text(PROGRAM)
    (tmp_path / "myparts.py").write_text(RECORDER)
    (tmp_path / "parts.toml").write_text(
        '[speaker]\ntype = "myparts.py:RecordingSpeaker"\npin = "A0"\npath = "/heard.wav"\n'
    )
    result = subprocess.run(
        [sys.executable, "-m", "protoboard.cli", "exec", str(tmp_path / "code.py")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "played 16000 1\n"
    with wave.open(str(heard), "rb") as saved:
        assert saved.getframerate() == 16000
        data = array.array("h", saved.readframes(saved.getnframes()))
    with wave.open(str(tmp_path / "boing.wav"), "rb") as original:
        sent = array.array("h", original.readframes(original.getnframes()))
    assert data[: len(sent)] == sent
