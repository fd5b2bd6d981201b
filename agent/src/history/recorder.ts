/**
 * @module Records every SSH operation in the history. Secrets are masked and output cut
 * before anything is stored. The write to the local store happens before the job's answer
 * is sent (the handler awaits `record`), so an answered operation is on disk even if the
 * agent is killed right after. Operations that finish together share one transaction: the
 * record waits for the next turn of the event loop (or for BATCH_MAX others), then the
 * batch is written and every one of its callers resumes. A store that fails or hangs is
 * logged and never fails the SSH call, nor holds its answer longer than WAIT_MS.
 */
import type { ServedVm } from "../config.js";
import type { Logger } from "../log.js";
import { maskSecrets } from "./mask.js";
import { type OperationRecord, truncateForHistory } from "./record.js";
import type { HistoryStore } from "./store.js";

/** One finished operation as a job handler knows it. */
export interface Operation {
  job_id: string;
  caller: string;
  vm: ServedVm;
  command: string;
  /** The whole output as collected (the recorder keeps the first HISTORY_OUTPUT_CHARS). */
  stdout: string;
  stderr: string;
  return_code: number | null;
  duration_ms: number;
  /** Epoch milliseconds when it started. */
  startedAtMs: number;
  /**
   * Which of a job's commands on this VM it is, when a job runs several there (an install:
   * detection, query, install); each is its own record. Absent: the job's one command.
   */
  step?: number;
}

/** Records written in one transaction at most: a fan-out's results arriving together. */
export const BATCH_MAX = 100;
/** How long an answer waits for a store that neither writes nor fails. */
export const WAIT_MS = 5_000;

export class Recorder {
  private failures = 0;
  private queue: OperationRecord[] = [];
  private waiting: (() => void)[] = [];
  private scheduled = false;
  /** Called after each batch is written (the copy to Qdrant waits for it); its failure is its own. */
  onWritten: (() => void) | undefined;

  constructor(
    private readonly store: HistoryStore,
    private readonly log: Logger,
    private readonly waitMs = WAIT_MS,
  ) {}

  /** Resolves once the operation is written (or its write failed, logged); never rejects. */
  record(op: Operation): Promise<void> {
    let record: OperationRecord;
    try {
      record = recordOf(op);
    } catch (error) {
      this.failed(error, 1);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.queue.push(record);
      this.waiting.push(resolve);
      if (this.queue.length >= BATCH_MAX) void this.flush();
      else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => {
          this.scheduled = false;
          void this.flush();
        });
      }
    });
  }

  /** Writes what is queued now; resolves once it is written, failed or given up on. */
  flush(): Promise<void> {
    const batch = this.queue;
    const waiting = this.waiting;
    if (!batch.length) return Promise.resolve();
    this.queue = [];
    this.waiting = [];
    let written: Promise<unknown>;
    try {
      written = this.store.add(batch);
    } catch (error) {
      written = Promise.reject(error);
    }
    let timer: NodeJS.Timeout | undefined;
    const slow = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        this.log.warn("history_write_slow", { records: batch.length, waited_ms: this.waitMs });
        resolve();
      }, this.waitMs);
      // A hung store must not keep a stopping agent alive either.
      timer.unref();
    });
    const settled = written.then(
      () => this.written(),
      (error: unknown) => this.failed(error, batch.length),
    );
    return Promise.race([settled, slow]).then(() => {
      clearTimeout(timer);
      for (const resolve of waiting) resolve();
    });
  }

  private written(): void {
    try {
      this.onWritten?.();
    } catch (error) {
      this.log.warn("history_listener_failed", { error: (error as Error).message });
    }
  }

  /** Logs the first failed record, then one in every 100. */
  private failed(error: unknown, records: number): void {
    const before = this.failures;
    this.failures += records;
    if (Math.floor((before - 1) / 100) < Math.floor((this.failures - 1) / 100)) {
      this.log.warn("history_write_failed", { error: (error as Error).message, failures: this.failures });
    }
  }
}

function recordOf(op: Operation): OperationRecord {
  return {
    // Stable per operation, so a record written twice (a retried batch) is kept once.
    id: op.step ? `${op.job_id}:${op.vm.name}:${op.step}` : `${op.job_id}:${op.vm.name}`,
    job_id: op.job_id,
    caller: op.caller,
    vm: op.vm.name,
    host: op.vm.host,
    user: op.vm.user,
    command: maskSecrets(op.command),
    stdout: truncateForHistory(maskSecrets(op.stdout)),
    stderr: truncateForHistory(maskSecrets(op.stderr)),
    return_code: op.return_code,
    timestamp: op.startedAtMs / 1000,
    duration_ms: op.duration_ms,
  };
}
