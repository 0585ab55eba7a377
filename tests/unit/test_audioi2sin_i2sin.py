"""audioi2sin.I2SIn records what I2SMicrophone parts hear: tones at every bit depth, stereo
pairs, WAV files; and it plays live through audiobusio.I2SOut as an audio sample."""

from __future__ import annotations

import array
import math

import pytest
from audio_files import write_tone_wav

from protoboard.ports.sim.parts import sound
from protoboard.testing import simulated_board

BOARD = "adafruit_metro_rp2350"  # its CircuitPython build enables audioi2sin


@pytest.fixture
def i2s_board():
    with simulated_board(BOARD) as sim:
        yield sim


def test_a_1khz_tone_recorded_at_16_bits(i2s_board):
    import audioi2sin
    import board

    mic = i2s_board.add("I2SMicrophone", data="D9")
    mic.tone(1000, amplitude=0.5)
    with audioi2sin.I2SIn(board.D5, board.D6, board.D9) as i2s:
        assert (i2s.sample_rate, i2s.bit_depth, i2s.bits_per_sample) == (16000, 16, 16)
        assert (i2s.channel_count, i2s.samples_signed, i2s.overflow) == (1, True, False)
        buffer = array.array("h", [0] * 1024)
        assert i2s.record(buffer, len(buffer)) == 1024
    assert sound.dominant_frequency(buffer, 16000) == pytest.approx(1000, abs=3)
    assert sound.rms(buffer) == pytest.approx(0.5 / math.sqrt(2), rel=0.05)


@pytest.mark.parametrize(
    ("bit_depth", "typecode", "signed", "shift", "middle"),
    [
        (32, "i", True, 16, 0),  # an INMP441's 24 bits in a 32-bit slot
        (24, "I", False, 8, 1 << 23),
        (8, "b", True, -8, 0),
        (8, "B", False, -8, 128),
    ],
)
def test_bit_depths_keep_the_tone_at_full_scale(
    i2s_board, bit_depth, typecode, signed, shift, middle
):
    import audioi2sin
    import board

    i2s_board.add("I2SMicrophone", data="D9").tone(1000, amplitude=0.5)
    i2s = audioi2sin.I2SIn(board.D5, board.D6, board.D9, bit_depth=bit_depth, samples_signed=signed)
    buffer = array.array(typecode, [middle] * 512)
    assert i2s.record(buffer, 512) == 512
    as16 = [(v - middle) >> shift if shift > 0 else (v - middle) << -shift for v in buffer]
    heard = array.array("h", as16)
    assert sound.dominant_frequency(heard, 16000) == pytest.approx(1000, abs=5)
    assert sound.rms(heard) == pytest.approx(0.5 / math.sqrt(2), rel=0.05)
    i2s.deinit()


def test_output_bit_depth_rescales_full_scale_to_full_scale(i2s_board):
    import audioi2sin
    import board

    mic = i2s_board.add("I2SMicrophone", data="D9")
    mic.tone(50, amplitude=1.0)
    narrow = audioi2sin.I2SIn(board.D5, board.D6, board.D9, bit_depth=32, output_bit_depth=16)
    assert narrow.bits_per_sample == 16 and narrow.bit_depth == 32
    halves = array.array("h", [0] * 400)  # a quarter period of 50 Hz: the peak is in it
    narrow.record(halves, 400)
    assert max(halves) > 32000
    narrow.deinit()
    wide = audioi2sin.I2SIn(board.D5, board.D6, board.D9, bit_depth=16, output_bit_depth=24)
    slots = array.array("i", [0] * 400)
    wide.record(slots, 400)
    assert max(slots) > 32000 << 8 and max(slots) < 1 << 23


def test_stereo_pairs_a_left_and_a_right_microphone(i2s_board, tmp_path):
    import audioi2sin
    import board

    i2s_board.add("I2SMicrophone", data="D9", name="left").tone(1000, amplitude=0.5)
    right = i2s_board.add("I2SMicrophone", data="D9", name="right", channel="right")
    right.play_wav(write_tone_wav(tmp_path / "r.wav", 300, rate=16000, seconds=0.1))
    i2s = audioi2sin.I2SIn(board.D5, board.D6, board.D9, mono=False)
    assert i2s.channel_count == 2
    frames = array.array("h", [0] * 2048)
    assert i2s.record(frames, 2048) == 2048
    assert sound.dominant_frequency(frames[0::2], 16000) == pytest.approx(1000, abs=5)
    assert sound.dominant_frequency(frames[1::2], 16000) == pytest.approx(300, abs=5)


