/**
 * @module Fan-out jobs: one command on many VMs of this agent, at most `max_parallel` at
 * once, each VM bounded by its own timeout. Every VM's outcome is sent the moment it is
 * known, so a slow, silent or dead VM never holds back the others' answers.
 */
import { ERROR_CODES, type FanoutResult, type JobOf, type VmOutcome } from "@telecommande/shared";
import { formatDuration, JobError, toJobError } from "./errors.js";
import { operationOf } from "./history/operation.js";
import type { JobContext } from "./job-context.js";
import { taskContext } from "./ops/context.js";
import { runTask } from "./ops/index.js";
import { collectExec, roundMs } from "./ssh/exec.js";
import { wrapCommand } from "./ssh/quote.js";

export async function runFanout(job: JobOf<"fanout">, ctx: JobContext): Promise<FanoutResult> {
  // A command the remote kernel would refuse fails the whole job once, not each VM.
  if (!job.task) wrapCommand(job.command);
  const queue = [...new Set(job.vms)];
  let count = 0;
  const worker = async () => {
    for (let name = queue.shift(); name !== undefined && !ctx.signal.aborted; name = queue.shift()) {
      const outcome = await runOnOneVm(name, job, ctx);
      if (ctx.vmDone(name, outcome)) count++;
    }
  };
  ctx.started();
  await Promise.all(Array.from({ length: Math.min(job.max_parallel, queue.length) }, worker));
  return { kind: "fanout", count };
}

async function runOnOneVm(name: string, job: JobOf<"fanout">, ctx: JobContext): Promise<VmOutcome> {
  const startedAt = performance.now();
  const failed = (err: JobError): VmOutcome => ({
    ok: false,
    code: err.code,
    message: err.message,
    duration_ms: roundMs(performance.now() - startedAt),
  });
  const vm = ctx.served(name);
  if (!vm) return failed(new JobError(ERROR_CODES.unknownVm, ctx.unknownVm(name)));

  const controller = new AbortController();
  const onJobAbort = () => controller.abort(ctx.signal.reason);
  ctx.signal.addEventListener("abort", onJobAbort, { once: true });
  let running = false;
  const after = formatDuration(job.timeout_ms);
  const timer = setTimeout(() => {
    const message = running
      ? `command timed out after ${after} and was killed`
      : `timed out after ${after} before the command could start (connecting to ${name})`;
    controller.abort(new JobError(ERROR_CODES.timeout, message));
  }, job.timeout_ms);
  try {
    if (job.task) {
      const limitBytes = job.output_limit_bytes;
      const onRunning = () => {
        running = true;
      };
      const { report, result } = await runTask(
        job.task,
        taskContext(ctx, { vm, signal: controller.signal, limitBytes, onRunning }),
      );
      // The report carries what the caller asked for; the raw output would only double it.
      return { ok: true, result: { ...result, stdout: "", stdout_truncated: false }, report };
    }
    const opened = await ctx.pool.open(vm, wrapCommand(job.command), controller.signal);
    running = true;
    // A timeout once running resolves with the output so far and status `timeout`.
    const result = await collectExec(opened, {
      signal: controller.signal,
      startedAt,
      limitBytes: job.output_limit_bytes,
    });
    // Written before this VM's outcome is sent; VMs finishing together share one transaction.
    await ctx.record(operationOf(vm, job.command, result));
    return { ok: true, result };
  } catch (err) {
    return failed(toJobError(controller.signal.aborted ? controller.signal.reason : err));
  } finally {
    clearTimeout(timer);
    ctx.signal.removeEventListener("abort", onJobAbort);
  }
}
