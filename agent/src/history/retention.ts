/**
 * @module The history's retention in the running agent: records older than the maximum age
 * and the oldest beyond the maximum count are removed when the agent starts, then every
 * hour. Pruning deletes in steps and yields between them (see SqliteHistoryStore.prune), so
 * jobs keep running while it works; a failed prune is logged and tried again next time.
 */
import type { Logger } from "../log.js";
import type { HistoryStore } from "./store.js";

export const PRUNE_INTERVAL_MS = 3_600_000;
export const DEFAULT_MAX_AGE_DAYS = 90;
export const DEFAULT_MAX_RECORDS = 1_000_000;

export interface RetentionOptions {
  store: HistoryStore;
  /** 0 for either: no limit of that kind. */
  maxAgeDays: number;
  maxRecords: number;
  log: Logger;
  intervalMs?: number;
  /** Epoch milliseconds. */
  now?: () => number;
}

export interface Retention {
  /** Stops the timer and waits for a prune under way, so the store can be closed after. */
  stop(): Promise<void>;
}

export function startRetention(options: RetentionOptions): Retention {
  const { store, maxAgeDays, maxRecords, log } = options;
  const now = options.now ?? Date.now;
  if (!maxAgeDays && !maxRecords) return { stop: async () => undefined };
  let running: Promise<void> | undefined;
  let stopped = false;

  const prune = () => {
    // A prune still under way (a large first one) is not doubled.
    if (running || stopped) return;
    running = (async () => {
      try {
        const removed = await store.prune({
          maxAgeS: maxAgeDays ? maxAgeDays * 86_400 : undefined,
          maxRecords: maxRecords || undefined,
          now: now() / 1000,
        });
        if (removed > 0) log.info("history_pruned", { removed, max_age_days: maxAgeDays, max_records: maxRecords });
      } catch (error) {
        log.warn("history_prune_failed", { error: (error as Error).message });
      } finally {
        running = undefined;
      }
    })();
  };

  // The first prune's queries run once the agent has started, not in the middle of it.
  const first = setImmediate(prune);
  const timer = setInterval(prune, options.intervalMs ?? PRUNE_INTERVAL_MS);
  // Retention alone never keeps the process alive.
  timer.unref();
  first.unref();
  return {
    async stop() {
      stopped = true;
      clearImmediate(first);
      clearInterval(timer);
      await running;
    },
  };
}
