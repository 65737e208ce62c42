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

echo "$pass passed, $fail failed"
