/** Go's time.Time as Docker's templates print it: `2026-12-03 08:01:02 +0000 UTC`. */
export function goTime(iso: string): string {
  return `${new Date(iso).toISOString().replace("T", " ").replace(/\.\d+Z$/, "")} +0000 UTC`;
}

/** `bytes` in decimal units: the value below 1000 and its unit's index (B, kB, MB…). */
function scaled(bytes: number): [number, string] {
  const units = ["B", "kB", "MB", "GB", "TB", "PB"];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return [v, units[i]];
}

/** Docker-style human sizes: 4.26MB, 1.2GB (decimal units, as `docker images` prints). */
export function humanSize(bytes: number): string {
  const [v, unit] = scaled(bytes);
  const digits = v >= 100 || unit === "B" ? 0 : v >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits))}${unit}`;
}

/** Docker's units.HumanSize with its 4 significant digits (`%.4g`): 2.048kB, 45.23MB, 512B. */
export function preciseSize(bytes: number): string {
  const [v, unit] = scaled(bytes);
  return `${Number(v.toPrecision(4))}${unit}`;
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
