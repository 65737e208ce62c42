/**
 * An advisory lock (exclusive, or shared when `exclusive` is false) on a file (flock), held while `fn` runs. Guards berth's metadata
 * against concurrent berth commands; the kernel drops it if the process dies.
 */
export async function withLock<T>(lockPath: string, fn: () => T | Promise<T>, exclusive = true): Promise<T> {
  const file = await Deno.open(lockPath, { read: true, write: true, create: true, mode: 0o600 });
  try {
    await file.lock(exclusive);
    return await fn();
  } finally {
    file.close(); // closing releases the lock
  }
}

/** {@link withLock} for synchronous critical sections (no thread-pool round trips on hot paths). */
export function withLockSync<T>(lockPath: string, fn: () => T, exclusive = true): T {
  const file = Deno.openSync(lockPath, { read: true, write: true, create: true, mode: 0o600 });
  try {
    file.lockSync(exclusive);
    return fn();
  } finally {
    file.close();
  }
}
