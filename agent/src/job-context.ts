/** @module What a job handler gets from the runner: its VM(s), the pool, its abort signal and ways to report. */
import type { VmOutcome } from "@telecommande/shared";
import type { ServedVm } from "./config.js";
import type { Operation } from "./history/recorder.js";
import type { HistoryStore } from "./history/store.js";
import type { StreamName } from "./ssh/exec.js";
import type { SshPool } from "./ssh/pool.js";

export interface JobContext {
  /** The job's VM, for the kinds that name one (checked served before the handler runs). */
  vm: ServedVm | undefined;
  /** A VM this agent serves, by name (fan-out). */
  served: (name: string) => ServedVm | undefined;
  /** The message for a VM this agent does not serve. */
  unknownVm: (name: string) => string;
  pool: SshPool;
  signal: AbortSignal;
  /** performance.now() when the job arrived. */
  startedAt: number;
  /** The exec request has gone out: from here a cancel may stop a running command. */
  sent: () => void;
  /** The server confirmed the command runs: its output is being collected. */
  started: () => void;
  /** Streams output while it arrives (exec only). */
  progress: (stream: StreamName, data: string) => void;
  /** Sends the latest output of a live job (a display, not the output). */
  tail: (text: string) => void;
  /** Sends one VM's outcome of a fan-out; false once the job is over (nothing was sent). */
  vmDone: (vm: string, outcome: VmOutcome) => boolean;
  /** Facts this agent remembers about one VM while it runs (an operations task's package manager, …). */
  memo: (vm: string) => Map<string, string>;
  limitBytes?: number;
  chunkChars?: number;
  /** The agent's history of operations, when it keeps one. */
  history?: HistoryStore;
  /**
   * Records a finished command in the history (nothing when the agent keeps none). Await it
   * before answering: it resolves once the operation is written; it never rejects.
   */
  record: (op: Omit<Operation, "job_id" | "caller">) => Promise<void>;
}
