"""``protoboard install`` on a really full and a really read-only drive: a tiny tmpfs and a
read-only bind mount, made in a user namespace (``unshare -rm``), so no root is needed."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap

import pytest
from bundle_factory import lib, write_bundle

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux") or shutil.which("unshare") is None,
    reason="needs Linux user namespaces (unshare)",
)

SCRIPT = textwrap.dedent("""
    import os, subprocess, sys
    from pathlib import Path

    kind, mount, bundle, scratch = sys.argv[1:5]
    mount, scratch = Path(mount), Path(scratch)
    if kind == "full":
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                       check=True)
    (mount if kind == "full" else scratch).joinpath("lib").mkdir(exist_ok=True)
    target = mount if kind == "full" else scratch
    target.joinpath("boot_out.txt").write_text(
        "Protoboard 0.1.0 on 2026-11-21; Simulated with cpython\\nBoard ID:protoboard_sim\\n")
    target.joinpath("lib", "mine.py").write_text("KEEP = 1\\n")
    if kind == "readonly":
        subprocess.run(["mount", "--bind", str(scratch), str(mount)], check=True)
        subprocess.run(["mount", "-o", "remount,bind,ro", str(mount)], check=True)
    before = sorted(str(p.relative_to(mount)) for p in mount.rglob("*"))
    done = subprocess.run([sys.executable, "-c", "from protoboard.cli import main; main()",
                           "install", "big", "--path", str(mount), "--bundle", bundle],
                          capture_output=True, text=True)
    after = sorted(str(p.relative_to(mount)) for p in mount.rglob("*"))
    print("EXIT", done.returncode)
    print("SAME", before == after, after)
    print("OUT", done.stdout + done.stderr)
""")


def run_in_namespace(tmp_path, kind):
    probe = subprocess.run(["unshare", "-rm", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        pytest.skip(f"user namespaces unavailable: {probe.stderr.decode().strip()}")
    big = "\n".join(f"LINE_{i} = {'x' * 60!r}" for i in range(2000))  # ~150 KB
    paths = write_bundle(tmp_path / "b", {"big": lib("1.0.0", {"big.py": big})})
    mount, scratch = tmp_path / "mount", tmp_path / "scratch"
    mount.mkdir()
    scratch.mkdir()
    result = subprocess.run(
        [
            "unshare",
            "-rm",
            sys.executable,
            "-c",
            SCRIPT,
            kind,
            str(mount),
            str(paths["py"]),
            str(scratch),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={
            "PROTOBOARD_CACHE_DIR": str(tmp_path / "cache"),
            "PROTOBOARD_CONFIG_DIR": str(tmp_path / "config"),
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_full_drive_is_refused_before_anything_is_written(tmp_path):
    out = run_in_namespace(tmp_path, "full")
    assert "EXIT 2" in out, out
    assert "SAME True" in out, out
    assert "not enough room" in out and "Nothing was changed" in out
    assert "Traceback" not in out


def test_a_read_only_drive_gets_a_plain_message(tmp_path):
    out = run_in_namespace(tmp_path, "readonly")
    assert "EXIT 2" in out, out
    assert "SAME True" in out, out
    assert "is read-only" in out and "boot.py" in out
    assert "Traceback" not in out
