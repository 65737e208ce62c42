/**
 * Waits until a node stream that refused a write has room again — or has been destroyed. A stream that a
 * failing consumer destroyed (ENOSPC, a bad tar) never emits "drain", so waiting for that alone hangs.
 */
interface Drainable {
  once(event: string, fn: () => void): unknown;
  off(event: string, fn: () => void): unknown;
}

export function drainedOrClosed(s: Drainable): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      s.off("drain", done);
      s.off("close", done);
      resolve();
    };
    s.once("drain", done);
    s.once("close", done);
  });
}
