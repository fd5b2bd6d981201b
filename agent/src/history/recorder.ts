/**
 * @module Records every SSH operation in the history. Secrets are masked and output cut
 * before anything is stored. The write to the local store happens before the job's answer
 * is sent, so an answered operation is on disk even if the agent is killed right after; a
 * store that fails is logged and never fails or delays the SSH call beyond the write.
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
}

export class Recorder {
  private failures = 0;

  constructor(
    private readonly store: HistoryStore,
    private readonly log: Logger,
  ) {}

  /** Never throws; a failed write is logged (the first, then every 100th). */
  record(op: Operation): void {
    const record: OperationRecord = {
      id: `${op.job_id}:${op.vm.name}`,
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
    try {
      this.store.add([record]).catch((error: unknown) => this.failed(error));
    } catch (error) {
      this.failed(error);
    }
  }

  private failed(error: unknown): void {
    if (this.failures++ % 100 === 0) {
      this.log.warn("history_write_failed", { error: (error as Error).message, failures: this.failures });
    }
  }
}
