/**
 * @module Job control: runs `job` messages concurrently, bounds each by its timeout,
 * honours `cancel`, and guarantees exactly one `result` or `error` per job id.
 */
import { ERROR_CODES, type Job, type JobKind, type JobResult, type Message } from "@telecommande/shared";
import type { ServedVm } from "./config.js";
import { formatDuration, JobError, toJobError } from "./errors.js";
import type { JobContext } from "./job-context.js";
import { handlerFor, type JobHandler } from "./job-handlers.js";
import type { Logger } from "./log.js";
import { roundMs } from "./ssh/exec.js";
import type { SshPool } from "./ssh/pool.js";

function isTimeout(reason: unknown): boolean {
  return reason instanceof JobError && reason.code === ERROR_CODES.timeout;
}

export interface JobRunnerOptions {
  agent: string;
  vms: ServedVm[];
  pool: SshPool;
  log: Logger;
  /** Sends on the current edge connection; a dropped message is fine, the edge fails the job itself. */
  send: (message: Message) => void;
  chunkChars?: number;
  limitBytes?: number;
}

interface Running {
  controller: AbortController;
  /** The remote command is running: an abort now kills a process. */
  started: boolean;
  /** The exec request has gone out: the command may be running even before the server confirms it. */
  sent: boolean;
  settled: boolean;
  /** Set when the edge is gone: nothing more is sent for this job. */
  silent: boolean;
  /** Progress messages sent so far; numbers them and tells the edge how many to expect. */
  chunks: number;
}

export class JobRunner {
  private readonly running = new Map<string, Running>();
  private readonly vms: Map<string, ServedVm>;

  constructor(private readonly options: JobRunnerOptions) {
    this.vms = new Map(options.vms.map((vm) => [vm.name, vm]));
  }

  get size(): number {
    return this.running.size;
  }

  handle(job: Job): void {
    const { log, send } = this.options;
    if (this.running.has(job.id)) {
      // Answering with this id would settle the first job with the wrong outcome.
      log.warn("job_duplicate", { job_id: job.id });
      send({ type: "error", code: ERROR_CODES.badMessage, message: `job id "${job.id}" is already running` });
      return;
    }
    // A job on one VM needs that VM; a fan-out answers for each of its VMs on its own.
    const vm = "vm" in job ? this.vms.get(job.vm) : undefined;
    if ("vm" in job && !vm) {
      log.warn("job_rejected", { job_id: job.id, vm: job.vm, code: ERROR_CODES.unknownVm });
      send({ type: "error", id: job.id, code: ERROR_CODES.unknownVm, message: this.unknownVm(job.vm) });
      return;
    }
    this.start(job, vm);
  }

  private unknownVm(name: string): string {
    return `unknown VM "${name}": agent "${this.options.agent}" does not serve it`;
  }

  /** `cancel` from the edge: kill the remote process and answer `cancelled`. */
  cancel(id: string): void {
    const job = this.running.get(id);
    if (!job) {
      this.options.log.debug("cancel_unknown_job", { job_id: id });
      return;
    }
    const message = job.sent
      ? `job ${id} was cancelled; the remote process was killed`
      : `job ${id} was cancelled before the command started`;
    job.controller.abort(new JobError(ERROR_CODES.cancelled, message));
  }

  /** The edge connection is gone: abort everything (killing remote processes) and send nothing. */
  cancelAll(reason: string): void {
    for (const [id, job] of this.running) {
      job.silent = true;
      job.controller.abort(new JobError(ERROR_CODES.agentDisconnected, `job ${id} aborted: ${reason}`));
    }
  }

  private start(job: Job, vm: ServedVm | undefined): void {
    const { log } = this.options;
    const handler: JobHandler<JobKind> = handlerFor(job.kind);
    const startedAt = performance.now();
    const state: Running = {
      controller: new AbortController(),
      started: false,
      sent: false,
      settled: false,
      silent: false,
      chunks: 0,
    };
    this.running.set(job.id, state);
    const { signal } = state.controller;
    log.info("job_start", {
      job_id: job.id,
      vm: vm?.name,
      kind: job.kind,
      caller: job.caller,
      timeout_ms: job.timeout_ms,
      ...handler.describe?.(job as never),
    });

    const timer = handler.boundsItself
      ? undefined
      : setTimeout(() => {
          state.controller.abort(new JobError(ERROR_CODES.timeout, this.timeoutMessage(job, vm, state.sent)));
        }, job.timeout_ms);

    const finish = (outcome: { result: JobResult } | { error: JobError }) => {
      if (state.settled) return;
      state.settled = true;
      clearTimeout(timer);
      this.running.delete(job.id);
      const duration_ms = roundMs(performance.now() - startedAt);
      if ("result" in outcome) {
        const rc = outcome.result.kind === "exec" ? outcome.result.return_code : undefined;
        log.info("job_end", {
          job_id: job.id,
          vm: vm?.name,
          kind: job.kind,
          status: "ok",
          duration_ms,
          return_code: rc,
        });
        if (!state.silent)
          this.options.send({ type: "result", id: job.id, chunks: state.chunks, result: outcome.result });
      } else {
        const { code, message } = outcome.error;
        log.info("job_end", {
          job_id: job.id,
          vm: vm?.name,
          kind: job.kind,
          status: code,
          duration_ms,
          error: message,
        });
        if (!state.silent) this.options.send({ type: "error", id: job.id, code, message });
      }
    };

    // Abort answers at once, even while the job still waits on a connection that may never come;
    // but a command that is running answers a timeout with its output so far (collectExec resolves).
    signal.addEventListener(
      "abort",
      () => {
        if (state.started && handler.answersTimeout && isTimeout(signal.reason)) return;
        finish({ error: toJobError(signal.reason) });
      },
      { once: true },
    );
    /** Messages about a job stop once it has answered, or once its edge is gone. */
    const canSend = () => !state.settled && !state.silent;
    const context: JobContext = {
      vm,
      served: (name) => this.vms.get(name),
      unknownVm: (name) => this.unknownVm(name),
      pool: this.options.pool,
      signal,
      startedAt,
      sent: () => {
        state.sent = true;
      },
      started: () => {
        state.started = true;
      },
      progress: (stream, data) => {
        if (canSend()) this.options.send({ type: "progress", id: job.id, seq: state.chunks++, stream, data });
      },
      tail: (text) => {
        if (canSend()) this.options.send({ type: "tail", id: job.id, text });
      },
      vmDone: (name, outcome) => {
        if (!canSend()) return false;
        this.options.send({ type: "vm_result", id: job.id, vm: name, outcome });
        return true;
      },
      limitBytes: this.options.limitBytes,
      chunkChars: this.options.chunkChars,
    };
    handler.run(job as never, context).then(
      (result) => finish({ result }),
      (err) => finish({ error: toJobError(signal.aborted ? signal.reason : err) }),
    );
  }

  private timeoutMessage(job: Job, vm: ServedVm | undefined, started: boolean): string {
    const after = formatDuration(job.timeout_ms);
    if (!started) return `timed out after ${after} before the command could start (connecting to ${vm?.name})`;
    const what = job.kind === "distro" ? "distro detection" : "command";
    return `${what} timed out after ${after} and was killed`;
  }
}
