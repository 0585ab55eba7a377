"""audiobusio.PDMIn records what a Microphone part hears: a tone, noise, a WAV file, silence."""

from __future__ import annotations

import array
import math

import pytest
from audio_files import write_tone_wav

from protoboard.ports.sim.parts import sound


def _centred(samples, middle):
    return array.array("h", [max(-32768, min(32767, v - middle)) for v in samples])


def test_recording_a_tone_16_bit(sim):
    import audiobusio
    import board

    mic = sim.add("Microphone", data="D6", clock="D5")
    mic.tone(1000, amplitude=0.5)
    with audiobusio.PDMIn(board.D5, board.D6, sample_rate=16000, bit_depth=16) as pdm:
        assert pdm.sample_rate == 16000
        buffer = array.array("H", [0] * 1024)
        assert pdm.record(buffer, len(buffer)) == 1024
    heard = _centred(buffer, 0x8000)
    assert sound.dominant_frequency(heard, 16000) == pytest.approx(1000, abs=3)
    assert sound.rms(heard) == pytest.approx(0.5 / math.sqrt(2), rel=0.05)


def test_recording_8_bit_the_learn_guide_way(sim):
    """The sound-meter guides: bytearray, 8-bit, then the RMS of the samples minus their mean."""
    import audiobusio
    import board

    mic = sim.add("Microphone", data="D6")
    pdm = audiobusio.PDMIn(board.D5, board.D6, sample_rate=16000)
    quiet = bytearray(160)
    pdm.record(quiet, len(quiet))
    assert set(quiet) == {128}  # silence is the middle of the range
    mic.noise(amplitude=0.8)
    loud = bytearray(160)
    pdm.record(loud, len(loud))
    mean = sum(loud) / len(loud)
    assert math.sqrt(sum((v - mean) ** 2 for v in loud) / len(loud)) > 20


def test_recording_a_wav_file(sim, tmp_path):
    import audiobusio
    import board

    mic = sim.add("Microphone", data="D6")
    mic.play_wav(write_tone_wav(tmp_path / "voice.wav", 300, rate=8000, seconds=0.05))
    pdm = audiobusio.PDMIn(board.D5, board.D6, sample_rate=16000, bit_depth=16)
    buffer = array.array("H", [0] * 2048)  # longer than the file: it loops
    pdm.record(buffer, 2048)
    heard = _centred(buffer, 0x8000)
    assert sound.dominant_frequency(heard, 16000) == pytest.approx(300, abs=3)


def test_no_microphone_records_silence(sim):
    import audiobusio
    import board

    pdm = audiobusio.PDMIn(board.D5, board.D6, bit_depth=16)
    buffer = array.array("H", [1] * 16)
    pdm.record(buffer, 16)
    assert set(buffer) == {0x8000}


@pytest.mark.hostile
def test_pdmin_errors(sim, tmp_path):
    import audiobusio
    import board

    with pytest.raises(ValueError, match="^bit_depth must be multiple of 8.$"):
        audiobusio.PDMIn(board.D5, board.D6, bit_depth=12)
    with pytest.raises(ValueError, match="^oversample must be multiple of 8.$"):
        audiobusio.PDMIn(board.D5, board.D6, oversample=30)
    with pytest.raises(ValueError, match="^startup_delay must be 0-1$"):
        audiobusio.PDMIn(board.D5, board.D6, startup_delay=2.0)
    pdm = audiobusio.PDMIn(board.D5, board.D6, bit_depth=16)
    with pytest.raises(ValueError, match="^D5 in use$"):
        audiobusio.PDMIn(board.D5, board.D7)
    with pytest.raises(
        ValueError, match="^destination buffer must be an array of type 'H' for bit_depth = 16$"
    ):
        pdm.record(bytearray(10), 10)
    with pytest.raises(
        ValueError, match="^Destination capacity is smaller than destination_length.$"
    ):
        pdm.record(array.array("H", [0] * 4), 8)
    with (
        open(tmp_path / "rec.raw", "wb") as file,
        pytest.raises(NotImplementedError, match="^Cannot record to a file$"),
    ):
        pdm.record(file, 8)
    pdm.deinit()
    eight = audiobusio.PDMIn(board.D5, board.D6)
    with pytest.raises(
        ValueError,
        match="^destination buffer must be a bytearray or array of type 'B' for bit_depth = 8$",
    ):
        eight.record(array.array("H", [0] * 4), 4)


@pytest.mark.hostile
def test_microphone_settings_are_checked(sim, tmp_path):
    mic = sim.add("Microphone", data="D6")
    with pytest.raises(ValueError, match="signal must be one of silence, tone, noise, wav"):
        mic.signal = "music"
    with pytest.raises(ValueError, match="amplitude must be between 0.0 and 1.0"):
        mic.tone(880, amplitude=3)
    assert mic.frequency == 440  # nothing changed
    not_wav = tmp_path / "x.wav"
    not_wav.write_bytes(b"not a wave")
    with pytest.raises(Exception, match="file does not start with RIFF id"):
        mic.play_wav(not_wav)
    assert mic.signal == "silence"  # a bad file changes nothing
