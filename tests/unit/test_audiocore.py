"""audiocore: RawSample and WaveFile read as CircuitPython reads them, with its errors for files
that are not WAVs or that it cannot play."""

from __future__ import annotations

import array
import io
import struct

import pytest
from audio_files import write_tone_wav

DEINIT = "Object has been deinitialized and can no longer be used. Create a new object."


def test_wavefile_reports_the_format(sim, tmp_path):
    import audiocore

    path = write_tone_wav(tmp_path / "a.wav", rate=22050, channels=2)
    wav = audiocore.WaveFile(str(path))
    assert (wav.sample_rate, wav.channel_count, wav.bits_per_sample) == (22050, 2, 16)
    wav.sample_rate = 11025  # settable, as on a board (changes the pitch)
    assert wav.sample_rate == 11025
    with open(path, "rb") as opened:
        eight = audiocore.WaveFile(opened, bytearray(512))
        assert eight.channel_count == 2
    wav.deinit()
    with pytest.raises(ValueError, match="^" + DEINIT):
        _ = wav.sample_rate


def test_wavefile_streams_its_data_as_signed_16_bit(sim, tmp_path):
    import audiocore

    path = write_tone_wav(tmp_path / "u8.wav", bits=8, rate=8000, seconds=0.01)
    stream = audiocore.WaveFile(str(path))._audio_stream()
    first = stream.read(4)
    assert list(first)[:1] == [0]  # 8-bit unsigned 128 is silence: 0 as signed 16-bit
    assert all(-32768 <= v <= 32767 for v in first)
    rest = stream.read(10_000)
    assert len(first) + len(rest) == 80  # every frame once, then the end
    stream.reset()
    assert stream.read(4) == first


def test_wavefile_skips_chunks_before_data(sim, tmp_path):
    import audiocore

    path = write_tone_wav(tmp_path / "plain.wav", seconds=0.01)
    raw = path.read_bytes()
    data_at = raw.index(b"data")
    listed = raw[:data_at] + b"LIST" + struct.pack("<I", 6) + b"abcdef" + raw[data_at:]
    (tmp_path / "list.wav").write_bytes(listed)
    plain = audiocore.WaveFile(str(path))._audio_stream().read(1000)
    with_list = audiocore.WaveFile(str(tmp_path / "list.wav"))._audio_stream().read(1000)
    assert plain == with_list and len(plain) == 160


def test_rawsample_formats(sim):
    import audiocore

    signed = audiocore.RawSample(array.array("h", [0, 1000, -1000]), sample_rate=16000)
    assert signed.sample_rate == 16000
    assert list(signed._audio_stream().read(3)) == [0, 1000, -1000]
    unsigned = audiocore.RawSample(array.array("H", [0x8000, 0x8000 + 1000]))
    assert list(unsigned._audio_stream().read(2)) == [0, 1000]
    assert unsigned.sample_rate == 8000  # CircuitPython's default
    eight = audiocore.RawSample(bytearray([128, 255, 0]))
    assert list(eight._audio_stream().read(3)) == [0, 127 << 8, -32768]
    stereo = audiocore.RawSample(array.array("b", [1, -1, 2, -2]), channel_count=2)
    assert list(stereo._audio_stream().read(5)) == [256, -256, 512, -512]


@pytest.mark.hostile
@pytest.mark.parametrize(
    ("content", "error", "text"),
    [
        (b"", ValueError, "Invalid file"),
        (b"hello, this is not a wave file at all", ValueError, "Invalid file"),
        (b"ID3\x03\x00\x00\x00\x00\x00\x00" + b"\xff\xfb\x90\x00" * 20, ValueError, "Invalid file"),
        (
            b"RIFF\x00\x00\x00\x00WAVEfmt " + struct.pack("<I", 41),
            ValueError,
            "Invalid format chunk size",
        ),
        (b"RIFF\x00\x00\x00\x00WAVEfmt ", ValueError, "Invalid format chunk size"),
    ],
)
def test_not_a_wav_gets_circuitpythons_error(sim, tmp_path, content, error, text):
    import audiocore

    path = tmp_path / "bad.wav"
    path.write_bytes(content)
    with pytest.raises(error, match=f"^{text}$"):
        audiocore.WaveFile(str(path))


