/** IP address syntax, as Go's net.ParseIP accepts it (for `--dns`, `--add-host`, `--ip`). */

/** Four decimal octets 0–255, no leading zeros beyond a single 0. */
export function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => /^(0|[1-9]\d{0,2})$/.test(p) && Number(p) <= 255);
}

/** RFC 4291 text forms (with `::`, an embedded IPv4 tail), checked by the URL parser's IPv6 host rules. */
export function isIPv6(s: string): boolean {
  if (!s.includes(":") || /[^0-9a-fA-F:.]/.test(s)) return false;
  try {
    new URL(`http://[${s}]/`);
    return true;
  } catch {
    return false;
  }
}

export function isIP(s: string): boolean {
  return isIPv4(s) || isIPv6(s);
}