def test_no_microphone_and_an_empty_slot_read_silence(i2s_board):
    import audioi2sin
    import board

    i2s = audioi2sin.I2SIn(board.D5, board.D6, board.D9, bit_depth=16, samples_signed=False)
    buffer = array.array("H", [1] * 16)
    i2s.record(buffer, 16)
    assert set(buffer) == {0x8000}  # unsigned silence: the middle of the range


def test_played_live_through_i2sout(i2s_board):
    """An I2SIn is an audio sample: the amplifier hears the microphone."""
    import time

    import audiobusio
    import audioi2sin
    import board

    i2s_board.add("I2SMicrophone", data="D9").tone(1000, amplitude=0.5)
    amp = i2s_board.add("I2SAmplifier", data="D22")
    mic = audioi2sin.I2SIn(board.D5, board.D6, board.D9)
    out = audiobusio.I2SOut(board.D20, board.D21, board.D22)
    out.play(mic)
    time.sleep(0.2)
    assert out.playing  # a live input never ends
    out.stop()
    assert amp.last_played.source == "I2SIn(16000 Hz)"
    assert amp.frequency == pytest.approx(1000, abs=5)


@pytest.mark.hostile
def test_i2sin_errors(i2s_board, tmp_path):
    import audiobusio
    import audioi2sin
    import board

    with pytest.raises(ValueError, match="^bit_depth must be 8, 16, 24, or 32$"):
        audioi2sin.I2SIn(board.D5, board.D6, board.D9, bit_depth=12)
    with pytest.raises(ValueError, match="^output_bit_depth must be 8, 16, 24, or 32$"):
        audioi2sin.I2SIn(board.D5, board.D6, board.D9, output_bit_depth=20)
    i2s = audioi2sin.I2SIn(board.D5, board.D6, board.D9)
    with pytest.raises(ValueError, match="^D5 in use$"):
        audioi2sin.I2SIn(board.D5, board.D7, board.D8)
    with pytest.raises(
        TypeError, match="^invalid destination buffer, must be an array of type: h$"
    ):
        i2s.record(array.array("H", [0] * 8), 8)
    with pytest.raises(
        ValueError, match="^Destination capacity is smaller than destination_length.$"
    ):
        i2s.record(array.array("h", [0] * 4), 8)
    with (
        open(tmp_path / "rec.raw", "wb") as file,
        pytest.raises(NotImplementedError, match="^Cannot record to a file$"),
    ):
        i2s.record(file, 8)
    i2s.deinit()
    with pytest.raises(ValueError, match="deinitialized"):
        i2s.record(array.array("h", [0] * 4), 4)
    # the pins are free again; a 32-bit input cannot stream through the 16-bit audio pipeline
    deep = audioi2sin.I2SIn(board.D5, board.D6, board.D9, bit_depth=32)
    with pytest.raises(
        TypeError, match="^invalid destination buffer, must be an array of type: i$"
    ):
        deep.record(array.array("I", [0] * 4), 4)
    out = audiobusio.I2SOut(board.D20, board.D21, board.D22)
    with pytest.raises(ValueError, match="^output_bit_depth must be 8 or 16$"):
        out.play(deep)
    assert not out.playing
    # external clock: the clock pins are shared with the I2SOut that drives them
    follower = audioi2sin.I2SIn(board.D20, board.D21, board.D23, external_clock=True)
    eight = audioi2sin.I2SIn(board.D2, board.D3, board.D4, bit_depth=8, samples_signed=False)
    with pytest.raises(
        TypeError, match="^invalid destination buffer, must be an array of type: B$"
    ):
        eight.record(array.array("b", [0] * 4), 4)
    assert eight.record(bytearray(4), 4) == 4
    follower.deinit()


@pytest.mark.hostile
def test_i2s_microphone_channel_is_checked(i2s_board):
    with pytest.raises(ValueError, match="channel must be 'left' or 'right'"):
        i2s_board.add("I2SMicrophone", data="D9", channel="middle")
