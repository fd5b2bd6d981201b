/** @module Reconnect delays: a capped exponential table plus jitter, so a fleet of agents never retries in lockstep. */

/** Delays before attempts 1, 2, 3…; later attempts reuse the cap. */
export const BACKOFF_TABLE_MS = [250, 500, 1000, 2000, 4000] as const;
export const BACKOFF_CAP_MS = 5000;
/** ±20 %: enough to spread a thundering herd after an edge restart. */
export const BACKOFF_JITTER = 0.2;

export interface BackoffOptions {
  table?: readonly number[];
  capMs?: number;
  jitter?: number;
  random?: () => number;
}

/** The delay before retry number `attempt` (0-based), jittered and never above the cap. */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const table = options.table ?? BACKOFF_TABLE_MS;
  const cap = options.capMs ?? BACKOFF_CAP_MS;
  const jitter = options.jitter ?? BACKOFF_JITTER;
  const random = options.random ?? Math.random;
  const index = Math.max(0, Math.min(Math.floor(attempt), table.length));
  const base = Math.min(table[index] ?? cap, cap);
  const factor = 1 + jitter * (2 * random() - 1);
  return Math.round(Math.min(cap, Math.max(0, base * factor)));
}

/** Counts consecutive failures; reset once a connection is fully established (welcomed). */
export class Backoff {
  private attempt = 0;
  constructor(private readonly options: BackoffOptions = {}) {}

  /** The next delay; each call moves one step up the table. */
  next(): number {
    const delay = backoffDelay(this.attempt, this.options);
    this.attempt++;
    return delay;
  }

  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}
