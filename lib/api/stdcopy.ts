/**
 * Docker's stream multiplexing for a container without a TTY: each frame is an 8-byte header — the
 * stream (0 stdin, 1 stdout, 2 stderr), three zero bytes, the payload's length as big-endian u32 — and
 * the payload.
 */
export function stdcopyFrame(stream: 0 | 1 | 2, payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + payload.length);
  out[0] = stream;
  new DataView(out.buffer).setUint32(4, payload.length, false);
  out.set(payload, 8);
  return out;
}
