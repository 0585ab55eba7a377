"""audioio, audiopwmio and audiobusio.I2SOut on the simulated board: playing in the background
on the board's clock, what a Speaker or I2SAmplifier part hears, CircuitPython's errors."""

from __future__ import annotations

import array
import math
import time
import wave

import pytest
from audio_files import tone_frames, write_tone_wav

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


def _wait_until_done(player) -> None:
    while player.playing:
        time.sleep(0.002)


def test_play_does_not_block_and_the_speaker_hears_the_whole_file(sim, tmp_path):
    import audiocore
    import audioio
    import board

    speaker = sim.add("Speaker", pin="A0")
    path = write_tone_wav(tmp_path / "beep.wav", 440, rate=16000, seconds=0.1)
    wav = audiocore.WaveFile(str(path))
    dac = audioio.AudioOut(board.A0)
    dac.play(wav)
    assert dac.playing  # returned at once: the board plays in the background
    assert sim.pin("A0").mode == "audio_out"
    _wait_until_done(dac)
    played = speaker.plays[-1]
    assert played.source == f"WaveFile({str(path)!r})"
    assert not played.playing and played.sample_rate == 16000
    assert list(played.samples) == tone_frames(440, 16000, 0.1)  # sample-exact
    assert played.duration == pytest.approx(0.1, abs=1e-6)  # on the board's clock
    assert played.frequency == pytest.approx(440, abs=2)
    assert played.level == pytest.approx(0.5 / math.sqrt(2), rel=0.01)
    assert not speaker.playing
    dac.deinit()
    assert sim.pin("A0").mode == "unused"


def test_a_looping_tone_plays_until_stopped(sim):
    import audiocore
    import audioio
    import board

    speaker = sim.add("Speaker", pin="A0")
    length = 8000 // 400
    sine = array.array(
        "H", [int(math.sin(2 * math.pi * i / length) * 30000 + 0x8000) for i in range(length)]
    )
    dac = audioio.AudioOut(board.A0)
    dac.play(audiocore.RawSample(sine, sample_rate=8000), loop=True)
    time.sleep(0.2)
    assert dac.playing and speaker.playing
    assert speaker.frequency == pytest.approx(400, abs=2)
    assert speaker.level > 0.5  # loud now
    dac.stop()
    assert not dac.playing
    heard = len(speaker.plays[-1].samples)
    assert heard >= 0.2 * 8000  # it kept playing while the program slept
    time.sleep(0.15)
    assert speaker.level == 0.0  # silent since the stop


def test_pause_keeps_the_position(sim):
    import audiocore
    import audioio
    import board

    sim.add("Speaker", pin="A0")
    dac = audioio.AudioOut(board.A0)
    with pytest.raises(RuntimeError, match="^Not playing$"):
        dac.pause()
    dac.resume()  # not paused: nothing happens, as on a board
    ramp = audiocore.RawSample(array.array("h", range(-4000, 4000)), sample_rate=8000)  # 1 s
    dac.play(ramp)
    dac.pause()
    assert dac.paused and dac.playing
    stream = ramp._audio_stream()
    at = stream.position
    time.sleep(0.05)
    assert dac.paused and stream.position == at  # paused: nothing more is played
    dac.resume()
    assert not dac.paused
    dac.stop()
    assert not dac.playing and not dac.paused


def test_two_channels_go_to_their_pins(sim):
    import audiocore
    import audiopwmio
    import board

    left = sim.add("Speaker", pin="D5", name="LEFT")
    right = sim.add("Speaker", pin="D6", name="RIGHT")
    stereo = audiocore.RawSample(array.array("h", [1000, -1000] * 80), channel_count=2)
    out = audiopwmio.PWMAudioOut(board.D5, right_channel=board.D6)
    out.play(stereo)
    _wait_until_done(out)
    assert set(left.plays[-1].samples) == {1000}
    assert set(right.plays[-1].samples) == {-1000}


@pytest.mark.hostile
def test_output_errors(sim):
    import audioio
    import board
    import digitalio

    with pytest.raises(ValueError, match="^left_channel and right_channel must be different$"):
        audioio.AudioOut(board.A0, right_channel=board.A0)
    with pytest.raises(ValueError, match="^Invalid pin$"):
        audioio.AudioOut(board.D5)  # no DAC there
    with pytest.raises(TypeError, match="^left_channel must be of type Pin, not int$"):
        audioio.AudioOut(5)
    held = digitalio.DigitalInOut(board.A0)
    with pytest.raises(ValueError, match="^A0 in use$"):
        audioio.AudioOut(board.A0)
    held.deinit()
    dac = audioio.AudioOut(board.A0)
    with pytest.raises(TypeError, match="^'int' object does not support 'protocol_audiosample'$"):
        dac.play(3)
    dac.deinit()
    dac.deinit()  # twice is fine
    for use in (lambda: dac.playing, dac.stop, dac.pause, lambda: dac.play(None)):
        with pytest.raises(ValueError, match="^" + DEINIT):
            use()
    assert audioio.AudioOut(board.A0).playing is False  # the pin was given back


