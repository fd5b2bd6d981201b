/** @module What the job runner is given, and what it keeps about each running job. */
import { ERROR_CODES, type Message } from "@telecommande/shared";
import type { AuditLog } from "./audit/audit-log.js";
import type { ServedVm } from "./config.js";
import { JobError } from "./errors.js";
import type { Recorder } from "./history/recorder.js";
import type { HistoryStore } from "./history/store.js";
import type { Logger } from "./log.js";
import type { SshPool } from "./ssh/pool.js";

export function isTimeout(reason: unknown): boolean {
  return reason instanceof JobError && reason.code === ERROR_CODES.timeout;
}

export interface JobRunnerOptions {
  agent: string;
  vms: ServedVm[];
  pool: SshPool;
  log: Logger;
  /**
   * Sends on the edge connection once it is ready (welcomed), and drops the message
   * otherwise: the journal keeps what a job's answer needs for the resend after a reconnect.
   */
  send: (message: Message) => void;
  chunkChars?: number;
  limitBytes?: number;
  /** How long jobs keep running without the edge before they are abandoned. */
  holdMs?: number;
  /** Bound of all journals together (see JOURNAL_MAX_BYTES). */
  journalMaxBytes?: number;
  /** The history of operations: history jobs read the store, every command is recorded. */
  history?: { store: HistoryStore; recorder: Recorder };
  /** The audit log: one line per job (per VM of a fan-out), refused ones included. */
  audit?: AuditLog;
}

export interface Running {
  controller: AbortController;
  /** The remote command is running: an abort now kills a process. */
  started: boolean;
  /** The exec request has gone out: the command may be running even before the server confirms it. */
  sent: boolean;
  settled: boolean;
  /** Abandoned (the edge is gone for good, or the agent stops): nothing more is sent for this job. */
  silent: boolean;
  /** The edge cancelled it and settled it on its side: its answer is not kept for a resend. */
  cancelled: boolean;
  /** Progress messages sent so far; numbers them and tells the edge how many to expect. */
  chunks: number;
}
