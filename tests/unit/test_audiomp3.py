"""audiomp3.MP3Decoder: real MP3 files (encoded here with LAME through lameenc), decoded while
they play, and CircuitPython's error for a file that is not an MP3."""

from __future__ import annotations

import time

import pytest
from audio_files import tone_frames

lameenc = pytest.importorskip("lameenc")
pytest.importorskip("miniaudio")


def write_mp3(path, frequency=440, *, rate=44100, seconds=0.5, channels=1):
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(128)
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(channels)
    encoder.set_quality(2)
    pcm = b"".join(
        v.to_bytes(2, "little", signed=True) * channels
        for v in tone_frames(frequency, rate, seconds)
    )
    path.write_bytes(encoder.encode(pcm) + encoder.flush())
    return path


def test_mp3_plays_its_tone(sim, tmp_path):
    import audioio
    import audiomp3
    import board

    speaker = sim.add("Speaker", pin="A0")
    path = write_mp3(tmp_path / "tone.mp3", 440, seconds=0.3)
    mp3 = audiomp3.MP3Decoder(str(path))
    assert (mp3.sample_rate, mp3.channel_count, mp3.bits_per_sample) == (44100, 1, 16)
    assert mp3.samples_decoded == 0
    dac = audioio.AudioOut(board.A0)
    dac.play(mp3)
    time.sleep(0.15)
    assert 0.1 * 44100 <= mp3.samples_decoded < 0.3 * 44100  # decoded as it plays
    assert mp3.rms_level > 0.1
    while dac.playing:
        time.sleep(0.01)
    assert mp3.samples_decoded >= 0.28 * 44100  # the decoder drops LAME padding
    played = speaker.plays[-1]
    assert played.source == f"MP3Decoder({str(path)!r})"
    assert played.frequency == pytest.approx(440, abs=3)


def test_open_switches_files_and_id3_tags_are_skipped(sim, tmp_path):
    import audiomp3

    first = write_mp3(tmp_path / "a.mp3", 440, rate=22050, seconds=0.1)  # MPEG-2 layer 3
    second = write_mp3(tmp_path / "b.mp3", 880, seconds=0.1, channels=2)
    tagged = tmp_path / "tagged.mp3"
    tag_body = b"TIT2" + (7).to_bytes(4, "big") + b"\x00\x00\x00Beep!\x00"
    tagged.write_bytes(
        b"ID3\x03\x00\x00" + bytes([0, 0, 0, len(tag_body)]) + tag_body + second.read_bytes()
    )
    with open(first, "rb") as file:
        mp3 = audiomp3.MP3Decoder(file, bytearray(1024))
        assert mp3.sample_rate == 22050
        assert mp3.file is file
        mp3.open(str(tagged))
        assert (mp3.sample_rate, mp3.channel_count) == (44100, 2)
        decoded = mp3._audio_stream().read(2048)
        assert len(decoded) == 4096


@pytest.mark.hostile
@pytest.mark.parametrize(
    "content",
    [b"", b"this is a text file, not music\n" * 40, b"RIFF\x00\x00\x00\x00WAVEfmt " + bytes(64)],
)
def test_not_an_mp3_fails_to_parse(sim, tmp_path, content):
    import audiomp3

    path = tmp_path / "bad.mp3"
    path.write_bytes(content)
    with pytest.raises(RuntimeError, match="^Failed to parse MP3 file$"):
        audiomp3.MP3Decoder(str(path))


@pytest.mark.hostile
def test_truncated_mp3_plays_what_it_has(sim, tmp_path):
    import audiomp3

    path = write_mp3(tmp_path / "t.mp3", seconds=1.0)
    whole = path.read_bytes()
    path.write_bytes(whole[: len(whole) // 3])
    stream = audiomp3.MP3Decoder(str(path))._audio_stream()
    total = 0
    while chunk := stream.read(4096):
        total += len(chunk)
    assert 0.2 * 44100 < total < 0.5 * 44100


@pytest.mark.hostile
def test_decoder_arguments(sim, tmp_path):
    import audiomp3

    path = write_mp3(tmp_path / "a.mp3", seconds=0.05)
    with (
        open(path, encoding="latin-1") as text,
        pytest.raises(TypeError, match="^file must be a file opened in byte mode$"),
    ):
        audiomp3.MP3Decoder(text)
    mp3 = audiomp3.MP3Decoder(str(path))
    mp3.deinit()
    with pytest.raises(ValueError, match="deinitialized"):
        _ = mp3.sample_rate
