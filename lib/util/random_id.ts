/** Docker's IDs: 32 random bytes as 64 lowercase hex digits (containers, networks, endpoints, execs, volumes). */
export function randomHexId(): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(32)), (x) => x.toString(16).padStart(2, "0")).join("");
}
