#!/usr/bin/env bash
# berth's container checks on a pure cgroup v2 host: boots Debian's own kernel (linux-image-amd64, 6.1)
# under qemu with cgroup_no_v1=all, from an initramfs holding busybox, the glibc the Deno runtime needs,
# iptables, the kernel's modules and the built one-file dist/berth, and runs scripts/vm/checks.sh there.
# Prints the VM's "N passed, N failed" as its last line; exits non-zero unless 0 failed.
set -euo pipefail
cd "$(dirname "$0")/.."
DENO=toolchain/node_modules/@deno/linux-x64-glibc/deno
cache=${BERTH_VM_CACHE:-/var/cache/berth-vm}

need=()
for p in qemu-system-x86 cpio kmod busybox-static iptables uidmap; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "vm: installing ${need[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
[ -x dist/berth ] || "$DENO" run -A scripts/build.ts

# Debian's kernel, once: the metapackage names the versioned image package
if [ ! -f "$cache/ok" ]; then
  rm -rf "$cache" && mkdir -p "$cache/dl"
  (cd "$cache/dl" && apt-get download linux-image-amd64 2>/dev/null)
  pkg=$(dpkg-deb -f "$cache"/dl/linux-image-amd64_*.deb Depends | grep -o 'linux-image-[0-9][^ ,]*' | head -n 1)
  (cd "$cache/dl" && apt-get download "$pkg" 2>/dev/null)
  dpkg-deb -x "$cache"/dl/"$pkg"_*.deb "$cache/x"
  ver=$(ls "$cache/x/lib/modules")
  depmod -b "$cache/x" "$ver"
  cp "$cache"/x/boot/vmlinuz-* "$cache/vmlinuz"
  echo "$ver" > "$cache/version"
  rm -rf "$cache/dl"
  : > "$cache/ok"
fi
ver=$(cat "$cache/version")

work=$(mktemp -d /tmp/berth-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,usr/sbin,lib64,images,berth,etc}
cp /bin/busybox "$root/bin/busybox"
# libraries of the Deno runtime and of iptables (nft), at their own paths
copy_libs() { ldd "$1" | grep -o '/[^ ]*' | while read -r lib; do mkdir -p "$root$(dirname "$lib")"; cp -L "$lib" "$root$lib"; done; }
BERTH_RUNTIME_DIR="$root/berth-runtime" dist/berth --version >/dev/null # unpacked once here, not under emulation
runtime=$(ls -d "$root"/berth-runtime/*/ | head -n 1)
copy_libs "$runtime/deno"
copy_libs /usr/sbin/xtables-nft-multi
cp /usr/sbin/xtables-nft-multi "$root/usr/sbin/"
# rootless checks: the setuid id mappers of Debian's uidmap
mkdir -p "$root/usr/bin"
for t in newuidmap newgidmap; do copy_libs /usr/bin/$t; cp /usr/bin/$t "$root/usr/bin/" && chmod 4755 "$root/usr/bin/$t"; done
for t in iptables iptables-restore iptables-save; do ln -s xtables-nft-multi "$root/usr/sbin/$t"; done
mkdir -p "$root/usr/lib/x86_64-linux-gnu" && cp -r /usr/lib/x86_64-linux-gnu/xtables "$root/usr/lib/x86_64-linux-gnu/"
cp dist/berth "$root/berth/berth"
# the kernel's modules berth needs (net, overlayfs, veth, virtio disk) with their dependency lists
mods=$cache/x/lib/modules/$ver
mkdir -p "$root/lib/modules/$ver/kernel/drivers/net" "$root/lib/modules/$ver/kernel/fs" "$root/lib/modules/$ver/kernel/drivers/block"
cp "$mods"/modules.* "$root/lib/modules/$ver/"
cp -r "$mods/kernel/net" "$mods/kernel/lib" "$mods/kernel/crypto" "$root/lib/modules/$ver/kernel/"
cp -r "$mods/kernel/fs/overlayfs" "$root/lib/modules/$ver/kernel/fs/"
cp "$mods/kernel/drivers/net/veth.ko" "$root/lib/modules/$ver/kernel/drivers/net/"
cp -r "$mods/kernel/drivers/block/virtio_blk.ko" "$root/lib/modules/$ver/kernel/drivers/block/" 2>/dev/null || true
[ -d "$mods/kernel/drivers/virtio" ] && cp -r "$mods/kernel/drivers/virtio" "$root/lib/modules/$ver/kernel/drivers/"
printf 'root:x:0:0:root:/root:/bin/sh\n' > "$root/etc/passwd"
printf 'root:x:0:\n' > "$root/etc/group"
"$DENO" run -A scripts/vm/make_image.ts "$root/images"
cp scripts/vm/init.sh "$root/init" && cp scripts/vm/checks.sh "$root/checks.sh" && chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) > "$work/initrd"
# the disk the device checks read ("berth-disk" at its start), as /dev/vda
{ printf 'berth-disk'; head -c 1048566 /dev/zero; } > "$work/disk.img"

echo "vm: booting Debian's $ver under qemu (software emulation; a few minutes)"
timeout 900 qemu-system-x86_64 -accel tcg -m 4096 -smp 2 -nographic -no-reboot \
  -kernel "$cache/vmlinuz" -initrd "$work/initrd" \
  -drive "file=$work/disk.img,format=raw,if=virtio" \
  -append "console=ttyS0 quiet panic=-1 cgroup_no_v1=all" </dev/null | tr -d '\r' | tee "$work/console.log" |
  grep --line-buffered -a -E '^(ok |FAIL |berth-vm:|[0-9]+ passed, [0-9]+ failed)' || true
summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$work/console.log" | tail -n 1)
if [ -z "$summary" ]; then
  echo "vm: the checks did not finish; the console's end:"
  tail -n 30 "$work/console.log"
  echo "0 passed, 1 failed"
  exit 1
fi
echo "$summary"
[[ "$summary" == *" 0 failed" ]]