def _fmt(audio_format=1, channels=1, rate=8000, bits=16, size=16, extra=b""):
    block = channels * bits // 8
    body = struct.pack("<HHIIHH", audio_format, channels, rate, rate * block, block, bits) + extra
    return (
        b"RIFF\x00\x00\x00\x00WAVEfmt " + struct.pack("<I", size) + body[:size].ljust(size, b"\0")
    )


@pytest.mark.hostile
@pytest.mark.parametrize(
    "header",
    [
        _fmt(bits=24),  # 24-bit: too deep for a board
        _fmt(bits=32),
        _fmt(channels=3),
        _fmt(audio_format=3),  # IEEE float
        _fmt(audio_format=2),  # ADPCM
        _fmt(size=18, extra=b"\x01\x00"),  # PCM with extra parameters
        _fmt(audio_format=0xFFFE, size=40, extra=struct.pack("<HHIH", 22, 24, 0, 1) + bytes(14)),
    ],
)
def test_unsupported_format_gets_format_not_supported(sim, tmp_path, header):
    import audiocore

    path = tmp_path / "deep.wav"
    path.write_bytes(header + b"data" + struct.pack("<I", 4) + bytes(4))
    with pytest.raises(ValueError, match="^Format not supported$"):
        audiocore.WaveFile(str(path))


@pytest.mark.hostile
def test_header_without_a_data_chunk_is_an_io_error(sim, tmp_path):
    import audiocore

    path = tmp_path / "nodata.wav"
    path.write_bytes(_fmt())
    with pytest.raises(OSError) as caught:
        audiocore.WaveFile(str(path))
    assert caught.value.errno == 5


@pytest.mark.hostile
def test_truncated_wav_plays_what_it_has(sim, tmp_path):
    import audiocore

    path = write_tone_wav(tmp_path / "t.wav", seconds=0.1)  # 1600 frames promised
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) - 2001])  # cut mid-sample
    stream = audiocore.WaveFile(str(path))._audio_stream()
    got = stream.read(10_000)
    assert 0 < len(got) < 1600
    assert stream.read(10) == array.array("h")  # and then it has ended


@pytest.mark.hostile
def test_file_arguments(sim, tmp_path):
    import audiocore

    path = write_tone_wav(tmp_path / "a.wav", seconds=0.01)
    with (
        open(path, encoding="latin-1") as text,
        pytest.raises(TypeError, match="^file must be a file opened in byte mode$"),
    ):
        audiocore.WaveFile(text)
    with pytest.raises(TypeError, match="^file must be a file opened in byte mode$"):
        audiocore.WaveFile(42)
    with pytest.raises(ValueError, match="^buffer length must be 8-1024$"):
        audiocore.WaveFile(str(path), bytearray(4))
    with pytest.raises(FileNotFoundError):
        audiocore.WaveFile(str(tmp_path / "missing.wav"))
    # an in-memory file is a file too
    assert audiocore.WaveFile(io.BytesIO(path.read_bytes())).sample_rate == 16000


@pytest.mark.hostile
def test_rawsample_bad_buffers(sim):
    import audiocore

    with pytest.raises(
        ValueError, match=r"^buffer must be a bytearray or array of type 'h', 'H', 'b', or 'B'$"
    ):
        audiocore.RawSample(array.array("f", [0.0, 1.0]))
    with pytest.raises(TypeError, match="object with buffer protocol required"):
        audiocore.RawSample([1, 2, 3])
    with pytest.raises(
        ValueError,
        match=r"^Length of buffer must be an even multiple of channel_count \* type_size$",
    ):
        audiocore.RawSample(array.array("h", [1, 2, 3]), channel_count=2, single_buffer=False)


def test_huge_wav_is_streamed_not_loaded(sim, tmp_path):
    """A WAV whose data chunk claims 2 GB: opening and reading a little stays small."""
    import tracemalloc

    import audiocore

    path = tmp_path / "huge.wav"
    header = _fmt() + b"data" + struct.pack("<I", 0x7FFFFFF0)
    with open(path, "wb") as out:
        out.write(header)
        out.seek(64 * 1024 * 1024)  # a 64 MB sparse file
        out.write(b"\0")
    tracemalloc.start()
    stream = audiocore.WaveFile(str(path))._audio_stream()
    for _ in range(50):
        stream.read(2048)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert peak < 2 * 1024 * 1024
