/**
 * @module Every file operation lands in the history once, as a readable pseudo-command
 * (`sftp read /etc/hosts`): return code 0 and a one-line summary on success; on failure
 * return code 1 (null when the job was cancelled or timed out) and the error as stderr.
 * The content itself is never recorded: it may hold secrets.
 */
import { ERROR_CODES } from "@telecommande/shared";
import type { ServedVm } from "../config.js";
import { JobError } from "../errors.js";
import type { JobContext } from "../job-context.js";

/** The job's VM; the runner refused the job before its handler ran if it is not served. */
export function jobVm(ctx: JobContext): ServedVm {
  if (!ctx.vm) throw new JobError(ERROR_CODES.internal, "a file job reached its handler without its VM");
  return ctx.vm;
}

export interface Done<T> {
  result: T;
  /** One line for the history's stdout: `read 120 of 4096 bytes`. */
  summary: string;
}

export async function recorded<T>(
  ctx: JobContext,
  vm: ServedVm,
  command: string,
  work: () => Promise<Done<T>>,
): Promise<T> {
  const startedAtMs = Date.now();
  const started = performance.now();
  const duration = () => Math.round(performance.now() - started);
  try {
    const { result, summary } = await work();
    await ctx.record({
      vm,
      command,
      stdout: summary,
      stderr: "",
      return_code: 0,
      duration_ms: duration(),
      startedAtMs,
    });
    return result;
  } catch (err) {
    const reason = ctx.signal.aborted ? ctx.signal.reason : err;
    const message = reason instanceof Error ? reason.message : String(reason);
    const return_code = ctx.signal.aborted ? null : 1;
    await ctx.record({ vm, command, stdout: "", stderr: message, return_code, duration_ms: duration(), startedAtMs });
    throw err;
  }
}
