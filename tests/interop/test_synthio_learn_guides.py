"""Learn-guide synthio programs (Adafruit's "Synthio Fundamentals" guide, for the Feather RP2040
Prop-Maker) run unmodified on the simulated board; the I2S amplifier on I2S_DATA records what
they play, and the sound is checked: pitches, chords, envelopes and tremolo.

The programs come from adafruit/Adafruit_Learning_System_Guides at a pinned commit: from a
local clone named by ``PROTOBOARD_LEARN_GUIDES`` (a bare clone works), else downloaded from
GitHub into ``tests/.cache`` once. Without either the tests skip, saying why: CI's machines
reach package registries only, and the programs are not copied into this repository (they are
Adafruit's, read as the yardstick). The unit tests in ``tests/unit/test_synthio.py`` run
everywhere.
"""

from __future__ import annotations

import math

import pytest

PROP_MAKER = "adafruit_feather_rp2040_prop_maker"


def _rms(samples) -> float:
    return math.sqrt(sum(v * v for v in samples) / len(samples)) / 32768 if samples else 0.0


def _power(samples, rate: int, frequency: float) -> float:
    """Goertzel: the power of one frequency in ``samples`` (independent of the parts' FFT)."""
    coeff = 2 * math.cos(2 * math.pi * frequency / rate)
    s1 = s2 = 0.0
    for v in samples:
        s1, s2 = v + coeff * s1 - s2, s1
    return (s1 * s1 + s2 * s2 - coeff * s1 * s2) / len(samples) ** 2


def _window(played, start: float, end: float):
    rate = played.sample_rate
    return played.samples[int(start * rate) : int(end * rate)]


def _hz(note: int) -> float:
    return 440.0 * 2 ** ((note - 69) / 12)


@pytest.mark.board(PROP_MAKER)
def test_single_note(sim, run_code, learn_guide) -> None:
    from protoboard.ports.sim.parts import sound

    amp = sim.add("I2SAmplifier", data="I2S_DATA")
    result = run_code(learn_guide("Synthio_Fundamentals/example_01_single_note.py"), timeout=1.0)
    assert result.ok, result.traceback
    played = amp.last_played
    assert played.sample_rate == 44100
    tone = _window(played, 0.02, 0.45)  # F4 pressed for half a second
    assert sound.dominant_frequency(tone, 44100) == pytest.approx(_hz(65), abs=1)
    assert _rms(tone) == pytest.approx(0.5, abs=0.01)  # the default square, full level
    assert _rms(_window(played, 0.6, 0.95)) == 0.0  # released: silence until the next press


@pytest.mark.board(PROP_MAKER)
def test_chord(sim, run_code, learn_guide) -> None:
    amp = sim.add("I2SAmplifier", data="I2S_DATA")
    result = run_code(learn_guide("Synthio_Fundamentals/example_02_chord.py"), timeout=0.8)
    assert result.ok, result.traceback
    chord = _window(amp.last_played, 0.05, 0.5)
    background = _power(chord, 44100, 500.0)  # not a note of the chord nor a harmonic
    for note in (65, 69, 72):  # F4, A4, C5 together
        assert _power(chord, 44100, _hz(note)) > 100 * background
    # three full squares add up past 16 bits: the mix-down compressor keeps them in range
    assert 28000 < max(chord) <= 32767


@pytest.mark.board(PROP_MAKER)
def test_envelope_through_a_mixer(sim, run_code, learn_guide) -> None:
    amp = sim.add("I2SAmplifier", data="I2S_DATA")
    result = run_code(learn_guide("Synthio_Fundamentals/example_04_envelope.py"), timeout=1.7)
    assert result.ok, result.traceback
    played = amp.last_played
    assert played.source == "Mixer(2 voices)"

    def level(start: float) -> float:
        return _rms(_window(played, start, start + 0.04))

    # attack_time 0.2 s: rising over the first 0.2 s, then held (sustain_level 1.0) at the
    # mixer voice's level 0.2 of a half-scale square
    assert level(0.01) < level(0.08) < level(0.15) < level(0.3)
    assert level(0.6) == pytest.approx(0.5 * 0.2, rel=0.05)
    # released at 1.25 s with release_time 0.8 s: fading, not yet silent
    assert 0.0 < level(1.5) < 0.8 * level(0.6)
    assert _power(_window(played, 0.4, 1.2), 22050, _hz(46)) > 100 * _power(
        _window(played, 0.4, 1.2), 22050, 150.0
    )


@pytest.mark.board(PROP_MAKER)
def test_lfo_tremolo(sim, run_code, learn_guide, capsys) -> None:
    amp = sim.add("I2SAmplifier", data="I2S_DATA")
    result = run_code(learn_guide("Synthio_Fundamentals/example_09_LFO_tremolo.py"), timeout=2.0)
    assert result.ok, result.traceback
    values = [float(line) for line in capsys.readouterr().out.split() if line]
    assert len(values) > 10
    # LFO(rate=0.8, scale=0.3, offset=0.7): a triangle between 0.4 and 1.0, 1.25 s a cycle
    assert all(0.4 - 1e-6 <= v <= 1.0 + 1e-6 for v in values)
    assert max(values) - min(values) > 0.3
    played = amp.last_played
    # 50 ms windows over one LFO cycle (1.25 s) of what was heard; a loaded machine starts the
    # program later, so take the windows the recording holds (at least a half cycle of them)
    heard = len(played.samples) / played.sample_rate
    levels = [
        _rms(_window(played, t / 10, t / 10 + 0.05)) for t in range(1, 13) if t / 10 + 0.05 <= heard
    ]
    assert len(levels) >= 7, f"only {heard:.2f} s of sound"
    assert min(levels) > 0  # the note sounds throughout (the LFO never goes below 0.4)
    # the note's amplitude follows the LFO: the loudest and quietest moments differ as much
    assert max(levels) / min(levels) == pytest.approx(max(values) / min(values), rel=0.25)


@pytest.mark.board(PROP_MAKER)
def test_midi_input_plays_notes(sim, run_code, learn_guide, adafruit_libs, capsys) -> None:
    """example_06: adafruit_midi (PyPI) reads usb_midi; a host plays A4 for 0.4 s."""
    import threading

    from protoboard.ports.sim.parts.usbhost import board_host

    amp = sim.add("I2SAmplifier", data="I2S_DATA")
    host = board_host(sim)
    host.send_midi(bytes([0x90, 69, 100]))  # waiting for the program's first receive()
    note_off = threading.Timer(0.4, host.send_midi, args=(bytes([0x80, 69, 0]),))
    note_off.start()
    try:
        result = run_code(
            learn_guide("Synthio_Fundamentals/example_06_MIDI_input.py"),
            timeout=1.0,
            lib_paths=[adafruit_libs],
        )
    finally:
        note_off.cancel()
    assert result.ok, result.traceback
    out = capsys.readouterr().out
    assert "noteOn:  69 vel: 100" in out and "noteOff: 69 vel: 0" in out
    played = amp.last_played
    held = _window(played, 0.1, 0.35)
    assert _power(held, 22050, 440.0) > 100 * _power(held, 22050, 300.0)
    # released at 0.4 s with release_time 0.2 s: silent well after
    assert _rms(_window(played, 0.75, 0.95)) == 0.0
