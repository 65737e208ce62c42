/**
 * How long the service waits before it looks again at something it waits on (a record, a log, the event
 * log): 5 ms at first — a short `docker run` waits on several things in turn — backing off to 50 ms for what
 * runs long.
 */
export const backoffMs = (elapsedMs: number) => Math.min(50, 5 + elapsedMs / 20);

/** {@link backoffMs} for a wait that began at `since` (performance.now()). */
export const pollDelay = (since: number) => backoffMs(performance.now() - since);
