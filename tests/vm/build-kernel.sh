#!/bin/sh
# Stage 1 of the test VM: a stock Debian kernel plus the modules the Linux port's tests need,
# with gpio-sim built out of tree (no Debian kernel enables it). Cached in $1/kernel-<ABI>/:
# vmlinuz, modules/ (a depmod'ed tree) and DONE. Needs root (apt-get) the first time.
# Usage: build-kernel.sh CACHE_DIR    (prints the kernel folder on its last line)
set -eu
CACHE=$1
export DEBIAN_FRONTEND=noninteractive
need_pkgs=""
for p in qemu-system-x86:qemu-system-x86_64 busybox-static:busybox kmod:depmod cpio:cpio; do
  command -v "${p#*:}" >/dev/null 2>&1 || need_pkgs="$need_pkgs ${p%%:*}"
done
# The ABI follows Debian's security updates: derive it rather than hard-code it.
KV=${PROTOBOARD_VM_KERNEL:-}
if [ -z "$KV" ]; then
  KV=$(ls -d "$CACHE"/kernel-*/DONE 2>/dev/null | head -1 | sed 's,.*/kernel-,,;s,/DONE,,')
fi
if [ -z "$KV" ] || [ -n "$need_pkgs" ]; then apt-get -o DPkg::Lock::Timeout=600 update -qq; fi
if [ -z "$KV" ]; then
  KV=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: linux-image-//p' | head -1)
fi
[ -n "$KV" ] || { echo "cannot find Debian's current kernel ABI (apt-cache depends linux-image-amd64)" >&2; exit 2; }
K=$CACHE/kernel-$KV
[ -n "$need_pkgs" ] && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $need_pkgs >/dev/null
if [ -f "$K/DONE" ]; then echo "$K"; exit 0; fi
[ -d /lib/modules/$KV/build ] || apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends gcc make linux-headers-$KV >/dev/null
# A new ABI replaces the old kernel: the cache holds one.
W=$CACHE/work-$KV; rm -rf "$CACHE"/kernel-* "$CACHE"/work-*; mkdir -p "$W/mod" "$K/modules"
cd "$W"
apt-get download linux-image-$KV linux-source-${KV%%.0-*} >/dev/null 2>&1 || apt-get download linux-image-$KV "linux-source-$(echo $KV | cut -d. -f1-2)" >/dev/null
dpkg-deb -x linux-image-${KV}_*.deb img
SRC=$(ls linux-source-*.deb); SV=$(echo "$SRC" | sed 's/^linux-source-\([0-9.]*\)_.*/\1/')
dpkg-deb --fsys-tarfile "$SRC" | tar -xO ./usr/src/linux-source-$SV.tar.xz | tar -xJ --strip-components=3 -C mod \
  linux-source-$SV/drivers/gpio/gpio-sim.c linux-source-$SV/drivers/gpio/gpiolib.h linux-source-$SV/kernel/irq/irq_sim.c
mv mod/gpio-sim.c mod/gpio-sim-core.c
# irq_to_desc() is not exported to modules; generic_handle_irq() does the same job.
sed -i 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' mod/irq_sim.c
printf 'obj-m := gpio-sim.o\ngpio-sim-y := gpio-sim-core.o irq_sim.o\n' > mod/Makefile
make -s -C /lib/modules/$KV/build M="$W/mod" modules >/dev/null
KD=img/lib/modules/$KV; M=$K/modules/lib/modules/$KV
for m in fs/configfs/configfs drivers/i2c/i2c-stub drivers/i2c/i2c-dev drivers/virtio/virtio \
  drivers/virtio/virtio_ring drivers/virtio/virtio_pci drivers/virtio/virtio_pci_legacy_dev \
  drivers/virtio/virtio_pci_modern_dev net/9p/9pnet net/9p/9pnet_virtio fs/9p/9p fs/netfs/netfs \
  fs/fscache/fscache; do
  mkdir -p "$(dirname "$M/kernel/$m")"; cp "$KD/kernel/$m.ko" "$M/kernel/$m.ko"
done
mkdir -p "$M/kernel/drivers/gpio"; cp mod/gpio-sim.ko "$M/kernel/drivers/gpio/"
cp "$KD"/modules.order "$KD"/modules.builtin* "$M/"
depmod -b "$K/modules" "$KV"
cp img/boot/vmlinuz-$KV "$K/vmlinuz"
cd "$CACHE"; rm -rf "$W"; touch "$K/DONE"
echo "$K"
