"""Unmodified adafruit_waveform (PyPI) builds the tables Learn guides play: its sine wave
through RawSample and AudioOut reaches the speaker at the right pitch; its square wave through
a mixer voice at half level."""

from __future__ import annotations

import time

import pytest

pytestmark = pytest.mark.network


def test_waveform_sine_through_rawsample_and_audioout(sim, drivers) -> None:
    import audiocore
    import audioio
    import board
    from adafruit_waveform import sine

    speaker = sim.add("Speaker", pin="A0")
    table = sine.sine_wave(16000, 440)  # one period of a 440 Hz tone at 16 kHz, array('H')
    sample = audiocore.RawSample(table, sample_rate=16000)
    dac = audioio.AudioOut(board.A0)
    dac.play(sample, loop=True)
    time.sleep(0.3)
    assert dac.playing
    # a 36-sample table at 16 kHz is 444.4 Hz: what a board really plays
    assert speaker.frequency == pytest.approx(16000 / len(table), abs=2)
    assert speaker.level > 0.3
    dac.stop()
    dac.deinit()


def test_waveform_square_on_a_mixer_voice(sim, drivers) -> None:
    import array

    import audiocore
    import audiomixer
    import audiopwmio
    import board
    from adafruit_waveform import square

    speaker = sim.add("Speaker", pin="D5")
    table = array.array("h", (v - 0x8000 for v in square.square_wave(100)))
    mixer = audiomixer.Mixer(voice_count=2, sample_rate=8000, channel_count=1)
    out = audiopwmio.PWMAudioOut(board.D5)
    out.play(mixer)
    mixer.voice[0].level = 0.5
    mixer.voice[0].play(audiocore.RawSample(table, sample_rate=8000), loop=True)
    time.sleep(0.2)
    assert mixer.voice[0].playing
    assert speaker.frequency == pytest.approx(80, abs=1)  # 8000 Hz / 100 samples
    assert 0.4 < speaker.level < 0.6  # a full-scale square wave at half level
    out.deinit()


def test_a_program_imports_audioio_and_plays_on_a0(sim, run_code, adafruit_libs, capsys) -> None:
    """What adafruit_circuitplayground does at import time: `import audioio` works on the
    default board, and a tone played on A0 reaches a speaker there."""
    speaker = sim.add("Speaker", pin="A0")
    result = run_code(
        """
        import time
        import audiocore
        import audioio
        import board
        from adafruit_waveform import sine

        dac = audioio.AudioOut(board.A0)
        dac.play(audiocore.RawSample(sine.sine_wave(8000, 200), sample_rate=8000), loop=True)
        time.sleep(0.2)
        dac.stop()
        print("stopped", dac.playing)
        """,
        lib_paths=[adafruit_libs],
    )
    assert result.ok, result.traceback
    assert "stopped False" in capsys.readouterr().out
    assert speaker.plays[-1].frequency == pytest.approx(200, abs=2)
