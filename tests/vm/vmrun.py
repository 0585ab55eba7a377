"""Build and boot the Linux port's test VM (QEMU, software emulation) from the host.

:func:`boot` builds what is missing (tests/vm/build.sh: a Debian kernel with gpio-sim, an
initramfs with Python, our wheel and the ``linux`` extra), copies the files a guest program needs
to a 9p share, runs ``guest.sh`` in the guest and returns the share folder with what the guest
wrote. Used by tests/vm/conftest.py and benchmarks/linux_vm.py.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
CACHE = Path(os.environ.get("PROTOBOARD_VM_CACHE", ROOT / "tests" / ".cache" / "vm"))
#: one build may download ~250 MB and compile a module; one boot takes ~10-30 s under TCG
#: and its checks 1-5 min (a board started over USB is the slowest)
BUILD_TIMEOUT = 1500
BOOT_TIMEOUT = 1200


class VMUnavailable(RuntimeError):
    """The VM cannot be built or booted here (the message says why)."""


@dataclass(frozen=True)
class Image:
    kernel: Path
    initramfs: Path


def unavailable_reason() -> str | None:
    """Why the VM cannot be built on this machine, or None."""
    if not sys.platform.startswith("linux"):
        return "the test VM needs a Linux host"
    can_install = os.geteuid() == 0 and shutil.which("apt-get")
    if not can_install and not shutil.which("qemu-system-x86_64"):
        return "qemu-system-x86_64 is missing and apt-get cannot install it (not root)"
    return None


def build() -> Image:
    reason = unavailable_reason()
    if reason:
        raise VMUnavailable(reason)
    CACHE.mkdir(parents=True, exist_ok=True)
    try:
        done = subprocess.run(
            ["sh", str(HERE / "build.sh"), str(CACHE), str(ROOT)],
            capture_output=True,
            text=True,
            timeout=BUILD_TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise VMUnavailable(f"building the VM took over {BUILD_TIMEOUT} s") from None
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise VMUnavailable(f"tests/vm/build.sh failed (exit {done.returncode}):\n{tail}")
    kernel, initramfs = done.stdout.strip().splitlines()[-1].split()
    return Image(Path(kernel) / "vmlinuz", Path(initramfs))


def boot(image: Image, share: Path, files: dict[str, str | bytes]) -> str:
    """Write ``files`` into ``share``, boot, run ``share/guest.sh`` inside; return its log."""
    share.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = share / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    (share / "guest.log").unlink(missing_ok=True)
    # Two virtual CPUs (multi-threaded TCG): the USB gadget's board starts on one while the
    # other checks run on the other (the suite took 71-75 s so, 115 s with one CPU; without the
    # gadget checks and with one CPU it took 74 s; tests/vm/guest_checks.py GadgetSession).
    command = [
        "qemu-system-x86_64", "-accel", "tcg", "-smp", "2", "-m", "512", "-nographic", "-no-reboot",
        "-nic", "none", "-kernel", str(image.kernel), "-initrd", str(image.initramfs),
        "-append", "console=ttyS0 quiet panic=-1",
        "-virtfs", f"local,path={share},mount_tag=share,security_model=none,id=share",
    ]  # fmt: skip
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, timeout=BOOT_TIMEOUT, errors="replace"
        )
    except subprocess.TimeoutExpired:
        raise VMUnavailable(f"the VM did not finish within {BOOT_TIMEOUT} s") from None
    log = share / "guest.log"
    if not log.is_file():
        tail = "\n".join(done.stdout.strip().splitlines()[-20:])
        raise VMUnavailable(f"the VM wrote no guest.log; its console said:\n{tail}")
    return log.read_text(errors="replace")
