#!/usr/bin/env bash
# Sets up a fresh Debian 12 machine (as root) to build, test and benchmark berth:
# Debian packages for the test registry, images and independent checks; Deno pinned from npm; dist/berth.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(docker-registry busybox-static binutils uidmap slirp4netns skopeo umoci apache2-utils attr openssl tar gzip ca-certificates procps bsdutils util-linux iptables iproute2 curl keyutils docker-compose containerd podman conmon docker.io)
[ "${BERTH_BENCH:-0}" = 1 ] && packages+=(hyperfine podman runc crun docker.io)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# rootless containers' network (slirp4netns) opens /dev/net/tun as the user: Debian's udev makes it 0666,
# some kernels' devtmpfs leave it 0600
[ -c /dev/net/tun ] && chmod 0666 /dev/net/tun
# docker-registry's package may start a system instance on :5000; berth's tests start their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet docker-registry 2>/dev/null; then
  systemctl stop docker-registry || true
fi

# Parts of Debian packages the API tests use without installing the packages (and their dependencies):
# moby's swagger.yaml (the API's schema) and the docker 20.10 client (docker.io, whose daemon the tests
# must not start). Unpacked into toolchain/deb/PACKAGE/.
for p in golang-github-docker-docker-dev docker.io; do
  if [ ! -d "toolchain/deb/$p" ]; then
    tmp=$(mktemp -d)
    (cd "$tmp" && apt-get download -qq "$p" >/dev/null 2>&1) || { apt-get update -qq && (cd "$tmp" && apt-get download -qq "$p" >/dev/null); }
    mkdir -p "toolchain/deb/$p.part" && dpkg-deb -x "$tmp"/*.deb "toolchain/deb/$p.part"
    # of docker.io only the client (the daemon's binaries are most of its 145 MB)
    [ "$p" = docker.io ] && find "toolchain/deb/$p.part" -type f ! -path '*/usr/bin/docker' -delete
    mv "toolchain/deb/$p.part" "toolchain/deb/$p"
    rm -rf "$tmp"
  fi
done

# Deno's own npm package, pinned in toolchain/ (kept out of the project root so that Deno does not take
# it for the project's npm dependencies). npm ci rejects its lock (npm 11 wants every platform's optional
# deno binary in it); install keeps the lock as it is.
if [ ! -x toolchain/node_modules/@deno/linux-x64-glibc/deno ]; then
  (cd toolchain && npm install --no-audit --no-fund --loglevel=error)
fi
toolchain/node_modules/@deno/linux-x64-glibc/deno run -A scripts/build.ts
