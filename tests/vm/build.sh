#!/bin/sh
# The Linux port's test VM: a stock Debian kernel (build-kernel.sh) and an initramfs holding
# busybox, Debian's python3.11 and a venv where `protoboard[linux]`, Blinka and the PyPI package
# named `board` are installed from wheels with pip, as a user installs them; the drive's lib/
# holds unmodified Adafruit drivers. Everything but our own wheel is cached under CACHE_DIR.
# Usage: build.sh CACHE_DIR SOURCE_DIR    (prints "KERNEL_DIR INITRAMFS" on its last line)
set -eu
CACHE=$(realpath -m "$1"); SRC=$(realpath "$2"); HOSTPY=${PROTOBOARD_VM_HOST_PIP:-python3}
mkdir -p "$CACHE"
# One build at a time per cache (two test sessions may start together).
exec 9>"$CACHE/.lock"; flock -w 1500 9
K=$(sh "$SRC/tests/vm/build-kernel.sh" "$CACHE" | tail -1)
KV=${K##*/kernel-}
PY=/usr/bin/python3.11
[ -x $PY ] || apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends python3.11 >/dev/null
# spidev ships only as source: building it for Debian's Python needs its headers.
[ -f /usr/include/python3.11/Python.h ] || apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends python3.11-dev >/dev/null
PIP0="$HOSTPY -m pip"; PIP="$PIP0 --disable-pip-version-check -q"
# Protoboard's own dependencies and the linux extra, read from pyproject.toml (one place for them)
DEPS=$CACHE/protoboard-deps.txt
mkdir -p "$CACHE"
$HOSTPY - "$SRC/pyproject.toml" > "$DEPS" <<'PYEOF'
import sys, tomllib
project = tomllib.load(open(sys.argv[1], "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["linux"]))
PYEOF
KEY=$(cat "$SRC/tests/vm/build.sh" "$SRC/tests/vm/requirements-vm.txt" "$DEPS" "$SRC/tests/interop/requirements.txt" | sha256sum | cut -c1-12)
R=$CACHE/rootfs-$KEY
W=$CACHE/wheels-$KEY
if [ ! -f "$R/DONE" ]; then
  # A new key replaces the old root filesystem: the cache holds one of each.
  for old in "$CACHE"/rootfs-* "$CACHE"/wheels-*; do
    [ "$old" = "$R" ] || [ "$old" = "$W" ] || rm -rf "$old"
  done
  rm -rf "$R" "$W"; mkdir -p "$R/bin" "$R/dev" "$R/proc" "$R/sys" "$R/mnt" "$R/tmp" "$R/root" \
    "$R/lib64" "$R/usr/bin" "$R/usr/lib" "$R/etc" "$W"
  # Wheels for Debian's python3.11 (what a Pi user's pip would fetch or build).
  $PIP0 --python $PY wheel -q -w "$W" -r "$SRC/tests/vm/requirements-vm.txt" -r "$DEPS" >/dev/null
  $PIP download --no-deps -d "$W" adafruit-blinka==10.0.0 board==1.0 >/dev/null
  cp /bin/busybox "$R/bin/"; ln -s busybox "$R/bin/sh"
  cp -a "$K/modules/lib" "$R/"
  cp $PY "$R/usr/bin/python3.11"; ln -s python3.11 "$R/usr/bin/python3"
  (cd /usr/lib && tar -cf - --exclude=test --exclude=idlelib --exclude=tkinter --exclude=ensurepip \
    --exclude='config-3.11-*' --exclude=__pycache__ python3.11) | tar -xf - -C "$R/usr/lib"
  $PY -m venv --without-pip "$R/opt/venv"
  touch "$R/STAGED"
fi
if [ ! -f "$R/DONE" ]; then
  # Our dependencies and the linux extra, from the wheels above (no index: nothing else).
  $PIP0 --python "$R/opt/venv/bin/python" install -q --no-index --find-links "$W" \
    -r "$SRC/tests/vm/requirements-vm.txt" -r "$DEPS" >/dev/null
  # Blinka without its dependencies (its Pi backends cannot install on a PC); drivers on the
  # drive's lib/ as CIRCUITPY holds them.
  $PIP0 --python "$R/opt/venv/bin/python" install -q --no-index --find-links "$W" --no-deps adafruit-blinka board >/dev/null
  mkdir -p "$R/drive/lib"
  grep -E '^adafruit-circuitpython-(busdevice|register|bme280|typing)=|^typing-extensions=' \
    "$SRC/tests/interop/requirements.txt" > "$W/drive-libs.txt"
  $PIP install --no-deps --target "$R/drive/lib" -r "$W/drive-libs.txt" >/dev/null
  rm -rf "$R/drive/lib/bin" "$R/drive/lib"/*.dist-info
  for f in $PY "$R"/usr/lib/python3.11/lib-dynload/*.so "$R"/opt/venv/lib/python3.11/site-packages/*/*.so \
    "$R"/opt/venv/lib/python3.11/site-packages/*.so; do
    [ -f "$f" ] && ldd "$f" | awk '/=>/{print $3}'
  done | sort -u | while read -r l; do mkdir -p "$R$(dirname "$l")"; cp -L "$l" "$R$l"; done
  cp -L /lib64/ld-linux-x86-64.so.2 "$R/lib64/"
  echo "root:x:0:0:root:/root:/bin/sh" > "$R/etc/passwd"; echo "root:x:0:" > "$R/etc/group"
  echo "user:x:1000:1000::/tmp:/bin/sh" >> "$R/etc/passwd"; echo "gpio:x:997:" >> "$R/etc/group"
  cp "$SRC/tests/vm/init.sh" "$R/init"; chmod +x "$R/init"
  touch "$R/DONE"
fi
cp "$SRC/tests/vm/init.sh" "$R/init"
# The kernel's modules as build-kernel.sh last chose them (its list may change without the key).
rm -rf "$R/lib/modules"; cp -a "$K/modules/lib/modules" "$R/lib/"
# Our own wheel, rebuilt from the source tree for every session.
rm -rf "$CACHE/ours"; mkdir -p "$CACHE/ours"
$PIP wheel --no-deps --no-build-isolation -w "$CACHE/ours" "$SRC" >/dev/null 2>&1 || $PIP wheel --no-deps -w "$CACHE/ours" "$SRC" >/dev/null
$PIP0 --python "$R/opt/venv/bin/python" uninstall -q -y protoboard >/dev/null 2>&1 || true
$PIP0 --python "$R/opt/venv/bin/python" install -q --no-index --find-links "$W" --find-links "$CACHE/ours" 'protoboard[linux]' >/dev/null
# Console scripts name the interpreter by its path on this machine: give them the guest's.
sed -i "1s|^#!.*python.*|#!/opt/venv/bin/python|" "$R"/opt/venv/bin/* 2>/dev/null || true
(cd "$R" && find . -path ./DONE -prune -o -path ./STAGED -prune -o -print | cpio -o -H newc --quiet | gzip -1) > "$CACHE/initramfs.cpio.gz.tmp"
mv "$CACHE/initramfs.cpio.gz.tmp" "$CACHE/initramfs.cpio.gz"
echo "$K $CACHE/initramfs.cpio.gz"
