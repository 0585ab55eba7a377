"""The download cache (protoboard.updater.fetch) against a real local HTTP server."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import pytest
from http_fixture import LocalServer, dead_url

from protoboard.updater.fetch import (
    Fetcher,
    FetchError,
    NotFoundError,
    OfflineError,
    RichProgress,
    default_cache_dir,
)

DATA = bytes(range(256)) * 1000  # 256 kB: several chunks


def make(cache: Path, **kw) -> Fetcher:
    kw.setdefault("backoff", 0)
    kw.setdefault("on_warning", lambda message: None)
    return Fetcher(cache, **kw)


def leftovers(cache: Path) -> list[str]:
    """Temporary or partial files anywhere in the cache."""
    return [p.name for p in cache.rglob("*") if p.name.endswith(".part") or ".tmp" in p.name]


class Recorder:
    def __init__(self) -> None:
        self.events: list[tuple] = []

    def start(self, label: str, total: int | None) -> None:
        self.events.append(("start", label, total))

    def advance(self, n: int) -> None:
        self.events.append(("advance", n))

    def done(self) -> None:
        self.events.append(("done",))


# -- downloading and revalidating ------------------------------------------------------------


def test_first_download_then_one_conditional_request(server: LocalServer, cache: Path) -> None:
    server.add("files/a.zip", DATA)
    f = make(cache)
    path = f.get(server.url("files/a.zip"))
    assert path.read_bytes() == DATA and path.name == "a.zip"
    assert f.stats.requests == 1 and f.stats.bytes_downloaded == len(DATA)

    again = make(cache).fetch(server.url("files/a.zip"))
    assert again.path == path and again.status == "not-modified"
    assert server.count("/files/a.zip") == 2
    assert server.count("/files/a.zip", status=304) == 1
    last = server.requests("/files/a.zip")[-1]
    assert last.headers.get("If-None-Match") and last.headers.get("If-Modified-Since")


def test_refresh_false_makes_no_request(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    make(cache).get(server.url("a.bin"))
    f = make(cache)
    server.clear_log()
    assert f.get(server.url("a.bin"), refresh=False).read_bytes() == DATA
    assert server.count() == 0 and f.stats.requests == 0 and f.stats.cache_hits == 1


def test_changed_file_is_downloaded_again(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", b"old")
    make(cache).get(server.url("a.bin"))
    server.add("a.bin", b"new content", mtime=os.path.getmtime(server.root / "a.bin") + 10)
    result = make(cache).fetch(server.url("a.bin"))
    assert result.status == "downloaded" and result.path.read_bytes() == b"new content"


def test_last_modified_only_server(tmp_path: Path, cache: Path) -> None:
    with LocalServer(tmp_path / "www", etags=False) as s:
        s.add("a.bin", DATA)
        make(cache).get(s.url("a.bin"))
        assert make(cache).fetch(s.url("a.bin")).status == "not-modified"
        assert "If-None-Match" not in s.requests()[-1].headers


def test_sidecar_records_metadata(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    url = server.url("a.bin")
    make(cache).get(url)
    (sidecar,) = cache.glob("*.json")
    meta = json.loads(sidecar.read_text())
    assert meta["url"] == url and meta["size"] == len(DATA)
    assert meta["sha256"] == hashlib.sha256(DATA).hexdigest()
    assert meta["etag"] and meta["last_modified"] and meta["fetched"] > 0
    assert [e.url for e in make(cache).cached()] == [url]


def test_get_json(server: LocalServer, cache: Path) -> None:
    server.add("x.json", b'{"a": [1, 2]}')
    assert make(cache).get_json(server.url("x.json")) == {"a": [1, 2]}


def test_bad_json_is_an_error_and_not_kept(server: LocalServer, cache: Path) -> None:
    server.add("x.json", b"{not json")
    f = make(cache)
    with pytest.raises(FetchError, match="not valid JSON"):
        f.get_json(server.url("x.json"))
    assert not f.is_cached(server.url("x.json"))


def test_404_is_not_found_without_retries(server: LocalServer, cache: Path) -> None:
    f = make(cache)
    with pytest.raises(NotFoundError, match="not found"):
        f.get(server.url("missing.zip"))
    assert server.count("/missing.zip") == 1
    assert not cache.exists() or leftovers(cache) == []


def test_progress_reports_start_advance_done(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    rec = Recorder()
    make(cache, progress=rec).get(server.url("a.bin"))
    assert rec.events[0] == ("start", "a.bin", len(DATA))
    assert rec.events[-1] == ("done",)
    assert sum(e[1] for e in rec.events if e[0] == "advance") == len(DATA)


def test_rich_progress_runs(server: LocalServer, cache: Path) -> None:
    from rich.console import Console

    server.add("a.bin", DATA)
    console = Console(file=open(os.devnull, "w"), force_terminal=True)
    try:
        assert make(cache, progress=RichProgress(console)).get(server.url("a.bin")).exists()
    finally:
        console.file.close()


def test_cache_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PROTOBOARD_CACHE_DIR", str(tmp_path / "c"))
    assert default_cache_dir() == tmp_path / "c" / "downloads"
    assert Fetcher().cache_dir == tmp_path / "c" / "downloads"


def test_resolve_redirect(server: LocalServer, cache: Path) -> None:
    server.add_release("owner/repo", "20240102", {"x.zip": b"x"})
    f = make(cache)
    loc = f.resolve_redirect(server.url("owner/repo/releases/latest"))
    assert loc == server.url("owner/repo/releases/tag/20240102")
    assert server.count("/owner/repo/releases/latest", method="HEAD") == 1
    assert server.count("/owner/repo/releases/tag/*") == 0  # not followed
    assert f.resolve_redirect(
        server.url("owner/repo/releases/download/20240102/x.zip")
    ) == server.url("owner/repo/releases/download/20240102/x.zip")


# -- checksums and corruption ----------------------------------------------------------------


def test_sha256_verified(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    good = hashlib.sha256(DATA).hexdigest()
    assert make(cache).get(server.url("a.bin"), sha256=good).read_bytes() == DATA


def test_sha256_mismatch_refetched_once_then_error(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    f = make(cache)
    with pytest.raises(FetchError, match="corrupt"):
        f.get(server.url("a.bin"), sha256="0" * 64)
    assert server.count("/a.bin") == 2
    assert leftovers(cache) == [] and not f.is_cached(server.url("a.bin"))


def test_corrupt_download_recovers_on_refetch(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    server.fault("/a.bin", "garbage", body=b"x" * 100)
    path = make(cache).get(server.url("a.bin"), sha256=hashlib.sha256(DATA).hexdigest())
    assert path.read_bytes() == DATA and server.count("/a.bin") == 2


def test_corrupt_cache_file_is_discarded_and_refetched(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    path = make(cache).get(server.url("a.bin"))
    path.write_bytes(DATA[:1000])  # truncated on disk
    f = make(cache)
    result = f.fetch(server.url("a.bin"), refresh=False)
    assert result.status == "downloaded" and result.path.read_bytes() == DATA
    assert "If-None-Match" not in server.requests()[-1].headers


def test_bitflip_in_cache_detected(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    path = make(cache).get(server.url("a.bin"))
    path.write_bytes(b"\xff" + DATA[1:])  # same size, other content
    assert not make(cache).is_cached(server.url("a.bin"))


def test_cached_copy_with_other_sha_is_refetched(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", b"one")
    make(cache).get(server.url("a.bin"))
    server.add("a.bin", b"two!", mtime=os.path.getmtime(server.root / "a.bin") + 10)
    path = make(cache).get(
        server.url("a.bin"), sha256=hashlib.sha256(b"two!").hexdigest(), refresh=False
    )
    assert path.read_bytes() == b"two!"


# -- cut connections, retries, resumption ----------------------------------------------------


def test_cut_download_is_resumed_with_range(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    server.fault("/a.bin", "cut", at=100_000)
    f = make(cache)
    assert f.get(server.url("a.bin")).read_bytes() == DATA
    first, second = server.requests("/a.bin")
    assert "Range" not in first.headers
    start = int(second.headers["Range"].removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= 100_000 and second.status == 206  # from the last whole chunk received
    assert second.headers.get("If-Range")
    assert f.stats.bytes_downloaded == len(DATA) and f.stats.retries == 1
    assert leftovers(cache) == []


def test_cut_download_restarts_without_range_support(tmp_path: Path, cache: Path) -> None:
    with LocalServer(tmp_path / "www", ranges=False) as s:
        s.add("a.bin", DATA)
        s.fault("/a.bin", "cut", at=150_000)
        f = make(cache)
        assert f.get(s.url("a.bin")).read_bytes() == DATA
        assert [r.status for r in s.requests("/a.bin")] == [200, 200]
        assert f.stats.bytes_downloaded > len(DATA)  # the start came twice


def test_file_changed_between_cut_and_resume(
    server: LocalServer, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add("a.bin", DATA)
    server.fault("/a.bin", "cut", at=150_000)
    new = DATA[::-1]
    f = make(cache)

    def pause(attempt: int) -> None:  # between the cut and the retry
        server.add("a.bin", new, mtime=os.path.getmtime(server.root / "a.bin") + 10)

    monkeypatch.setattr(f, "_pause", pause)
    assert f.get(server.url("a.bin")).read_bytes() == new  # If-Range failed: full new body
    last = server.requests("/a.bin")[-1]
    assert last.headers.get("Range") and last.status == 200


def test_5xx_retried(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    server.fault("/a.bin", "status", code=503, times=2)
    f = make(cache)
    assert f.get(server.url("a.bin")).read_bytes() == DATA
    assert server.count("/a.bin") == 3 and f.stats.retries == 2


def test_5xx_persisting_is_a_clear_error(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    server.fault("/a.bin", "status", code=500, times=-1)
    with pytest.raises(FetchError, match=r"HTTP 500.*4 tries.*try again") as info:
        make(cache, retries=3).get(server.url("a.bin"))
    assert not isinstance(info.value, OfflineError)
    assert server.count("/a.bin") == 4 and leftovers(cache) == []


def test_cut_every_time_leaves_nothing(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    server.fault("/a.bin", "cut", at=10, times=-1)
    with pytest.raises(FetchError, match="cut"):
        make(cache, retries=2).get(server.url("a.bin"))
    assert leftovers(cache) == [] and not (cache / "a.bin").exists()
    assert not any(p.name == "a.bin" for p in cache.rglob("*"))


def test_reset_connection_retried(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    server.fault("/a.bin", "reset")
    assert make(cache).get(server.url("a.bin")).read_bytes() == DATA


def test_slow_server_times_out_then_retries(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    server.fault("/a.bin", "slow", delay=1.5)
    f = make(cache, timeout=0.5)
    assert f.get(server.url("a.bin")).read_bytes() == DATA
    assert f.stats.retries == 1


# -- offline and unreachable -----------------------------------------------------------------


def test_offline_uses_cache_without_requests(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    make(cache).get(server.url("a.bin"))
    server.clear_log()
    f = make(cache, offline=True)
    assert f.get(server.url("a.bin")).read_bytes() == DATA  # refresh=True is ignored
    assert server.count() == 0 and f.stats.requests == 0


def test_offline_without_cache(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    with pytest.raises(OfflineError, match=r"a\.bin is not in the cache.*bundle add PATH"):
        make(cache, offline=True).get(server.url("a.bin"))
    with pytest.raises(OfflineError):
        make(cache, offline=True).resolve_redirect(server.url("a.bin"))
    assert server.count() == 0


def test_unreachable_without_cache_is_offline_error(cache: Path) -> None:
    with pytest.raises(OfflineError, match=r"no connection to 127\.0\.0\.1.*internet") as info:
        make(cache, retries=1).get(dead_url("/b.zip"))
    assert "Traceback" not in str(info.value) and "urllib3" not in str(info.value)
    assert info.value.__cause__ is None


def test_unreachable_with_cache_uses_it_with_warning(tmp_path: Path, cache: Path) -> None:
    with LocalServer(tmp_path / "www") as s:
        s.add("a.bin", DATA)
        url = s.url("a.bin")
        make(cache).get(url)
    warnings: list[str] = []
    f = make(cache, retries=1, on_warning=warnings.append)
    result = f.fetch(url)  # the server is gone now
    assert result.stale and result.path.read_bytes() == DATA
    assert warnings == [result.warning] and "using the copy downloaded" in warnings[0]


def test_5xx_with_cache_uses_it_with_warning(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    make(cache).get(server.url("a.bin"))
    server.fault("/a.bin", "status", code=503, times=-1)
    f = make(cache, retries=1)
    assert f.fetch(server.url("a.bin")).status == "stale"
    assert f.warnings and "HTTP 503" in f.warnings[0]


def test_refused_with_cache_uses_it_with_warning(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    make(cache).get(server.url("a.bin"))
    server.fault("/a.bin", "status", code=403)
    result = make(cache).fetch(server.url("a.bin"))
    assert result.stale and "access refused" in str(result.warning)


def test_404_with_cache_is_still_an_error(server: LocalServer, cache: Path) -> None:
    path = server.add("a.bin", DATA)
    make(cache).get(server.url("a.bin"))
    path.unlink()
    with pytest.raises(NotFoundError):
        make(cache).get(server.url("a.bin"))


def test_abandoned_part_files_are_cleaned(server: LocalServer, cache: Path) -> None:
    server.add("a.bin", DATA)
    path = make(cache).get(server.url("a.bin"))
    old = path.with_name("a.bin.99999.part")
    old.write_bytes(b"left by a killed process")
    os.utime(old, (1, 1))
    recent = path.with_name("a.bin.99998.part")
    recent.write_bytes(b"another process, still running")
    make(cache).get(server.url("a.bin"), refresh=True)
    assert not old.exists() and recent.exists()  # 304: no download, but cleaned


def test_unreachable_redirect(cache: Path) -> None:
    with pytest.raises(OfflineError, match="no connection"):
        make(cache, retries=0).resolve_redirect(dead_url("/o/r/releases/latest"))
