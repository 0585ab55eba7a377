"""synthio against CircuitPython's rules (shared-module/synthio): the numbers a board makes
(16-bit samples, the square wave, envelopes moving once per 256-sample block, LFO and Math
blocks, Biquad coefficients, the mix-down compressor), what a Speaker hears, and the errors."""

from __future__ import annotations

import io
import math
import struct
import time
from array import array

import pytest

BLOCK = 256
DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


def _blocks(synth, count: int = 1) -> array:
    """The next ``count`` blocks of a synthesizer, read as a player reads them."""
    return synth._audio_stream().read(BLOCK * count)


def _crossings_frequency(samples, rate: int) -> float:
    """Frequency from rising zero crossings (independent of the simulator's FFT)."""
    rising = [i for i in range(1, len(samples)) if samples[i - 1] < 0 <= samples[i]]
    return (len(rising) - 1) * rate / (rising[-1] - rising[0])


# -- module functions ---------------------------------------------------------------------------


def test_midi_to_hz_and_voct_to_hz(sim) -> None:
    import synthio

    assert synthio.midi_to_hz(69) == pytest.approx(440.0, rel=1e-5)
    for note in (0, 21, 60, 64.5, 127):
        equal_tempered = 440.0 * 2 ** ((note - 69) / 12)
        assert synthio.midi_to_hz(note) == pytest.approx(equal_tempered, rel=1e-4)
        assert synthio.midi_to_hz(note) == pytest.approx(synthio.voct_to_hz(note / 12 - 3))
    assert synthio.voct_to_hz(2.75) == pytest.approx(440.0, rel=1e-5)
    with pytest.raises(ValueError, match="^ctrl must be -11-11$"):
        synthio.voct_to_hz(12)
    with pytest.raises(TypeError, match="^note must be of type float, not str$"):
        synthio.midi_to_hz("A4")
    assert synthio.waveform_max_length == 16384


# -- the sound: square wave, 16-bit, frequency ---------------------------------------------------


def test_default_square_wave_midi_note_numbers(sim) -> None:
    import synthio

    synth = synthio.Synthesizer()
    assert synth.sample_rate == 11025 and synth.channel_count == 1
    assert synth.bits_per_sample == 16
    synth.press(69)
    # the voice is silent until the wave first changes sign (loudness changes wait for a zero
    # crossing, against clicks)
    assert _blocks(synth)[:4].tolist() == [0, 0, 0, 0]
    samples = _blocks(synth, 16)
    # a full-scale square at the envelope's full level: sat16(+-32767/-32768 * 32767, 16)
    top = (32767 * 32767) >> 16
    bottom = -((32768 * 32767) >> 16)
    assert set(samples) == {top, bottom}
    assert _crossings_frequency(samples, 11025) == pytest.approx(440, abs=1)


def test_a_note_object_with_its_own_waveform(sim) -> None:
    import synthio

    sine = array("h", [int(32000 * math.sin(2 * math.pi * i / 256)) for i in range(256)])
    synth = synthio.Synthesizer(sample_rate=22050)
    note = synthio.Note(frequency=330, waveform=sine)
    synth.press(note)
    samples = _blocks(synth, 40)
    assert _crossings_frequency(samples, 22050) == pytest.approx(330, abs=1)
    # loudness: envelope 32767 x amplitude (32767 of 32768) x centre panning, all >> 15
    loudness = (32767 * ((32767 * 32767) >> 15)) >> 15
    assert max(samples) == (32000 * loudness) >> 16


def test_a_note_heard_by_a_speaker_through_audioout(sim) -> None:
    import audioio
    import board
    import synthio

    speaker = sim.add("Speaker", pin="A0")
    synth = synthio.Synthesizer(sample_rate=22050)
    dac = audioio.AudioOut(board.A0)
    dac.play(synth)
    synth.press(synthio.Note(synthio.midi_to_hz(69)))
    time.sleep(0.3)
    assert dac.playing
    assert speaker.frequency == pytest.approx(440, abs=2)
    assert speaker.level == pytest.approx(0.5, abs=0.01)  # a square wave at half scale
    synth.release_all()
    time.sleep(0.15)  # the speaker's level is of its last 0.1 s
    assert speaker.level == 0.0
    dac.deinit()


