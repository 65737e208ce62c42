#!/bin/sh
# berth's container checks on a pure cgroup v2 host (run by scripts/vm/init.sh inside the VM). Every check
# prints "ok NAME" or "FAIL NAME: why"; the last line is "N passed, N failed".
B=/berth/berth
export BERTH_RUNTIME_DIR=/berth-runtime
IMG=busybox:latest
R="run --rm --network none"
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
no() { fail=$((fail + 1)); echo "FAIL $1: $(echo "$2" | tr '\n' '|')"; }
eq() { if [ "$2" = "$3" ]; then ok "$1"; else no "$1" "wanted [$2], got [$3]"; fi; }
has() { case "$3" in *"$2"*) ok "$1" ;; *) no "$1" "wanted [$2] in [$3]" ;; esac; }
lacks() { case "$3" in *"$2"*) no "$1" "[$2] should not be in [$3]" ;; *) ok "$1" ;; esac; }
cg() { echo "/sys/fs/cgroup/berth/$1"; }
# an HTTP GET from the VM itself, with the Deno that berth runs on (busybox's static wget crashes in its resolver here)
get() { DENO_DIR=/tmp/deno "$(ls -d /berth-runtime/*/ | head -n 1)deno" eval --quiet "const r = await fetch('$1', { signal: AbortSignal.timeout(10000) }); console.log((await r.text()).trim())" 2>&1; }

out=$($B load -i /images/busybox.tar 2>&1) || no "load" "$out"

# run and exit codes
eq "run" "hi" "$($B $R $IMG echo hi 2>&1)"
$B $R $IMG sh -c 'exit 3'
eq "exit code of the command" 3 $?
$B $R $IMG /nonexistent 2>/dev/null
eq "command not found: 127" 127 $?
eq "the container sees cgroup v2" "v2" "$($B $R $IMG sh -c 'test -f /sys/fs/cgroup/cgroup.controllers && echo v2' 2>&1)"

# limits, read back from the v2 files
$B $R -m 16m $IMG sh -c 'head -c 64m /dev/zero | tail -c 64m >/dev/null'
eq "memory: OOM kill is 137" 137 $?
id=$($B run -d --network none -m 32m --cpus 0.5 --cpu-shares 512 --pids-limit 50 $IMG sleep 600)
eq "memory.max" 33554432 "$(cat "$(cg "$id")/memory.max")"
eq "cpu.max" "50000 100000" "$(cat "$(cg "$id")/cpu.max")"
eq "cpu.weight (shares 512)" 20 "$(cat "$(cg "$id")/cpu.weight")"
eq "pids.max" 50 "$(cat "$(cg "$id")/pids.max")"
d=$($B run -d --network none $IMG sleep 600)
eq "pids.max by default" 2048 "$(cat "$(cg "$d")/pids.max")"
$B rm -f "$d" >/dev/null
has "pids: a fork beyond the limit fails" "can't fork" "$($B $R --pids-limit 4 $IMG sh -c 'for i in 1 2 3 4 5 6; do sleep 3 & done; wait' 2>&1)"
d=$($B run -d --network none --device-read-bps /dev/vda:1mb --device-write-iops /dev/vda:100 --blkio-weight 300 $IMG sleep 600)
eq "io.max" "254:0 rbps=1048576 wbps=max riops=max wiops=100" "$(cat "$(cg "$d")/io.max")"
has "io weight" "default" "$(cat "$(cg "$d")/io.weight" 2>/dev/null; cat "$(cg "$d")/io.bfq.weight" 2>/dev/null)"
$B rm -f "$d" >/dev/null

