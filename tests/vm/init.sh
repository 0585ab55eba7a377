#!/bin/sh
# PID 1 of the test VM: mount, load the simulated devices, run /mnt/guest.sh, power off.
/bin/busybox --install -s /bin; export PATH=/opt/venv/bin:/bin:/usr/bin HOME=/root
mount -t proc proc /proc; mount -t sysfs sysfs /sys; mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts; mount -t devpts devpts /dev/pts; mount -t tmpfs tmpfs /tmp
modprobe configfs; mount -t configfs none /sys/kernel/config
modprobe virtio_pci; modprobe 9pnet_virtio; modprobe 9p
mount -t 9p -o trans=virtio,version=9p2000.L share /mnt
modprobe gpio-sim; modprobe i2c-dev; modprobe i2c-stub chip_addr=0x77
# One gpio-sim chip: 18 lines labelled like the linux_gpio_sim board wants; line 14 held by a
# kernel consumer (a hog), as a pin a kernel driver owns.
C=/sys/kernel/config/gpio-sim/chip0; mkdir $C $C/bank0
echo 18 > $C/bank0/num_lines; echo protoboard-sim > $C/bank0/label
mkdir $C/bank0/line14 $C/bank0/line14/hog
echo kernel-driver > $C/bank0/line14/hog/name; echo output-high > $C/bank0/line14/hog/direction
echo 1 > $C/live
sh /mnt/guest.sh > /mnt/guest.log 2>&1; echo "rc=$?" >> /mnt/guest.log
sync; poweroff -f
