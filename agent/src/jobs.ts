/**
 * @module Job control: runs `job` messages concurrently, bounds each by its timeout,
 * honours `cancel`, and guarantees exactly one `result` or `error` per job id.
 * Jobs outlive a dropped edge connection: they keep running for a while (AGENT_HOLD_MS),
 * and what was sent for them is sent again once the edge is back, until it acknowledges.
 */
import { ERROR_CODES, type Job, type JobKind, type JobResult } from "@telecommande/shared";
import { resultOutcome } from "./audit/audit-log.js";
import type { ServedVm } from "./config.js";
import { JobError, jobTimeoutMessage, toJobError } from "./errors.js";
import type { JobContext } from "./job-context.js";
import { handlerFor, type JobHandler } from "./job-handlers.js";
import { JobHold } from "./job-hold.js";
import { JobJournal, type JournalMessage } from "./job-journal.js";
import { isTimeout, type JobRunnerOptions, type Running } from "./job-state.js";
import { roundMs } from "./ssh/exec.js";

export type { JobRunnerOptions } from "./job-state.js";

export class JobRunner {
  private readonly running = new Map<string, Running>();
  private readonly memos = new Map<string, Map<string, string>>();
  /** Why new jobs are refused, once the agent is stopping. */
  private closing: string | undefined;
  private readonly vms: Map<string, ServedVm>;
  private readonly journal: JobJournal;
  private readonly hold: JobHold;

  constructor(private readonly options: JobRunnerOptions) {
    this.vms = new Map(options.vms.map((vm) => [vm.name, vm]));
    this.journal = new JobJournal({ log: options.log, maxBytes: options.journalMaxBytes });
    this.hold = new JobHold({
      log: options.log,
      holdMs: options.holdMs,
      onExpire: (reason) => {
        options.log.warn("jobs_abandoned", { count: this.running.size, reason });
        this.cancelAll(reason);
      },
    });
  }

  /** Jobs running now. */
  get size(): number {
    return this.running.size;
  }

  /** For `hello.jobs`: jobs running, and ended ones whose answer the edge has not acknowledged. */
  heldJobs(): string[] {
    return [...new Set([...this.running.keys(), ...this.journal.ids()])];
  }

  handle(job: Job): void {
    const { log, send } = this.options;
    if (this.closing) {
      log.warn("job_rejected", { job_id: job.id, code: ERROR_CODES.agentUnavailable, reason: this.closing });
      this.options.audit?.denied(job, ERROR_CODES.agentUnavailable, this.closing);
      this.emit(job.id, { type: "error", id: job.id, code: ERROR_CODES.agentUnavailable, message: this.closing });
      return;
    }
    if (this.running.has(job.id) || this.journal.has(job.id)) {
      // Answering with this id would settle the first job with the wrong outcome.
      log.warn("job_duplicate", { job_id: job.id });
      const message = this.running.has(job.id)
        ? `job id "${job.id}" is already running`
        : `job id "${job.id}" already ran and its answer awaits the edge's acknowledgement`;
      this.options.audit?.denied(job, ERROR_CODES.badMessage, message);
      send({ type: "error", code: ERROR_CODES.badMessage, message });
      return;
    }
    // A job on one VM needs that VM; a fan-out answers for each of its VMs on its own.
    const vm = "vm" in job ? this.vms.get(job.vm) : undefined;
    if ("vm" in job && !vm) {
      log.warn("job_rejected", { job_id: job.id, vm: job.vm, code: ERROR_CODES.unknownVm });
      this.options.audit?.denied(job, ERROR_CODES.unknownVm, this.unknownVm(job.vm));
      this.emit(job.id, { type: "error", id: job.id, code: ERROR_CODES.unknownVm, message: this.unknownVm(job.vm) });
      return;
    }
    this.start(job, vm);
  }

  /** Keeps the message for a resend after a reconnect, and sends it now if the edge is there. */
  private emit(id: string, message: JournalMessage): void {
    this.journal.record(id, message);
    this.options.send(message);
  }

  private unknownVm(name: string): string {
    return `unknown VM "${name}": agent "${this.options.agent}" does not serve it`;
  }

  /**
   * `cancel` from the edge: kill the remote process and answer `cancelled`. The hub has
   * settled the job already, so nothing of it is kept once it ends; a job that had ended
   * already is simply forgotten (the hub cancels ids of a `hello` that it no longer knows).
   */
  cancel(id: string): void {
    const job = this.running.get(id);
    if (!job) {
      if (this.journal.drop(id)) this.options.log.debug("journal_dropped", { job_id: id, reason: "cancel" });
      else this.options.log.debug("cancel_unknown_job", { job_id: id });
      return;
    }
    job.cancelled = true;
    const message = job.sent
      ? `job ${id} was cancelled; the remote process was killed`
      : `job ${id} was cancelled before the command started`;
    job.controller.abort(new JobError(ERROR_CODES.cancelled, message));
  }

