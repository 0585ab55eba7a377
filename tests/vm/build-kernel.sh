#!/bin/sh
# Stage 1 of the test VM: a stock Debian kernel plus the modules the Linux port's tests need,
# with gpio-sim built out of tree (no Debian kernel enables it). Cached in $1/kernel-<ABI>/:
# vmlinuz, modules/ (a depmod'ed tree) and DONE. Needs root (apt-get) the first time.
# Usage: build-kernel.sh CACHE_DIR    (prints the kernel folder on its last line)
set -eu
CACHE=$(realpath -m "$1")
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
# The stock modules the guest loads (their dependencies come along, from modules.dep): 9p for
# the share, i2c-stub, and for the USB gadget both sides in one kernel: the gadget (libcomposite,
# mass storage, ACM) on dummy_hcd's device controller, and the "PC" (usb-storage, sd_mod with
# the CRC algorithms t10-pi asks the crypto API for, cdc-acm, vfat) on its host controller.
MODS="configfs i2c-stub i2c-dev virtio_pci 9pnet_virtio 9p libcomposite usb_f_mass_storage
  usb_f_acm dummy_hcd usb-storage uas sd_mod crct10dif_generic crc64_rocksoft_generic cdc-acm vfat
  nls_cp437 nls_iso8859-1 nls_ascii nls_utf8"
[ -n "$need_pkgs" ] && apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $need_pkgs >/dev/null
if [ -f "$K/DONE" ] && [ "$(cat "$K/MODULES" 2>/dev/null)" = "$(echo $MODS)" ]; then echo "$K"; exit 0; fi
W=$CACHE/work-$KV; rm -rf "$W"; mkdir -p "$W/mod"
OLD_SIM=$K/modules/lib/modules/$KV/kernel/drivers/gpio/gpio-sim.ko  # (caches made before MODULES)
[ -f "$K/gpio-sim.ko" ] || [ ! -f "$OLD_SIM" ] || cp "$OLD_SIM" "$K/gpio-sim.ko"
if [ -f "$K/vmlinuz" ] && [ -f "$K/gpio-sim.ko" ]; then
  # Only the module list changed: keep the kernel and gpio-sim, take the modules anew.
  cp "$K/gpio-sim.ko" "$W/mod/"; rm -f "$K/DONE"; rm -rf "$K/modules"; mkdir -p "$K/modules"
  cd "$W"; apt-get download linux-image-$KV >/dev/null 2>&1
  dpkg-deb -x linux-image-${KV}_*.deb img
else
[ -d /lib/modules/$KV/build ] || apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends gcc make linux-headers-$KV >/dev/null
# A new ABI replaces the old kernel: the cache holds one.
rm -rf "$CACHE"/kernel-* "$CACHE"/work-*; mkdir -p "$W/mod" "$K/modules"
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
cp mod/gpio-sim.ko "$K/gpio-sim.ko"
fi
KD=img/lib/modules/$KV; M=$K/modules/lib/modules/$KV
depmod -b img "$KV"  # the package has no modules.dep (made at install time)
for name in $MODS; do
  # the module and what modules.dep says it needs ("-" and "_" are the same in names)
  pattern=$(echo "$name" | sed 's/[-_]/[-_]/g')
  line=$(grep -E "^kernel/.*/$pattern\.ko:" "$KD/modules.dep") || { echo "no module $name in $KV" >&2; exit 2; }
  for m in $(echo "$line" | tr -d ':'); do
    mkdir -p "$(dirname "$M/$m")"; cp "$KD/$m" "$M/$m"
  done
done
mkdir -p "$M/kernel/drivers/gpio"; cp mod/gpio-sim.ko "$M/kernel/drivers/gpio/"
cp "$KD"/modules.order "$KD"/modules.builtin* "$M/"
depmod -b "$K/modules" "$KV"
cp img/boot/vmlinuz-$KV "$K/vmlinuz"
echo $MODS > "$K/MODULES"
cd "$CACHE"; rm -rf "$W"; touch "$K/DONE"
echo "$K"