# a detached container: exec, stats, pause/unpause (cgroup.freeze), inspect
eq "exec" "in $(echo "$id" | cut -c1-12)" "$($B exec "$id" sh -c 'echo in $(hostname)' 2>&1)"
has "stats from v2 (memory of 32m, 1 pid)" "/ 33.6MB" "$($B stats --no-stream "$id" 2>&1)"
$B pause "$id" >/dev/null 2>&1
eq "pause: cgroup.freeze" 1 "$(cat "$(cg "$id")/cgroup.freeze")"
has "pause: frozen" "frozen 1" "$(cat "$(cg "$id")/cgroup.events")"
$B unpause "$id" >/dev/null 2>&1
eq "unpause" 0 "$(cat "$(cg "$id")/cgroup.freeze")"
# update: new limits in the running container's v2 files (swap.max is swap beyond memory)
$B update -m 64m --memory-swap 96m --pids-limit 70 --cpus 0 "$id" >/dev/null 2>&1
eq "update: memory.max, memory.swap.max, pids.max, cpu.max" "67108864 33554432 70 max 100000" \
  "$(cat "$(cg "$id")/memory.max") $(cat "$(cg "$id")/memory.swap.max" 2>/dev/null || echo noswap) $(cat "$(cg "$id")/pids.max") $(cat "$(cg "$id")/cpu.max")"
has "ps lists it" "$(echo "$id" | cut -c1-12)" "$($B ps 2>&1)"
$B stop -t 1 "$id" >/dev/null 2>&1
has "stopped" '"Status": "exited"' "$($B inspect "$id" 2>&1)"
$B rm "$id" >/dev/null

# devices: the eBPF filter on the container's cgroup
disk='mknod /dev/d b 254 0 2>/dev/null; head -c 10 /dev/d 2>&1'
has "device filter: the host's disk through a node made inside" "Operation not permitted" "$($B $R $IMG sh -c "$disk")"
eq "--device: the disk readable" "berth-disk" "$($B $R --device /dev/vda:/dev/d $IMG head -c 10 /dev/d 2>&1)"
has "--device :r is read-only" "Operation not permitted" "$($B $R --device /dev/vda:/dev/d:r $IMG sh -c 'printf x > /dev/d' 2>&1)"
eq "--privileged: every device" "berth-disk" "$($B $R --privileged $IMG sh -c "$disk")"
eq "/dev/null and friends" "ok" "$($B $R $IMG sh -c 'echo x > /dev/null && head -c 1 /dev/urandom >/dev/null && echo ok' 2>&1)"

# seccomp
eq "seccomp: filter on" "Seccomp: 2" "$($B $R $IMG sh -c "grep '^Seccomp:' /proc/self/status | tr -s ' \t' ' '")"
has "seccomp: unshare refused" "Operation not permitted" "$($B $R $IMG unshare -U true 2>&1)"
eq "seccomp=unconfined" "allowed" "$($B $R --security-opt seccomp=unconfined $IMG sh -c 'unshare -U true && echo allowed' 2>&1)"
$B $R -v /images:/t:ro $IMG /t/unshare32
eq "seccomp: the i386 ABI is filtered (EPERM)" 1 $?
$B $R -v /images:/t:ro --cap-add SYS_ADMIN $IMG /t/unshare32
eq "seccomp: the i386 ABI with CAP_SYS_ADMIN" 0 $?

# bridge networking
web=$($B run -d -p 8080:80 $IMG sh -c 'mkdir /www; echo hello > /www/index.html; exec httpd -f -p 80 -h /www' 2>&1)
ip=$($B inspect "$web" 2>/dev/null | sed -n 's/.*"IPAddress": "\([0-9.][0-9.]*\)".*/\1/p' | head -n 1)
sleep 2
eq "bridge: host to container" "hello" "$(get "http://$ip/")"
# (nc: busybox's static wget crashes under this kernel's emulation, in and out of containers)
eq "bridge: container to container" "hello" "$($B run --rm $IMG sh -c "printf 'GET / HTTP/1.0\r\n\r\n' | nc -w 10 $ip 80 | tail -n 1" 2>&1)"
eq "bridge: published port" "hello" "$(get http://127.0.0.1:8080/)"
$B rm -f "$web" >/dev/null

# nothing left behind
$B rm -f $($B ps -aq) >/dev/null 2>&1
eq "no container cgroups left" "" "$(find /sys/fs/cgroup/berth -mindepth 1 -type d 2>/dev/null)"
eq "no container mounts left" "" "$(grep -E '/var/lib/berth/(containers|overlay)' /proc/mounts)"
$B network rm bridge >/dev/null 2>&1

