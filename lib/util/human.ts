/** Docker-style human sizes: 4.26MB, 1.2GB (decimal units, as `docker images` prints). */
/** Go's time.Time as Docker's templates print it: `2026-12-03 08:01:02 +0000 UTC`. */
export function goTime(iso: string): string {
  return `${new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, "")} +0000 UTC`;
}

export function humanSize(bytes: number): string {
  const units = ["B", "kB", "MB", "GB", "TB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = v >= 100 || i === 0 ? 0 : v >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits))}${units[i]}`;
}

/** "3 seconds", "2 minutes", "5 days" — Docker's HumanDuration, used as "… ago". */
export function humanDuration(ms: number): string {
  const s = Math.round(ms / 1000);
  if (s < 1) return "Less than a second";
  if (s === 1) return "1 second";
  if (s < 60) return `${s} seconds`;
  const m = Math.round(s / 60);
  if (m === 1) return "About a minute";
  if (m < 60) return `${m} minutes`;
  const h = Math.round(s / 3600);
  if (h === 1) return "About an hour";
  if (h < 48) return `${h} hours`;
  const d = Math.round(h / 24);
  if (d < 14) return `${d} days`;
  if (d < 60) return `${Math.round(d / 7)} weeks`;
  if (d < 730) return `${Math.round(d / 30)} months`;
  return `${Math.round(d / 365)} years`;
}