  /** `ack` from the edge: it has the job's whole answer, so the job is forgotten. */
  ack(id: string): void {
    if (this.running.has(id)) {
      // Only an ended job's answer is whole; keep journaling until it ends.
      this.options.log.debug("ack_running_job", { job_id: id });
      return;
    }
    if (!this.journal.drop(id)) this.options.log.debug("ack_unknown_job", { job_id: id });
  }

  /** The agent is stopping: every job that arrives from now on is refused with `reason`. */
  refuseNew(reason: string): void {
    this.closing = reason;
  }

  /** Stops every running job, each answering the edge with `message` (unlike cancelAll). */
  stopRunning(message: string): number {
    const jobs = [...this.running.values()];
    for (const job of jobs) job.controller.abort(new JobError(ERROR_CODES.cancelled, message));
    return jobs.length;
  }

  /**
   * The agent stops: abort everything (killing remote processes), send nothing more and
   * keep nothing for a resend.
   */
  cancelAll(reason: string): void {
    this.hold.clear();
    for (const [id, job] of this.running) {
      job.silent = true;
      job.controller.abort(new JobError(ERROR_CODES.agentDisconnected, `job ${id} aborted: ${reason}`));
    }
    this.journal.clear();
  }

  /**
   * The edge connection is gone (or an attempt to get it back failed): jobs keep running,
   * their messages only journaled, until it is ready again or the hold runs out.
   */
  disconnected(reason: string): void {
    if (this.running.size > 0 || this.journal.ids().length > 0) this.hold.start(this.running.size, reason);
  }

  /**
   * The edge connection is ready again (welcomed): the hub now routes these jobs to it, so
   * every held job's messages go out again in order, before any new live message.
   */
  connected(): void {
    this.hold.clear();
    const jobs = this.journal.ids().length;
    const messages = this.journal.replay(this.options.send);
    if (jobs > 0 || this.running.size > 0) {
      this.options.log.info("jobs_resent", { running_jobs: this.running.size, jobs, messages });
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
      cancelled: false,
      chunks: 0,
    };
    this.running.set(job.id, state);
    const audit = this.options.audit?.begin(job);
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
          state.controller.abort(new JobError(ERROR_CODES.timeout, jobTimeoutMessage(job, vm?.name, state.sent)));
        }, job.timeout_ms);

    const finish = (outcome: { result: JobResult } | { error: JobError }) => {
      if (state.settled) return;
      state.settled = true;
      clearTimeout(timer);
      this.running.delete(job.id);
      const duration_ms = roundMs(performance.now() - startedAt);
      const ended = (fields: Record<string, unknown>) =>
        log.info("job_end", { job_id: job.id, vm: vm?.name, kind: job.kind, ...fields });
      if ("result" in outcome) {
        const rc = outcome.result.kind === "exec" ? outcome.result.return_code : undefined;
        ended({ status: "ok", duration_ms, return_code: rc });
        audit?.end(resultOutcome(outcome.result), duration_ms);
        this.answer(job.id, state, { type: "result", id: job.id, chunks: state.chunks, result: outcome.result });
      } else {
        const { code, message } = outcome.error;
        ended({ status: code, duration_ms, error: message });
        audit?.end({ code, message }, duration_ms);
        this.answer(job.id, state, { type: "error", id: job.id, code, message });
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
        if (canSend()) this.emit(job.id, { type: "progress", id: job.id, seq: state.chunks++, stream, data });
      },
      tail: (text) => {
        if (canSend()) this.options.send({ type: "tail", id: job.id, text });
      },
      vmDone: (name, outcome) => {
        if (!canSend()) return false;
        this.emit(job.id, { type: "vm_result", id: job.id, vm: name, outcome });
        audit?.vm(name, outcome);
        return true;
      },
      memo: (name) => this.memos.get(name) ?? (this.memos.set(name, new Map()).get(name) as Map<string, string>),
      limitBytes: this.options.limitBytes,
      chunkChars: this.options.chunkChars,
      history: this.options.history?.store,
      record: async (op) => this.options.history?.recorder.record({ ...op, job_id: job.id, caller: job.caller }),
    };
    handler.run(job as never, context).then(
      (result) => finish({ result }),
      (err) => finish({ error: toJobError(signal.aborted ? signal.reason : err) }),
    );
  }

  /**
   * The job's one result or error. A cancelled job's hub settled it when it cancelled: it
   * hears how the job ended, but nothing is kept for a resend; an abandoned one hears nothing.
   */
  private answer(id: string, state: Running, message: Extract<JournalMessage, { type: "result" | "error" }>): void {
    if (state.silent || state.cancelled) this.journal.drop(id);
    else this.journal.record(id, message);
    if (!state.silent) this.options.send(message);
  }
}