# rootless: an ordinary user with subordinate ids, started (as systemd's user@.service would be) in a cgroup
# subtree delegated to them; another without one
echo 'rl:x:1000:1000::/home/rl:/bin/sh' >> /etc/passwd
echo 'rl2:x:1001:1001::/home/rl2:/bin/sh' >> /etc/passwd
printf 'rl:x:1000:\nrl2:x:1001:\n' >> /etc/group
printf 'rl:100000:65536\nrl2:200000:65536\n' > /etc/subuid
cp /etc/subuid /etc/subgid
mkdir -p /home/rl /home/rl2 && chown 1000:1000 /home/rl && chown 1001:1001 /home/rl2
chmod 700 /root && echo secret > /root/secret
U=/sys/fs/cgroup/user-1000
chmod 755 /berth-runtime/*/ # the one file's runtime, unpacked by root (mktemp -d: 0700), shared with the users
mkdir -p "$U/session" && chown -R 1000:1000 "$U"
# as USER CGROUP berth-args...: dist/berth as USER, started from CGROUP
cat > /tmp/as.sh <<'EOF'
echo $$ > "$2/cgroup.procs" || exit 99
u=$1 && shift 2
exec su -s /bin/sh -c 'cd /tmp && exec "$0" "$@"' -- "$u" "$@"
EOF
as() { u=$1 g=$2 && shift 2 && sh /tmp/as.sh "$u" "$g" "$B" "$@"; }
rl() { as rl "$U/session" "$@"; }
out=$(rl load -i /images/busybox.tar 2>&1)
has "rootless: load as the user" "Loaded image: busybox:latest" "$out"
eq "rootless: root in the container, the user outside" "0 1000" "$(rl $R $IMG sh -c 'id -u' 2>&1) $(stat -c %u /home/rl/.local/share/berth)"
has "rootless: a file the user cannot read" "Permission denied" "$(rl $R -v /root:/r $IMG cat /r/secret 2>&1)"
rid=$(rl run -d --network none -m 32m --cpus 0.5 --pids-limit 40 $IMG sleep 600 2>&1)
rcg="$U/berth/$rid"
eq "rootless: limits in the delegated subtree (memory.max cpu.max pids.max)" "33554432|50000 100000|40" \
  "$(cat "$rcg/memory.max")|$(cat "$rcg/cpu.max")|$(cat "$rcg/pids.max")"
eq "rootless: the container's own cgroup tree" "33554432" "$(rl exec "$rid" cat /sys/fs/cgroup/memory.max 2>&1)"
rl pause "$rid" >/dev/null 2>&1
eq "rootless: pause freezes" 1 "$(cat "$rcg/cgroup.freeze")"
rl unpause "$rid" >/dev/null 2>&1
rl update -m 64m "$rid" >/dev/null 2>&1
eq "rootless: update" "67108864 0" "$(cat "$rcg/memory.max") $(cat "$rcg/cgroup.freeze")"
has "rootless: stats" "/ 67.1MB" "$(rl stats --no-stream "$rid" 2>&1)"
rl rm -f "$rid" >/dev/null 2>&1
eq "rootless: its cgroup removed" "" "$(find "$U/berth" -mindepth 1 -type d 2>/dev/null)"
rl $R -m 16m $IMG sh -c 'head -c 64m /dev/zero | tail -c 64m >/dev/null' 2>/dev/null
eq "rootless: memory limit: OOM kill is 137" 137 $?
eq "rootless: no warning where the subtree is delegated" "" "$(rl $R -m 16m $IMG true 2>&1)"
out=$(as rl2 /sys/fs/cgroup load -i /images/busybox.tar 2>&1) || no "rootless: load as a user without a subtree" "$out"
has "rootless: without a delegated subtree, a warning" "no cgroup is delegated to this user" "$(as rl2 /sys/fs/cgroup $R -m 16m $IMG true 2>&1)"
has "rootless: ... and the container runs" "hi" "$(as rl2 /sys/fs/cgroup $R $IMG echo hi 2>&1)"
eq "rootless: no overlay left in the user's mount namespace" 0 "$(grep -c overlay "/proc/$(cut -d' ' -f1 /tmp/berth-run-1000/userns.pid)/mounts")"

echo "$pass passed, $fail failed"
