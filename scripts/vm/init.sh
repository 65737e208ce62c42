#!/bin/busybox sh
# PID 1 of scripts/vm_test.sh's VM. Stage 1 runs from the initramfs, where pivot_root is refused (EINVAL:
# the initramfs is the real root), so it copies itself into a tmpfs and switch_roots there; stage 2 mounts
# what a host has (a pure cgroup v2 hierarchy), loads the modules berth needs and runs the checks.
/bin/busybox mkdir -p /bin /sbin /usr/bin /usr/sbin
/bin/busybox --install -s /bin 2>/dev/null
export PATH=/bin:/sbin:/usr/bin:/usr/sbin HOME=/root
if [ ! -e /.stage2 ]; then
  mkdir -p /newroot /proc
  mount -t tmpfs -o size=3g,mode=755 tmpfs /newroot
  for e in /* /.[!.]*; do
    case "$e" in /newroot | /proc | /sys | /dev | '/.[!.]*') ;; *) cp -a "$e" /newroot/ ;; esac
  done
  mkdir -p /newroot/proc /newroot/sys /newroot/dev
  : > /newroot/.stage2
  exec switch_root /newroot /init
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm /tmp /run /var/lib /root
mount -t devpts devpts /dev/pts
mount -t tmpfs tmpfs /dev/shm
mount -t tmpfs tmpfs /tmp
mount -t tmpfs tmpfs /run
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ln -sf /proc/self/fd /dev/fd
echo /sbin/modprobe > /proc/sys/kernel/modprobe
ln -sf /bin/busybox /sbin/modprobe
for m in crc32c_generic virtio_pci virtio_blk overlay veth bridge nf_tables nft_compat nft_chain_nat nf_nat nf_conntrack \
  xt_conntrack xt_addrtype xt_comment xt_MASQUERADE xt_nat xt_tcpudp iptable_nat iptable_filter; do
  modprobe "$m" 2>/dev/null || echo "berth-vm: modprobe $m failed: $(modprobe "$m" 2>&1)"
done
ip link set lo up
hostname berth-vm
echo "berth-vm: kernel $(uname -r), cgroup controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
sh /checks.sh
echo "berth-vm: done"
sync
poweroff -f