def test_pwm_audio_on_a_pwm_pin(sim, tmp_path):
    import audiocore
    import audiopwmio
    import board

    speaker = sim.add("Speaker", pin="D5")
    wav = audiocore.WaveFile(str(write_tone_wav(tmp_path / "t.wav", 1000, rate=8000, seconds=0.05)))
    with audiopwmio.PWMAudioOut(board.D5) as out:
        out.play(wav)
        _wait_until_done(out)
    assert speaker.plays[-1].frequency == pytest.approx(1000, abs=5)
    with pytest.raises(ValueError, match="^Invalid pin$"):
        audiopwmio.PWMAudioOut(board.SDA)


def test_i2s_amplifier_hears_the_mono_mix(sim, tmp_path):
    import audiobusio
    import audiocore
    import board

    amp = sim.add("I2SAmplifier", data="D9")
    wav = audiocore.WaveFile(str(write_tone_wav(tmp_path / "s.wav", 660, channels=2, seconds=0.05)))
    i2s = audiobusio.I2SOut(board.D1, board.D0, board.D9)
    assert sim.pin("D1").mode == "i2s"
    i2s.play(wav)
    _wait_until_done(i2s)
    assert amp.plays[-1].frequency == pytest.approx(660, abs=3)
    assert len(amp.plays[-1].samples) == 800
    i2s.deinit()
    with pytest.raises(TypeError, match="^pins contains duplicate pins$"):
        audiobusio.I2SOut(board.D1, board.D1, board.D9)


def test_plays_and_stops_are_reported_as_activity(sim):
    import audiocore
    import audioio
    import board

    seen = []
    sim.on_activity(seen.append)
    dac = audioio.AudioOut(board.A0)
    dac.play(audiocore.RawSample(array.array("h", [0] * 80)))
    _wait_until_done(dac)
    audio = [a for a in seen if a.kind == "audio"]
    assert [a.data["event"] for a in audio] == ["play", "stop"]
    assert audio[0].where == "A0" and audio[0].data["source"] == "RawSample(80 frames)"
    assert audio[0].data["sample_rate"] == 8000 and audio[0].data["loop"] is False


def test_the_speaker_saves_what_it_heard_as_a_wav(sim, tmp_path):
    import audiocore
    import audioio
    import board

    speaker = sim.add("Speaker", pin="A0")
    dac = audioio.AudioOut(board.A0)
    dac.play(audiocore.WaveFile(str(write_tone_wav(tmp_path / "a.wav", 440, seconds=0.05))))
    _wait_until_done(dac)
    time.sleep(0.02)  # silence after it, on the board's clock
    saved = speaker.save_wav(tmp_path / "heard.wav")
    with wave.open(str(saved), "rb") as heard:
        assert heard.getframerate() == 16000 and heard.getnchannels() == 1
        frames = heard.getnframes()
        data = array.array("h", heard.readframes(frames))
    assert frames >= 800 + 0.02 * 16000
    assert list(data[:800]) == tone_frames(440, 16000, 0.05)
    assert not any(data[800:])


def test_speaker_memory_is_bounded(sim):
    import audiocore
    import audioio
    import board

    speaker = sim.add("Speaker", pin="A0", max_seconds=0.05)
    dac = audioio.AudioOut(board.A0)
    dac.play(audiocore.RawSample(array.array("h", [1000, -1000]), sample_rate=48000), loop=True)
    time.sleep(0.2)
    assert len(speaker.samples) <= 0.05 * 48000 * 1.25
    assert len(speaker.plays[-1].samples) <= 5 * 48000
    dac.stop()


@pytest.mark.hostile
def test_speaker_settings_are_checked(sim):
    with pytest.raises(ValueError, match="max_seconds must be between 0 and 3600"):
        sim.add("Speaker", pin="A0", max_seconds=-1)
    with pytest.raises(ValueError, match="sample_rate must be a whole number"):
        sim.add("Speaker", pin="A0", sample_rate=0)


def test_a_program_on_the_drive_plays_a_wav(sim, run_code, tmp_path, capsys):
    """A Learn-guide-style program playing a WAV file (in-process; tests/runtime/test_audio_exec.py
    runs one from a drive in `protoboard exec`)."""
    speaker = sim.add("Speaker", pin="A0")
    path = write_tone_wav(tmp_path / "boing.wav", 523, rate=22050, seconds=0.1)
    result = run_code(
        f"""
        import audiocore
        import audioio
        import board

        wave_file = open({str(path)!r}, "rb")
        wave = audiocore.WaveFile(wave_file)
        audio = audioio.AudioOut(board.A0)
        audio.play(wave)
        while audio.playing:
            pass
        print("done", wave.sample_rate)
        """
    )
    assert result.ok, result.traceback
    assert "done 22050" in capsys.readouterr().out
    assert speaker.plays[-1].source.endswith("boing.wav')")
    assert speaker.plays[-1].frequency == pytest.approx(523, abs=3)


@pytest.mark.board("circuitplayground_express")
def test_a_real_boards_speaker_pin_plays(sim):
    """Boards made from circuitpython-stubs do not say which pins have a DAC: any pin may play."""
    import audiocore
    import audioio
    import board

    speaker = sim.add("Speaker", pin="SPEAKER")
    dac = audioio.AudioOut(board.SPEAKER)
    dac.play(audiocore.RawSample(array.array("h", [500] * 40)))
    _wait_until_done(dac)
    assert set(speaker.plays[-1].samples) == {500}