def test_loop_points_play_part_of_the_waveform(sim) -> None:
    import synthio

    # two cycles of a square in 8 samples; looping over the first 4 doubles nothing but keeps
    # the pitch the same per loop length
    wave = array("h", [20000, 20000, -20000, -20000, 5, 5, 5, 5])
    synth = synthio.Synthesizer(sample_rate=11025)
    note = synthio.Note(frequency=100, waveform=wave, waveform_loop_end=4)
    synth.press(note)
    samples = _blocks(synth, 20)
    assert 5 not in {(v * 65536) // 16383 for v in samples}  # the tail is never played
    assert _crossings_frequency(samples, 11025) == pytest.approx(100, abs=1)


# -- envelopes in blocks ------------------------------------------------------------------------


def _expected_levels(env, rate: int, blocks: int) -> list[int]:
    """The envelope's level after each block, from CircuitPython's rule: levels out of 32767,
    one step per 256 samples, step = level * 256 // samples of the phase."""

    def step(seconds: float, difference: int) -> int:
        samples = round(seconds * rate)
        return 32767 if samples == 0 else min(32767, max(1, abs(difference * 256) // samples))

    attack = int(32767 * env.attack_level)
    sustain = int(32767 * env.sustain_level * env.attack_level)
    level, state, out = 0, "A", []
    for _ in range(blocks + 1):
        if state == "A":
            level = min(level + step(env.attack_time, attack), attack)
            state = "D" if level == attack else "A"
        elif state == "D":
            level = max(level - step(env.decay_time, attack - sustain), sustain)
            state = "S" if level == sustain else "D"
        out.append(level)
    return out


def test_envelope_moves_once_per_block(sim) -> None:
    import synthio

    env = synthio.Envelope(attack_time=0.1, decay_time=0.05, sustain_level=0.5)
    synth = synthio.Synthesizer(sample_rate=11025, envelope=env)
    synth.press(60)
    expected = _expected_levels(env, 11025, 12)
    seen = [round(synth.note_info(60)[1] * 32767)]
    states = [synth.note_info(60)[0]]
    for _ in range(12):
        _blocks(synth)
        state, level = synth.note_info(60)
        seen.append(round(level * 32767))
        states.append(state)
    assert seen == expected
    assert states[0] is synthio.EnvelopeState.ATTACK
    assert states[-1] is synthio.EnvelopeState.SUSTAIN
    assert synthio.EnvelopeState.DECAY in states


def test_release_ramps_down_then_frees_the_voice(sim) -> None:
    import synthio

    env = synthio.Envelope(attack_time=0, release_time=0.1, sustain_level=1.0)
    synth = synthio.Synthesizer(sample_rate=11025, envelope=env)
    synth.press(60)
    _blocks(synth, 2)
    synth.release(60)
    assert synth.pressed == ()
    assert synth.note_info(60)[0] is synthio.EnvelopeState.RELEASE
    step = 32767 * 256 // round(0.1 * 11025)
    blocks_to_silence = math.ceil(32767 / step)
    for _ in range(blocks_to_silence):
        _blocks(synth)
    assert synth.note_info(60) == (synthio.EnvelopeState.RELEASE, 0.0)
    _blocks(synth)
    assert synth.note_info(60) == (None, 0.0)  # noticed at the next block and freed
    assert set(_blocks(synth)) == {0}


def test_envelope_arguments(sim) -> None:
    import synthio

    env = synthio.Envelope()
    assert env == (0.1, 0.05, 0.2, 1.0, 0.8)
    assert env.release_time == 0.2
    with pytest.raises(ValueError, match="^attack_level must be 0-1$"):
        synthio.Envelope(attack_level=1.5)
    with pytest.raises(ValueError, match="^attack_time must be >= 0$"):
        synthio.Envelope(attack_time=-1)
    with pytest.raises(TypeError, match="^release_time must be of type float, not str$"):
        synthio.Envelope(release_time="long")
    with pytest.raises(TypeError, match="^envelope must be of type Envelope, not tuple$"):
        synthio.Synthesizer(envelope=(0.1, 0.1, 0.1, 1, 1))


# -- blocks: LFO and Math -----------------------------------------------------------------------


def _triangle(phase: float) -> float:
    """The default LFO waveform (0, 32767, 0, -32767), interpolated, scaled to about +-1."""
    points = (0, 32767, 0, -32767, 0)
    at = phase * 4
    i = int(at)
    return (points[i] * (1 - (at - i)) + points[i + 1] * (at - i)) / 32768


def test_lfo_values_tick_per_block(sim) -> None:
    import synthio

    rate = 11025
    lfo = synthio.LFO(rate=3.0, scale=2.0, offset=0.5)
    assert lfo.value == pytest.approx(0.5)  # computed at construction, at phase 0
    synth = synthio.Synthesizer(sample_rate=rate)
    synth.blocks.append(lfo)
    for block in range(1, 30):
        _blocks(synth)
        phase = (block * BLOCK * 3.0 / rate) % 1.0
        assert lfo.phase == pytest.approx(phase, abs=1e-9)
        assert lfo.value == pytest.approx(_triangle(phase) * 2.0 + 0.5, abs=1e-9)


def test_lfo_once_holds_its_last_value_and_retriggers(sim) -> None:
    import synthio

    ramp = array("h", [0, 16384])
    lfo = synthio.LFO(ramp, rate=4.0, once=True)
    synth = synthio.Synthesizer(sample_rate=8192)
    synth.blocks.append(lfo)
    _blocks(synth, 2)  # 512 samples = 1/16 s: phase 1/4 of the way up the ramp
    assert lfo.value == pytest.approx(0.25 * 0.5, abs=1e-9)
    _blocks(synth, 40)
    assert lfo.value == pytest.approx(32767 / 32768 * 0.5, abs=1e-6)  # held at the end
    synth.change(retrigger=lfo)
    assert lfo.phase == 0.0
    lfo.interpolate = False
    _blocks(synth)
    assert lfo.value == 0.0  # no interpolation: the first point until the phase reaches 1/2


def test_an_lfo_on_a_note_is_ticked_only_while_the_note_plays(sim) -> None:
    import synthio

    lfo = synthio.LFO(rate=1.0)
    note = synthio.Note(frequency=200, bend=lfo)
    synth = synthio.Synthesizer(sample_rate=11025)
    _blocks(synth, 3)
    assert lfo.phase == 0.0
    synth.press(note)
    _blocks(synth, 3)
    assert lfo.phase == pytest.approx(3 * BLOCK / 11025)


@pytest.mark.parametrize(
    ("name", "a", "b", "c", "expected"),
    [
        ("SUM", 1.5, 2.0, 3.0, 1.5 + 2.0 + 3.0),
        ("ADD_SUB", 1.5, 2.0, 3.0, 1.5 + 2.0 - 3.0),
        ("PRODUCT", 1.5, 2.0, 3.0, 1.5 * 2.0 * 3.0),
        ("MUL_DIV", 1.5, 2.0, 3.0, 1.5 * 2.0 / 3.0),
        ("MUL_DIV", 1.5, 2.0, 0.0, 0.0),  # the C code returns 0 for c == 0
        ("SCALE_OFFSET", 1.5, 2.0, 3.0, 1.5 * 2.0 + 3.0),
        ("OFFSET_SCALE", 1.5, 2.0, 3.0, (1.5 + 2.0) * 3.0),
        ("LERP", 1.0, 3.0, 0.25, 1.0 * 0.75 + 3.0 * 0.25),
        ("LERP", 1.0, 3.0, 2.0, 1.0 * -1.0 + 3.0 * 2.0),
        ("CONSTRAINED_LERP", 1.0, 3.0, 2.0, 3.0),
        ("CONSTRAINED_LERP", 1.0, 3.0, -1.0, 1.0),
        ("DIV_ADD", 3.0, 2.0, 1.0, 3.0 / 2.0 + 1.0),
        ("DIV_ADD", 3.0, 0.0, 1.0, 0.0),
        ("ADD_DIV", 3.0, 2.0, 4.0, (3.0 + 2.0) / 4.0),
        ("ADD_DIV", 3.0, 2.0, 0.0, 0.0),
        ("MID", 3.0, 1.0, 2.0, 2.0),
        ("MID", 1.0, 3.0, 2.0, 2.0),
        ("MID", 2.0, 3.0, 1.0, 2.0),
        ("MAX", 3.0, 1.0, 2.0, 3.0),
        ("MIN", 3.0, 1.0, 2.0, 1.0),
        ("ABS", -2.5, 9.0, 9.0, 2.5),
    ],
)
def test_math_operations(sim, name, a, b, c, expected) -> None:
    import synthio

    op = getattr(synthio.MathOperation, name)
    block = synthio.Math(op, a, b, c)
    called = op(a, b, c)
    assert block.value == 0.0  # not computed until a synthesizer ticks it
    synth = synthio.Synthesizer()
    synth.blocks.extend([block, called])
    _blocks(synth)
    assert block.value == pytest.approx(expected)
    assert called.value == pytest.approx(expected)
    assert block.operation is op


def test_math_of_blocks(sim) -> None:
    import synthio

    lfo = synthio.LFO(rate=2.0)
    doubled = synthio.MathOperation.PRODUCT(lfo, 2.0)
    synth = synthio.Synthesizer(sample_rate=10000)
    synth.blocks.append(doubled)  # ticks the LFO through the Math
    _blocks(synth, 5)
    assert doubled.value == pytest.approx(2 * lfo.value)
    assert lfo.value == pytest.approx(_triangle((5 * BLOCK * 2.0 / 10000) % 1.0))


# -- Biquad -------------------------------------------------------------------------------------


def _rbj(mode: str, f0: float, q: float, a: float, rate: int) -> tuple[float, ...]:
    """The RBJ Audio EQ Cookbook's coefficients (a1, a2, b0, b1, b2) / a0, with exact sin and
    cos (https://www.w3.org/TR/audio-eq-cookbook/)."""
    w0 = 2 * math.pi * f0 / rate
    cos, alpha = math.cos(w0), math.sin(w0) / (2 * q)
    if mode == "LOW_PASS":
        b = ((1 - cos) / 2, 1 - cos, (1 - cos) / 2)
        den = (1 + alpha, -2 * cos, 1 - alpha)
    elif mode == "HIGH_PASS":
        b = ((1 + cos) / 2, -(1 + cos), (1 + cos) / 2)
        den = (1 + alpha, -2 * cos, 1 - alpha)
    elif mode == "BAND_PASS":
        b = (alpha, 0.0, -alpha)
        den = (1 + alpha, -2 * cos, 1 - alpha)
    elif mode == "NOTCH":
        b = (1.0, -2 * cos, 1.0)
        den = (1 + alpha, -2 * cos, 1 - alpha)
    elif mode == "PEAKING_EQ":
        b = (1 + alpha * a, -2 * cos, 1 - alpha * a)
        den = (1 + alpha / a, -2 * cos, 1 - alpha / a)
    else:
        root = 2 * math.sqrt(a) * alpha
        if mode == "LOW_SHELF":
            b = (
                a * ((a + 1) - (a - 1) * cos + root),
                2 * a * ((a - 1) - (a + 1) * cos),
                a * ((a + 1) - (a - 1) * cos - root),
            )
            den = ((a + 1) + (a - 1) * cos + root, -2 * ((a - 1) + (a + 1) * cos),
                   (a + 1) + (a - 1) * cos - root)  # fmt: skip
        else:
            b = (
                a * ((a + 1) + (a - 1) * cos + root),
                -2 * a * ((a - 1) + (a + 1) * cos),
                a * ((a + 1) + (a - 1) * cos - root),
            )
            den = ((a + 1) - (a - 1) * cos + root, 2 * ((a - 1) - (a + 1) * cos),
                   (a + 1) - (a - 1) * cos - root)  # fmt: skip
    return (den[1] / den[0], den[2] / den[0], b[0] / den[0], b[1] / den[0], b[2] / den[0])


@pytest.mark.parametrize(
    "mode", ["LOW_PASS", "HIGH_PASS", "BAND_PASS", "NOTCH", "LOW_SHELF", "HIGH_SHELF"]
)
@pytest.mark.parametrize("f0", [300.0, 1500.0, 4000.0])
def test_biquad_coefficients_follow_the_rbj_cookbook(sim, mode, f0) -> None:
    import synthio

    rate = 22050
    gain = 10 ** (6 / 40)  # +6 dB, for the shelving filters
    biquad = synthio.Biquad(getattr(synthio.FilterMode, mode), f0, Q=1.2, A=gain)
    synth = synthio.Synthesizer(sample_rate=rate)
    synth.press(synthio.Note(frequency=220, filter=biquad))
    _blocks(synth)  # the coefficients are computed as the note plays
    ours = biquad._coefficients
    exact = _rbj(mode, f0, 1.2, gain, rate)
    # A board computes sin/cos with a 5th-order polynomial and sqrt with the single-precision
    # inverse-square-root trick, then rounds to 15 fractional bits: within 0.5% of full scale.
    for got, want in zip(ours, exact, strict=True):
        assert got == pytest.approx(want * 32768, abs=0.005 * 32768 * max(1.0, abs(want)))


def test_peaking_eq_and_a_low_pass_that_filters(sim) -> None:
    import synthio

    rate = 22050
    peaking = synthio.Biquad(synthio.FilterMode.PEAKING_EQ, 1000, Q=2.0, A=2.0)
    synth = synthio.Synthesizer(sample_rate=rate)
    synth.press(synthio.Note(frequency=220, filter=peaking))
    _blocks(synth)
    a1, a2, b0, b1, _ = _rbj("PEAKING_EQ", 1000, 2.0, 2.0, rate)
    # CircuitPython writes b2 = 1 + alpha*A where the cookbook has 1 - alpha*A: a board's
    # peaking filter is not the cookbook's, and ours makes the board's numbers
    w0 = 2 * math.pi * 1000 / rate
    alpha = math.sin(w0) / (2 * 2.0)
    board_b2 = (1 + alpha * 2.0) / (1 + alpha / 2.0)
    for got, want in zip(peaking._coefficients, (a1, a2, b0, b1, board_b2), strict=True):
        assert got == pytest.approx(want * 32768, abs=0.005 * 32768 * max(1.0, abs(want)))
    # a 3 kHz square through a 300 Hz low-pass loses most of its level
    plain = synthio.Synthesizer(sample_rate=rate)
    plain.press(synthio.Note(frequency=3000))
    filtered = synthio.Synthesizer(sample_rate=rate)
    filtered.press(
        synthio.Note(frequency=3000, filter=synthio.Biquad(synthio.FilterMode.LOW_PASS, 300))
    )

    def rms(samples) -> float:
        return math.sqrt(sum(v * v for v in samples) / len(samples))

    assert rms(_blocks(filtered, 8)) < 0.1 * rms(_blocks(plain, 8))
    assert synthio.Biquad(synthio.FilterMode.NOTCH, 100).Q == pytest.approx(0.7071067811865475)
    with pytest.raises(TypeError, match="^mode must be of type FilterMode, not str$"):
        synthio.Biquad("lowpass", 100)
    with pytest.raises(TypeError, match="^filter must be of type Biquad, not int$"):
        synthio.Note(frequency=100, filter=3)


# -- voices, panning, ring, mix-down ------------------------------------------------------------


def test_polyphony_and_too_many_notes(sim) -> None:
    import synthio

    synth = synthio.Synthesizer()
    voices = synthio.Synthesizer.max_polyphony
    assert voices == synth.max_polyphony == 12  # the default simulated board
    synth.press(range(40, 40 + voices + 3))  # more than the board has: the rest are ignored
    assert synth.pressed == tuple(range(40, 40 + voices))
    samples = _blocks(synth, 4)
    assert max(samples) <= 32767 and min(samples) >= -32768
    synth.release_all_then_press((90,))
    assert synth.pressed == (90,)


def test_mix_down_compresses_above_28000(sim) -> None:
    import synthio

    synth = synthio.Synthesizer()
    a, b = synthio.Note(frequency=441), synthio.Note(frequency=441)
    synth.press((a, b))  # the same square twice, in phase
    samples = _blocks(synth, 4)
    one = (32767 * ((32767 * ((32767 * 32767) >> 15)) >> 15)) >> 16
    scale = 0xFFFFFFF // (32768 * synth.max_polyphony - 28000)
    assert max(samples) == ((2 * one - 28000) * scale >> 16) + 28000


def test_stereo_panning(sim) -> None:
    import synthio

    synth = synthio.Synthesizer(channel_count=2)
    synth.press(synthio.Note(frequency=300, panning=-1.0))
    _blocks(synth)  # the new loudness takes effect at a zero crossing
    frames = _blocks(synth, 4)
    left, right = frames[0::2], frames[1::2]
    assert max(left) > 16000 and set(right) <= {0, -1}
    with pytest.raises(ValueError, match="^channel_count must be 1-2$"):
        synthio.Synthesizer(channel_count=3)


def test_ring_modulation_multiplies_by_the_ring_waveform(sim) -> None:
    import synthio

    rate = 20000
    sine = array("h", [int(32767 * math.sin(2 * math.pi * i / 64)) for i in range(64)])

    def window_levels(note) -> list[float]:
        synth = synthio.Synthesizer(sample_rate=rate)
        synth.press(note)
        _blocks(synth)
        samples = _blocks(synth, 16)
        period = rate // 1000  # RMS over each period of the 1 kHz carrier
        return [
            math.sqrt(sum(v * v for v in samples[i : i + period]) / period)
            for i in range(0, len(samples) - period, period)
        ]

    plain = window_levels(synthio.Note(frequency=1000, waveform=sine))
    ringed = window_levels(
        synthio.Note(frequency=1000, waveform=sine, ring_frequency=50, ring_waveform=sine)
    )
    assert min(plain) > 0.9 * max(plain)  # a steady tone
    # times a 50 Hz sine: the level swells and falls to near nothing every 10 ms
    assert min(ringed) < 0.4 * max(ringed)
    assert max(ringed) == pytest.approx(max(plain), rel=0.1)


def test_midi_note_bend_vibrato_moves_the_pitch(sim) -> None:
    import synthio

    synth = synthio.Synthesizer(sample_rate=22050)
    note = synthio.Note(frequency=440, bend=1.0)  # an octave up
    synth.press(note)
    assert _crossings_frequency(_blocks(synth, 40), 22050) == pytest.approx(880, abs=2)
    note.bend = -1 / 12  # a semitone down
    _blocks(synth)
    assert _crossings_frequency(_blocks(synth, 40), 22050) == pytest.approx(
        440 * 2 ** (-1 / 12), abs=1
    )


# -- MIDI tracks --------------------------------------------------------------------------------


def _track(events: list[tuple[int, bytes]]) -> bytes:
    """A track chunk's events: (delta ticks, message) with variable-length deltas."""
    out = bytearray()
    for delta, message in events:
        var = [delta & 0x7F]
        delta >>= 7
        while delta:
            var.insert(0, 0x80 | (delta & 0x7F))
            delta >>= 7
        out += bytes(var) + message
    return bytes(out)


def test_miditrack_plays_its_notes_then_ends(sim) -> None:
    import synthio

    track = _track(
        [(0, b"\x90\x45\x40"), (100, b"\x80\x45\x00"), (0, b"\x90\x51\x40"), (50, b"\x80\x51\x00")]
    )
    midi = synthio.MidiTrack(track, tempo=1000, sample_rate=11025)
    stream = midi._audio_stream()
    samples = array("h")
    while chunk := stream.read(1000):
        samples.extend(chunk)
    # 150 ticks at 1000 ticks/s: 0.15 s of sound, in blocks cut at each event
    assert len(samples) == 100 * 11025 // 1000 + 50 * 11025 // 1000
    first = samples[: 100 * 11025 // 1000]
    second = samples[100 * 11025 // 1000 :]
    assert _crossings_frequency(first, 11025) == pytest.approx(440, abs=6)
    # the released note sounds for one more block (its envelope steps at the block's end)
    assert _crossings_frequency(second[256:], 11025) == pytest.approx(880, abs=12)
    assert midi.error_location is None
    midi.tempo = 2000
    assert midi.tempo == 2000


def test_miditrack_records_a_decoding_error(sim) -> None:
    import synthio

    bad = _track([(0, b"\x90\x45\x40"), (10, b"\x90\xc5\x40")])  # note number above 127
    midi = synthio.MidiTrack(bad, tempo=100)
    stream = midi._audio_stream()
    while stream.read(1000):
        pass
    assert midi.error_location == len(bad) - 1  # just after the bad note number


def test_from_file_reads_a_type_0_midi_file(sim, tmp_path) -> None:
    import synthio

    track = _track([(0, b"\x90\x3c\x40"), (96, b"\x80\x3c\x00"), (0, b"\xff\x2f\x00")])
    data = b"MThd" + struct.pack(">IHHH", 6, 0, 1, 96) + b"MTrk" + struct.pack(">I", len(track))
    path = tmp_path / "tune.mid"
    path.write_bytes(data + track)
    with open(path, "rb") as file:
        midi = synthio.from_file(file, sample_rate=8000)
    assert midi.tempo == 192  # 96 ticks per quarter note at 120 bpm
    stream = midi._audio_stream()
    total = 0
    while chunk := stream.read(4096):
        total += len(chunk)
    assert total == 96 * 8000 // 192  # half a second
    (tmp_path / "bad.mid").write_bytes(b"MThd" + struct.pack(">IHHH", 6, 1, 2, 96))
    with (
        open(tmp_path / "bad.mid", "rb") as file,
        pytest.raises(ValueError, match="^Invalid file$"),
    ):
        synthio.from_file(file)
    with open(path, encoding="latin-1") as text, pytest.raises(TypeError, match="byte mode"):
        synthio.from_file(text)
    with pytest.raises(TypeError, match="byte mode"):
        synthio.from_file(io.StringIO("MThd"))


# -- bad input ----------------------------------------------------------------------------------


def test_bad_waveforms_notes_and_values(sim) -> None:
    import synthio

    with pytest.raises(ValueError, match="^waveform must be array of type 'h'$"):
        synthio.Synthesizer(waveform=bytearray(16))
    with pytest.raises(ValueError, match="^waveform length must be 2-16384$"):
        synthio.Synthesizer(waveform=array("h", [1]))
    with pytest.raises(ValueError, match="^waveform length must be 2-16384$"):
        synthio.Note(frequency=1, waveform=array("h", bytes(2 * 16385)))
    with pytest.raises(TypeError, match="^object with buffer protocol required$"):
        synthio.LFO("triangle")
    with pytest.raises(ValueError, match="^frequency must be 0-32767$"):
        synthio.Note(frequency=40000)
    with pytest.raises(TypeError, match="^panning must be of type BlockInput, not str$"):
        synthio.Note(frequency=100, panning="left")
    with pytest.raises(TypeError, match="^rate must be of type BlockInput, not list$"):
        synthio.LFO(rate=[1])
    with pytest.raises(TypeError, match="^operation must be of type MathOperation, not str$"):
        synthio.Math("SUM", 1)
    synth = synthio.Synthesizer()
    with pytest.raises(ValueError, match="^note must be 0-127$"):
        synth.press(128)
    with pytest.raises(TypeError, match="^note must be of type int or Note, not str$"):
        synth.press(["C4"])
    with pytest.raises(TypeError, match="^'bool' object isn't iterable$"):
        synth.release(True)  # not a note, so taken as a sequence of notes, as on a board
    with pytest.raises(TypeError, match="^retrigger must be of type LFO, not int$"):
        synth.change(retrigger=[3])
    with pytest.raises(ValueError, match="^sample_rate must be >= 1$"):
        synthio.Synthesizer(sample_rate=0)
    with pytest.raises(ValueError, match="^tempo must be >= 1$"):
        synthio.MidiTrack(b"", tempo=0)
    synth.deinit()
    with pytest.raises(ValueError, match=f"^{DEINIT}$"):
        synth.press(60)
    with pytest.raises(ValueError, match=f"^{DEINIT}$"):
        synth.sample_rate  # noqa: B018


def test_a_mutated_waveform_is_heard_and_notes_repr(sim) -> None:
    import synthio

    wave = array("h", [1000, -1000])
    synth = synthio.Synthesizer(waveform=wave)
    synth.press(60)
    assert max(_blocks(synth)) == (1000 * 32767) >> 16
    wave[0] = 20000  # a board reads the buffer as it plays
    assert max(_blocks(synth)) == (20000 * 32767) >> 16
    note = synthio.Note(440)
    assert repr(note).startswith("synthio.Note(frequency=440.0, panning=0.0, amplitude=1.0")
    assert note.waveform_loop_end == synthio.waveform_max_length


def test_phase_accumulator_indices_match_a_per_sample_loop(sim) -> None:
    """The vectorised waveform positions equal CircuitPython's per-sample DDS loop (add the
    rate; past the loop end, go back by the loop's length), loop points included."""
    import random

    from protoboard.bindings.synthio import _indices

    def board(accum: int, rate: int, offset: int, lim: int, count: int) -> list[int]:
        if accum > lim:
            accum = accum % lim + offset
        out = []
        for _ in range(count):
            accum += rate
            if accum > lim:
                accum = accum - lim + offset
            out.append(accum >> 16)
        return out

    rng = random.Random(1234)
    checked = 0
    for _ in range(3000):
        length = rng.randint(2, 600)
        start = rng.randint(0, length - 1)
        end = rng.randint(start + 1, length)
        rate = rng.randint(0, min(end << 15, (end - start) << 16))
        accum = rng.choice([0, rng.randint(0, end << 16)])
        count = rng.randint(0, 256)
        expected = board(accum, rate, start << 16, end << 16, count)
        if end in expected:
            continue  # a board reads one past the waveform's end there
        assert _indices(accum, rate, start << 16, end << 16, count)[0] == expected
        checked += 1
    assert checked > 2500
