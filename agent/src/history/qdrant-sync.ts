/**
 * @module The copy of the history to Qdrant, in the background. The local store stays the
 * one recording and answering; this uploader reads what it stored after a cursor kept in
 * the same SQLite file (the seq of the last record Qdrant has), adds a batch to Qdrant,
 * then moves the cursor. The backlog is the local file itself, so nothing is lost while
 * Qdrant is down or across a restart, and a batch sent again after a crash adds nothing
 * (Qdrant's point ids come from the record ids). It runs shortly after the recorder
 * writes, and on a timer for records written by another process (`history import`); a
 * failure is tried again with exponential backoff and jitter. Nothing here is awaited by
 * recording or by a job.
 */
import type { Logger } from "../log.js";
import { EmbedderMismatchError } from "./qdrant-collections.js";
import type { SqliteHistoryStore } from "./sqlite-store.js";
import type { HistoryStore } from "./store.js";

export type SyncTarget = Pick<HistoryStore, "add" | "close">;

export interface QdrantSyncOptions {
  local: SqliteHistoryStore;
  /** Opens the Qdrant store; called again after a failure until it opens. */
  open: () => Promise<SyncTarget>;
  /** Names the cursor: another server (or prefix) gets its own, and the whole history. */
  target: string;
  log: Logger;
  /** Records a batch. */
  batch?: number;
  /** How long after a write the upload starts, so a burst of writes goes up in one pass. */
  debounceMs?: number;
  /** How often the backlog is looked at without a write to wake it. */
  intervalMs?: number;
  /** The first retry's delay and the longest one. */
  backoffBaseMs?: number;
  backoffCapMs?: number;
  /** How long `stop` waits for a batch under way (a hung Qdrant must not hold shutdown). */
  stopWaitMs?: number;
  /** In [0, 1): the jitter's draw. */
  random?: () => number;
}

export const SYNC_BATCH = 100;
export const SYNC_DEBOUNCE_MS = 1_000;
export const SYNC_INTERVAL_MS = 60_000;
export const SYNC_BACKOFF_BASE_MS = 1_000;
export const SYNC_BACKOFF_CAP_MS = 60_000;

/** Equal jitter: half the exponential delay, plus up to the other half drawn at random. */
export function backoffDelay(failures: number, baseMs: number, capMs: number, random: () => number): number {
  const delay = Math.min(capMs, baseMs * 2 ** Math.max(0, failures - 1));
  return delay / 2 + random() * (delay / 2);
}

export class QdrantSync {
  private readonly cursorName: string;
  private target: SyncTarget | undefined;
  private timer: NodeJS.Timeout | undefined;
  /** When the scheduled pass runs (epoch ms), so a wake never postpones an earlier one. */
  private due = Number.POSITIVE_INFINITY;
  private running: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private failingSince = 0;
  private stopped = false;
  /** Records uploaded since start. */
  uploaded = 0;

  constructor(private readonly options: QdrantSyncOptions) {
    this.cursorName = `qdrant:${options.target}`;
  }

  /** Starts with the backlog left from before, if any. */
  start(): void {
    this.schedule(0);
  }

  /** The recorder wrote: upload soon, unless a retry is already waiting its turn. */
  wake(): void {
    if (this.stopped || this.failures > 0) return;
    if (this.running) this.again = true;
    else this.schedule(this.options.debounceMs ?? SYNC_DEBOUNCE_MS);
  }

  /** Records stored locally and not yet in Qdrant. */
  backlog(): number {
    return this.options.local.countAfter(this.options.local.cursor(this.cursorName));
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + delayMs;
    if (this.timer && at >= this.due) return;
    clearTimeout(this.timer);
    this.due = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.due = Number.POSITIVE_INFINITY;
      this.run();
    }, delayMs);
    // The copy alone never keeps a stopping agent alive.
    this.timer.unref();
  }

  private run(): void {
    if (this.running || this.stopped) return;
    this.running = this.pass().finally(() => {
      this.running = undefined;
    });
  }

  private async pass(): Promise<void> {
    const { local, log } = this.options;
    const size = this.options.batch ?? SYNC_BATCH;
    let next = this.options.intervalMs ?? SYNC_INTERVAL_MS;
    try {
      this.target ??= await this.options.open();
      for (;;) {
        this.again = false;
        const from = local.cursor(this.cursorName);
        const rows = local.recordsAfter(from, size);
        if (rows.length === 0 || this.stopped) break;
        const backlog = this.failures > 0 ? local.countAfter(from) : 0;
        await this.target.add(rows.map((r) => r.record));
        if (this.stopped) break;
        const last = rows[rows.length - 1] as (typeof rows)[number];
        local.advanceCursor(this.cursorName, from, last.seq, last.record.id);
        this.uploaded += rows.length;
        if (this.failures > 0) {
          log.info("qdrant_sync_resumed", { backlog, failed_for_ms: Date.now() - this.failingSince });
          this.failures = 0;
        }
        // Between batches the agent's jobs get the thread (embedding a batch takes a moment).
        await new Promise((resolve) => setImmediate(resolve));
      }
      if (this.failures > 0 && !this.stopped) {
        log.info("qdrant_sync_resumed", { backlog: 0, failed_for_ms: Date.now() - this.failingSince });
        this.failures = 0;
      }
      if (this.again) next = this.options.debounceMs ?? SYNC_DEBOUNCE_MS;
    } catch (error) {
      if (this.stopped) return;
      if (error instanceof EmbedderMismatchError) {
        // Every retry would be refused the same way: stop until the agent is set up again.
        log.error("qdrant_sync_stopped", { error: error.message, backlog: this.safeBacklog() });
        this.stopped = true;
        return;
      }
      this.failures += 1;
      next = backoffDelay(
        this.failures,
        this.options.backoffBaseMs ?? SYNC_BACKOFF_BASE_MS,
        this.options.backoffCapMs ?? SYNC_BACKOFF_CAP_MS,
        this.options.random ?? Math.random,
      );
      if (this.failures === 1) {
        this.failingSince = Date.now();
        const status = (error as { status?: unknown }).status;
        log.warn("qdrant_sync_failed", {
          error: (error as Error).message,
          ...(typeof status === "number" ? { status } : {}),
          backlog: this.safeBacklog(),
        });
      }
    }
    this.schedule(next);
  }

  private safeBacklog(): number | undefined {
    try {
      return this.backlog();
    } catch {
      return undefined;
    }
  }

  /** Stops the timers and waits a moment for a batch under way; the backlog stays for the next start. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const running = this.running;
    if (running) {
      let wait: NodeJS.Timeout | undefined;
      await Promise.race([
        running,
        new Promise<void>((resolve) => {
          wait = setTimeout(resolve, this.options.stopWaitMs ?? 5_000);
          wait.unref();
        }),
      ]);
      clearTimeout(wait);
    }
    await this.target?.close();
  }

  /** False once stopped, by `stop` or by a refusal no retry would change. */
  get active(): boolean {
    return !this.stopped;
  }
}
