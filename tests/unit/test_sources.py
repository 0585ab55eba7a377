"""Bundle sources (protoboard.updater.sources): config, GitHub/URL/local sources, the cache,
offline use and failures, against a real local HTTP server."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from http_fixture import LocalServer, dead_url

from protoboard.updater.fetch import Fetcher, FetchError, OfflineError
from protoboard.updater.sources import (
    DEFAULT_SOURCES,
    Source,
    SourceError,
    SourceUnavailable,
    add_source,
    cached_tags,
    config_dir,
    flavour_for,
    load_sources,
    open_bundles,
    open_source,
    remove_source,
    reset_sources,
)

REPO = "adafruit/Adafruit_CircuitPython_Bundle"
BID = "adafruit-circuitpython-bundle"
ADAFRUIT = Source("adafruit", "github", REPO)
LIBS = {"adafruit_foo": ("1.2.3", ["adafruit_bus"]), "adafruit_bus": ("5.0.0", [])}


# -- building bundles ------------------------------------------------------------------------


def bundle_zip(prefix: str, kind: str, tag: str, libs: dict = LIBS) -> bytes:
    """A zip as circuitpython-build-tools makes it: top folder, lib/, requirements/."""
    top = f"{prefix}-{kind}-{tag}"
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, (version, deps) in libs.items():
            if kind == "py":
                z.writestr(f"{top}/lib/{name}.py", f'__version__ = "{version}"\n')
            else:
                z.writestr(f"{top}/lib/{name}.mpy", b"C\x06\x00\x1f" + name.encode())
            z.writestr(
                f"{top}/requirements/{name}/requirements.txt",
                "".join(f"{d.replace('_', '-')}\n" for d in deps),
            )
        z.writestr(f"{top}/VERSIONS.txt", f"{tag}\n")
    return buf.getvalue()


def bundle_json(libs: dict = LIBS) -> bytes:
    return json.dumps(
        {
            name: {
                "package": False,
                "version": version,
                "path": f"lib/{name}",
                "dependencies": deps,
                "external_dependencies": [],
                "repo": None,
                "pypi_name": name.replace("_", "-"),
            }
            for name, (version, deps) in libs.items()
        },
        sort_keys=True,
    ).encode()


def release(
    tag: str,
    *,
    prefix: str = BID,
    mpy: tuple[str, ...] = ("10.x-mpy",),
    libs: dict = LIBS,
    with_json: bool = True,
) -> dict[str, bytes]:
    assets = {f"{prefix}-py-{tag}.zip": bundle_zip(prefix, "py", tag, libs)}
    for kind in mpy:
        assets[f"{prefix}-{kind}-{tag}.zip"] = bundle_zip(prefix, kind, tag, libs)
    if with_json:
        assets[f"{prefix}-{tag}.json"] = bundle_json(libs)
    return assets


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    return tmp_path / "config"


def fetcher(cache: Path, **kw) -> Fetcher:
    kw.setdefault("backoff", 0)
    kw.setdefault("retries", 1)
    kw.setdefault("on_warning", lambda message: None)
    return Fetcher(cache, **kw)


def open_gh(server: LocalServer, f: Fetcher, flavour: str = "10.x-mpy", **kw):
    return open_source(ADAFRUIT, f, flavour, github=server.base, **kw)


def leftovers(cache: Path) -> list[str]:
    return [p.name for p in cache.rglob("*") if p.name.endswith(".part") or ".tmp" in p.name]


# -- configuration ---------------------------------------------------------------------------


def test_defaults_are_circups(cfg: Path) -> None:
    assert load_sources(cfg) == list(DEFAULT_SOURCES)
    assert [s.location for s in DEFAULT_SOURCES] == [
        REPO,
        "adafruit/CircuitPython_Community_Bundle",
    ]
    assert DEFAULT_SOURCES[1].bundle_id == "circuitpython-community-bundle"
    assert ADAFRUIT.bundle_id == BID


def test_add_sources_searched_first(cfg: Path, tmp_path: Path) -> None:
    zp = tmp_path / "my-py-20240101.zip"
    zp.write_bytes(bundle_zip("my", "py", "20240101"))
    a = add_source("mine", "me/My_Bundle", folder=cfg)
    b = add_source("web", "https://example.com/b/x-py-20240101.zip", folder=cfg)
    c = add_source("disk", str(zp), folder=cfg)
    assert (a.kind, b.kind, c.kind) == ("github", "url", "local")
    assert Path(c.location).is_absolute()
    assert [s.name for s in load_sources(cfg)] == ["mine", "web", "disk", "adafruit", "community"]
    saved = json.loads((cfg / "bundles.json").read_text())
    assert saved["sources"][0] == {"name": "mine", "kind": "github", "location": "me/My_Bundle"}


@pytest.mark.parametrize(
    ("name", "location", "kind", "message"),
    [
        ("adafruit", "me/x", None, "already a bundle source named 'adafruit'"),
        ("bad name", "me/x", None, "not a usable source name"),
        ("x", "not a repo at all", None, "not a GitHub 'owner/repo'"),
        ("x", "me/x/y", "github", "owner/repo"),
        ("x", "ftp://host/a-py-1.zip", "url", "not an http"),
        ("x", "https://host/page.html", None, "does not name a zip"),
        ("x", "/no/such/path", "local", "does not exist"),
        ("x", "me/x", "svn", "unknown source kind"),
    ],
)
def test_add_refuses(cfg: Path, name: str, location: str, kind: str | None, message: str) -> None:
    with pytest.raises(SourceError, match=message):
        add_source(name, location, kind=kind, folder=cfg)


def test_add_refuses_folder_that_is_no_bundle(cfg: Path, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="not usable as a bundle source"):
        add_source("x", str(tmp_path / "empty"), folder=cfg)


def test_remove_and_reset(cfg: Path) -> None:
    add_source("mine", "me/My_Bundle", folder=cfg)
    assert remove_source("mine", folder=cfg).location == "me/My_Bundle"
    remove_source("community", folder=cfg)  # disables a built-in
    assert [s.name for s in load_sources(cfg)] == ["adafruit"]
    with pytest.raises(SourceError, match=r"no bundle source named 'nope' \(sources: adafruit\)"):
        remove_source("nope", folder=cfg)
    add_source("community", "me/Other", folder=cfg)  # the name is free again
    reset_sources(folder=cfg)
    assert load_sources(cfg) == list(DEFAULT_SOURCES)


def test_config_dir_from_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PROTOBOARD_CONFIG_DIR", str(tmp_path / "conf"))
    assert config_dir() == tmp_path / "conf"
    add_source("mine", "me/My_Bundle")
    assert (tmp_path / "conf" / "bundles.json").is_file()


def test_broken_config_is_a_clear_error(cfg: Path) -> None:
    cfg.mkdir()
    (cfg / "bundles.json").write_text("{oops")
    with pytest.raises(SourceError, match="delete it to go back to the built-in sources"):
        load_sources(cfg)


def test_flavour_for() -> None:
    assert flavour_for("9.2.1") == "9.x-mpy"
    assert flavour_for(10) == "10.x-mpy"
    assert flavour_for(None) == "py"


# -- GitHub sources --------------------------------------------------------------------------


def test_source_bundles_close(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    with open_gh(server, fetcher(cache)) as r:
        assert r.files is not r.py
    assert r.py._zip.fp is None and r.files._zip.fp is None  # both zips closed


def test_github_downloads_py_mpy_and_json(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    r = open_gh(server, fetcher(cache))
    try:
        assert r.tag == "20240101" and not r.fallback and not r.stale
        assert r.py.kind == "py" and r.files.kind == "10.x-mpy"
        assert r.py.libraries["adafruit_foo"].version == "1.2.3"  # from the JSON
        assert [lib.name for lib in r.py.resolve(["adafruit_foo"])] == [
            "adafruit_bus",
            "adafruit_foo",
        ]
        assert r.files.find("adafruit_foo").files == ("lib/adafruit_foo.mpy",)
    finally:
        r.close()
    assert server.count(method="HEAD") == 1
    assert server.count(f"/{REPO}/releases/download/20240101/*", method="GET") == 3
    assert server.count("*9.x-mpy*") == 0  # only what is needed


def test_github_within_max_age_makes_no_request(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    open_gh(server, fetcher(cache)).close()
    server.clear_log()
    f = fetcher(cache)
    r = open_gh(server, f)
    r.close()
    assert r.tag == "20240101" and server.count() == 0 and f.stats.requests == 0


def test_github_after_max_age_one_head_only(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    open_gh(server, fetcher(cache)).close()
    server.clear_log()
    open_gh(server, fetcher(cache), max_age=0).close()
    assert server.count() == 1 and server.count(method="HEAD") == 1
    server.clear_log()
    open_gh(server, fetcher(cache), refresh=True).close()  # forced check
    assert server.count() == 1


def test_new_release_downloaded_old_one_kept(server: LocalServer, cache: Path) -> None:
    old_libs = {"adafruit_foo": ("1.0.0", []), "adafruit_bus": ("5.0.0", [])}
    server.add_release(REPO, "20240101", release("20240101", libs=old_libs))
    open_gh(server, fetcher(cache)).close()
    server.add_release(REPO, "20240301", release("20240301"))
    r = open_gh(server, fetcher(cache), refresh=True)
    r.close()
    assert r.tag == "20240301" and r.py.libraries["adafruit_foo"].version == "1.2.3"
    f = fetcher(cache, offline=True)
    assert cached_tags(ADAFRUIT, f, github=server.base) == ["20240301", "20240101"]
    server.clear_log()
    pinned = open_bundles(
        [ADAFRUIT], f, "10.x-mpy", tags={"adafruit": "20240101"}, github=server.base
    )[0]
    pinned.close()
    assert pinned.tag == "20240101" and pinned.py.libraries["adafruit_foo"].version == "1.0.0"
    assert server.count() == 0


def test_pinned_tag_online_skips_latest_check(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    server.add_release(REPO, "20240301", release("20240301"))
    r = open_gh(server, fetcher(cache), tag="20240101")
    r.close()
    assert r.tag == "20240101" and server.count(method="HEAD") == 0


def test_missing_mpy_falls_back_to_py(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    warnings: list[str] = []
    f = fetcher(cache, on_warning=warnings.append)
    (r,) = open_bundles([ADAFRUIT], f, "11.x-mpy", github=server.base)
    r.close()
    assert r.fallback and r.files is r.py and r.files.kind == "py"
    assert warnings == r.warnings and "no 11.x-mpy bundle" in warnings[0]
    assert "installing .py files instead" in warnings[0]
    assert server.count("*11.x-mpy*", status=404) == 1


def test_py_flavour_downloads_no_mpy(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    r = open_gh(server, fetcher(cache), "py")
    r.close()
    assert r.files is r.py and not r.fallback and server.count("*mpy*") == 0


def test_no_json_uses_requirements(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101", with_json=False))
    r = open_gh(server, fetcher(cache))
    r.close()
    foo = r.py.libraries["adafruit_foo"]
    assert foo.version is None and foo.dependencies == ("adafruit_bus",)
    assert not r.warnings


def test_bad_json_is_ignored_with_warning(server: LocalServer, cache: Path) -> None:
    assets = release("20240101")
    assets[f"{BID}-20240101.json"] = b"{truncated"
    server.add_release(REPO, "20240101", assets)
    r = open_gh(server, fetcher(cache))
    r.close()
    assert "not valid bundle JSON" in r.warnings[0]
    assert r.py.libraries["adafruit_foo"].dependencies == ("adafruit_bus",)


def test_json_with_wrong_structure_is_ignored(server: LocalServer, cache: Path) -> None:
    assets = release("20240101")
    assets[f"{BID}-20240101.json"] = b'{"adafruit_foo": {"version": "1"}}'
    server.add_release(REPO, "20240101", assets)
    r = open_gh(server, fetcher(cache))
    r.close()
    assert any("missing key" in w for w in r.warnings)
    assert r.py.libraries["adafruit_foo"].version is None


def test_corrupt_zip_refetched_once(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    server.fault("*-py-20240101.zip", "garbage", body=b"PK\x03\x04 not really a zip")
    r = open_gh(server, fetcher(cache))
    r.close()
    assert r.py.libraries["adafruit_foo"].version == "1.2.3"
    assert server.count("*-py-20240101.zip") == 2


def test_corrupt_zip_twice_is_a_clear_error(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    server.fault("*-py-20240101.zip", "garbage", body=b"garbage", times=-1)
    f = fetcher(cache)
    with pytest.raises(
        FetchError,
        match=r"adafruit.*not a usable bundle even after "
        r"downloading it again.*bundle add PATH",
    ):
        open_bundles([ADAFRUIT], f, "py", github=server.base)
    assert leftovers(cache) == []
    assert cached_tags(ADAFRUIT, f, github=server.base) == []


def test_cut_download_resumes(server: LocalServer, cache: Path) -> None:
    big = {f"lib_{i}": (f"1.0.{i}", []) for i in range(300)}
    assets = release("20240101", libs=big)
    server.add_release(REPO, "20240101", assets)
    server.fault("*-py-20240101.zip", "cut", at=len(assets[f"{BID}-py-20240101.zip"]) - 100)
    r = open_gh(server, fetcher(cache, retries=2), "py")
    r.close()
    assert len(r.py.libraries) == 300 and leftovers(cache) == []


def test_cut_every_time_leaves_nothing(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    server.fault("*-py-20240101.zip", "cut", at=10, times=-1)
    with pytest.raises(FetchError, match="adafruit"):
        open_bundles([ADAFRUIT], fetcher(cache), "py", github=server.base)
    assert leftovers(cache) == [] and not list(cache.rglob("*-py-20240101.zip"))


def test_latest_asset_missing_uses_older_cached(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    open_gh(server, fetcher(cache)).close()
    server.add_release(REPO, "20240301", {"README": b"still uploading"})
    r = open_gh(server, fetcher(cache), refresh=True)
    r.close()
    assert r.tag == "20240101" and r.stale and "release 20240301 is not usable" in r.warnings[0]


def test_latest_asset_missing_without_cache(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240301", {"README": b"still uploading"})
    with pytest.raises(SourceUnavailable, match=r"adafruit .*not found \(HTTP 404\)"):
        open_gh(server, fetcher(cache))


def test_repository_without_release(server: LocalServer, cache: Path) -> None:
    with pytest.raises(SourceUnavailable, match=r"latest release of bundle source adafruit"):
        open_gh(server, fetcher(cache))


def test_github_unreachable_with_cache(tmp_path: Path, cache: Path) -> None:
    with LocalServer(tmp_path / "www") as s:
        s.add_release(REPO, "20240101", release("20240101"))
        base = s.base
        open_source(ADAFRUIT, fetcher(cache), "10.x-mpy", github=base).close()
    warnings: list[str] = []
    (r,) = open_bundles(
        [ADAFRUIT],
        fetcher(cache, on_warning=warnings.append),
        "10.x-mpy",
        github=base,
        refresh=True,
    )  # the server is gone
    r.close()
    assert r.tag == "20240101" and r.stale and not r.fallback
    assert "could not check for a newer bundle" in warnings[0] and "20240101" in warnings[0]


def test_github_unreachable_without_cache(cache: Path) -> None:
    base = dead_url("").rstrip("/")
    with pytest.raises(OfflineError) as info:
        open_bundles([ADAFRUIT], fetcher(cache), "py", github=base)
    text = str(info.value)
    assert "adafruit (github adafruit/Adafruit_CircuitPython_Bundle)" in text
    assert "no connection" in text and "protoboard bundle add PATH" in text
    assert "Traceback" not in text


def test_offline_from_cache_makes_no_request(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    open_gh(server, fetcher(cache)).close()
    server.clear_log()
    f = fetcher(cache, offline=True)
    (r,) = open_bundles([ADAFRUIT], f, "10.x-mpy", github=server.base, refresh=True)
    r.close()
    assert r.tag == "20240101" and r.files.kind == "10.x-mpy"
    assert server.count() == 0 and f.stats.requests == 0


def test_offline_missing_mpy_falls_back(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101", mpy=("9.x-mpy", "10.x-mpy")))
    open_gh(server, fetcher(cache)).close()  # 10.x only
    r = open_gh(server, fetcher(cache, offline=True), "9.x-mpy")
    r.close()
    assert r.fallback and "9.x-mpy bundle is not available" in r.warnings[0]


def test_offline_skips_uncached_source(server: LocalServer, cache: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    open_gh(server, fetcher(cache)).close()
    community = DEFAULT_SOURCES[1]
    warnings: list[str] = []
    f = fetcher(cache, offline=True, on_warning=warnings.append)
    results = open_bundles([community, ADAFRUIT], f, "py", github=server.base)
    for r in results:
        r.close()
    assert [r.source.name for r in results] == ["adafruit"]
    assert "skipping community" in warnings[0] and "not in the cache" in warnings[0]


def test_offline_nothing_cached(cache: Path) -> None:
    with pytest.raises(
        OfflineError,
        match=r"(?s)no bundle source is usable.*connect to the "
        r"internet once.*bundle add PATH",
    ):
        open_bundles(DEFAULT_SOURCES, fetcher(cache, offline=True), "py")


def test_search_order_is_kept(server: LocalServer, cache: Path, tmp_path: Path) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    zp = tmp_path / "mine-py-20240505.zip"
    zp.write_bytes(bundle_zip("mine", "py", "20240505"))
    mine = Source("mine", "local", str(zp))
    results = open_bundles([mine, ADAFRUIT], fetcher(cache), "py", github=server.base)
    for r in results:
        r.close()
    assert [(r.source.name, r.tag) for r in results] == [
        ("mine", "20240505"),
        ("adafruit", "20240101"),
    ]


def test_github_url_from_environment(
    server: LocalServer, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.add_release(REPO, "20240101", release("20240101"))
    monkeypatch.setenv("PROTOBOARD_GITHUB_URL", server.base)
    r = open_source(ADAFRUIT, fetcher(cache), "py")
    r.close()
    assert r.tag == "20240101"


# -- URL sources -----------------------------------------------------------------------------


def test_url_source_derives_mpy_and_json(server: LocalServer, cache: Path) -> None:
    for name, data in release("20240101", prefix="my-bundle").items():
        server.add(f"dl/{name}", data)
    src = Source("web", "url", server.url("dl/my-bundle-py-20240101.zip"))
    r = open_source(src, fetcher(cache), "10.x-mpy")
    r.close()
    assert r.tag == "20240101" and r.files.kind == "10.x-mpy"
    assert r.py.libraries["adafruit_foo"].version == "1.2.3"
    assert server.count("/dl/my-bundle-20240101.json", status=200) == 1


def test_url_source_revalidates_only_when_old(server: LocalServer, cache: Path) -> None:
    for name, data in release("20240101", prefix="my-bundle").items():
        server.add(f"dl/{name}", data)
    src = Source("web", "url", server.url("dl/my-bundle-py-20240101.zip"))
    open_source(src, fetcher(cache), "10.x-mpy").close()
    server.clear_log()
    open_source(src, fetcher(cache), "10.x-mpy").close()
    assert server.count() == 0
    open_source(src, fetcher(cache), "10.x-mpy", refresh=True).close()
    assert server.count() == 3 and server.count(status=304) == 3


def test_url_source_missing_derived_files(server: LocalServer, cache: Path) -> None:
    server.add("dl/my-bundle-py-20240101.zip", bundle_zip("my-bundle", "py", "20240101"))
    src = Source("web", "url", server.url("dl/my-bundle-py-20240101.zip"))
    r = open_source(src, fetcher(cache), "10.x-mpy")
    r.close()
    assert r.fallback and r.py.libraries["adafruit_foo"].version is None
    assert server.count(status=404) == 2  # json + mpy


def test_url_source_404(server: LocalServer, cache: Path) -> None:
    src = Source("web", "url", server.url("dl/gone-py-20240101.zip"))
    with pytest.raises(SourceUnavailable, match=r"web \(url .*not found"):
        open_source(src, fetcher(cache), "py")


# -- local sources ---------------------------------------------------------------------------


def write_release(folder: Path, tag: str, **kw) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in release(tag, prefix="loc", **kw).items():
        (folder / name).write_bytes(data)


def test_local_folder_of_zips_newest_wins(tmp_path: Path, cache: Path) -> None:
    write_release(tmp_path / "b", "20240101", libs={"adafruit_foo": ("1.0.0", [])})
    write_release(tmp_path / "b", "20240301")
    (tmp_path / "b" / "loc-examples-20240301.zip").write_bytes(b"ignored")
    src = Source("disk", "local", str(tmp_path / "b"))
    f = fetcher(cache, offline=True)
    r = open_source(src, f, "10.x-mpy")
    r.close()
    assert r.tag == "20240301" and r.files.kind == "10.x-mpy" and not r.fallback
    assert r.py.libraries["adafruit_foo"].version == "1.2.3"  # JSON beside
    assert cached_tags(src, f) == ["20240301", "20240101"]
    old = open_source(src, f, "py", tag="20240101")
    old.close()
    assert old.py.libraries["adafruit_foo"].version == "1.0.0"
    with pytest.raises(SourceUnavailable, match="no bundle tagged 20230101"):
        open_source(src, f, "py", tag="20230101")


def test_local_single_zip_and_siblings(tmp_path: Path, cache: Path) -> None:
    write_release(tmp_path / "b", "20240101", mpy=())
    src = Source("disk", "local", str(tmp_path / "b" / "loc-py-20240101.zip"))
    r = open_source(src, fetcher(cache), "10.x-mpy")
    r.close()
    assert r.fallback and r.tag == "20240101" and "no 10.x-mpy bundle" in r.warnings[0]


def test_local_extracted_folder(tmp_path: Path, cache: Path) -> None:
    with zipfile.ZipFile(io.BytesIO(bundle_zip("loc", "py", "20240101"))) as z:
        z.extractall(tmp_path / "x")
    src = Source("disk", "local", str(tmp_path / "x"))
    r = open_source(src, fetcher(cache), "py")
    r.close()
    assert r.tag == "20240101" and set(r.py.libraries) == set(LIBS)


def test_local_source_gone(tmp_path: Path, cache: Path) -> None:
    src = Source("disk", "local", str(tmp_path / "gone"))
    with pytest.raises(SourceUnavailable, match="no longer exists"):
        open_source(src, fetcher(cache), "py")


def test_bad_flavour(cache: Path) -> None:
    with pytest.raises(ValueError, match="flavour"):
        open_source(ADAFRUIT, fetcher(cache), "mpy")
