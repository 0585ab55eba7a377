"""audiomixer: voices mixed into one sample, played on an output, with CircuitPython's checks."""

from __future__ import annotations

import array
import math
import time

import pytest
from audio_files import write_tone_wav

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


def _tone(frequency: int, rate: int = 16000) -> array.array:
    length = rate // frequency  # whole periods, so the loop is seamless
    return array.array(
        "h", [int(12000 * math.sin(2 * math.pi * i / length)) for i in range(length)]
    )


def test_two_voices_are_mixed(sim, tmp_path):
    import audiocore
    import audioio
    import audiomixer
    import board

    speaker = sim.add("Speaker", pin="A0")
    mixer = audiomixer.Mixer(voice_count=2, sample_rate=16000, channel_count=1)
    assert len(mixer.voice) == 2 and mixer.sample_rate == 16000
    dac = audioio.AudioOut(board.A0)
    dac.play(mixer)
    assert dac.playing and not mixer.playing  # a mixer plays silence until a voice plays
    low = audiocore.RawSample(_tone(250), sample_rate=16000)
    beep = audiocore.WaveFile(str(write_tone_wav(tmp_path / "b.wav", 2000, seconds=0.05)))
    mixer.voice[0].play(low, loop=True)
    mixer.voice[1].level = 0.5
    assert mixer.play(beep, voice=1) is mixer
    assert mixer.voice[1].playing
    time.sleep(0.1)
    assert not mixer.voice[1].playing  # the 50 ms beep ended; the loop goes on
    assert mixer.voice[0].playing and mixer.playing
    mixer.stop_voice(0)
    assert not mixer.playing
    dac.stop()
    assert speaker.plays[-1].source == "Mixer(2 voices)"
    assert speaker.plays[-1].frequency == pytest.approx(250, abs=2)  # the louder voice


def test_the_mix_is_the_sum_of_the_voices_at_their_levels(sim, tmp_path):
    import audiocore
    import audiomixer

    mixer = audiomixer.Mixer(voice_count=2, sample_rate=16000, channel_count=1)
    beep = audiocore.WaveFile(str(write_tone_wav(tmp_path / "b.wav", 2000, seconds=0.05)))
    mixer.voice[0].play(audiocore.RawSample(_tone(250), sample_rate=16000), loop=True)
    mixer.voice[1].level = 0.5
    mixer.voice[1].play(beep)
    mixed = mixer._audio_stream().read(1000)
    expected = [
        _tone(250)[i % 64]
        + (int(0.5 * 32767 * math.sin(2 * math.pi * 2000 * i / 16000)) >> 1 if i < 800 else 0)
        for i in range(1000)
    ]
    assert list(mixed) == expected
    assert not mixer.voice[1].playing and mixer.voice[0].playing


def test_mixing_clips_instead_of_wrapping(sim):
    import audiocore
    import audiomixer

    mixer = audiomixer.Mixer(voice_count=3, channel_count=1)
    loud = array.array("h", [30000, -30000] * 8)
    for voice in mixer.voice:
        voice.play(audiocore.RawSample(loud))
    mixed = mixer._audio_stream().read(16)
    assert list(mixed) == [32767, -32768] * 8


def test_mono_voice_on_a_stereo_mixer_with_panning(sim):
    import audiocore
    import audiomixer

    mixer = audiomixer.Mixer(voice_count=1, channel_count=2)
    mixer.voice[0].panning = -1.0  # left only
    mixer.play(audiocore.RawSample(array.array("h", [1000] * 4)))
    assert list(mixer._audio_stream().read(4)) == [1000, 0] * 4
    assert mixer.voice[0].panning == -1.0


@pytest.mark.hostile
def test_mixer_errors(sim):
    import audiocore
    import audiomixer

    with pytest.raises(ValueError, match="^voice_count must be 1-255$"):
        audiomixer.Mixer(voice_count=0)
    with pytest.raises(ValueError, match="^channel_count must be 1-2$"):
        audiomixer.Mixer(channel_count=3)
    with pytest.raises(ValueError, match="^bits_per_sample must be 8 or 16$"):
        audiomixer.Mixer(bits_per_sample=12)
    with pytest.raises(ValueError, match="^sample_rate must be >= 1$"):
        audiomixer.Mixer(sample_rate=0)
    mixer = audiomixer.Mixer(voice_count=1, sample_rate=8000, channel_count=1)
    with pytest.raises(ValueError, match="^Invalid voice$"):
        mixer.play(audiocore.RawSample(array.array("h", [0])), voice=1)
    with pytest.raises(ValueError, match="^Invalid voice$"):
        mixer.stop_voice(5)
    with pytest.raises(ValueError, match="^The sample's sample_rate does not match$"):
        mixer.play(audiocore.RawSample(array.array("h", [0]), sample_rate=16000))
    with pytest.raises(ValueError, match="^The sample's bits_per_sample does not match$"):
        mixer.play(audiocore.RawSample(bytearray(4)))
    with pytest.raises(ValueError, match="^The sample's channel_count does not match$"):
        mixer.play(audiocore.RawSample(array.array("h", [0, 0]), channel_count=2))
    with pytest.raises(ValueError, match="^The sample's signedness does not match$"):
        mixer.play(audiocore.RawSample(array.array("H", [0])))
    with pytest.raises(TypeError, match="^'str' object does not support 'protocol_audiosample'$"):
        mixer.play("drum.wav")
    with pytest.raises(ValueError, match="^level must be 0-1$"):
        mixer.voice[0].level = 2
    mixer.deinit()
    with pytest.raises(ValueError, match="^" + DEINIT):
        _ = mixer.playing
