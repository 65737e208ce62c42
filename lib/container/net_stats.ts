/** A container's network counters, from /proc/PID/net/dev of its first process (its network namespace's). */
export interface NetCounters {
  rx_bytes: number;
  rx_packets: number;
  rx_errors: number;
  rx_dropped: number;
  tx_bytes: number;
  tx_packets: number;
  tx_errors: number;
  tx_dropped: number;
}

/** Per interface, loopback left out (as Docker's stats do); empty when the process is gone. */
export function netStats(pid: number | undefined): Record<string, NetCounters> {
  const out: Record<string, NetCounters> = {};
  if (!pid) return out;
  try {
    for (const line of Deno.readTextFileSync(`/proc/${pid}/net/dev`).split("\n").slice(2)) {
      const m = line.trim().match(/^([^:]+):\s*(.*)$/);
      if (!m || m[1] === "lo") continue;
      const f = m[2].split(/\s+/).map(Number);
      out[m[1]] = { rx_bytes: f[0], rx_packets: f[1], rx_errors: f[2], rx_dropped: f[3], tx_bytes: f[8], tx_packets: f[9], tx_errors: f[10], tx_dropped: f[11] };
    }
  } catch { /* exited */ }
  return out;
}
