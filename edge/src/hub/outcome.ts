/** @module What a dispatched job comes back as: a result, or a coded error with a safe message. */
import type { ErrorCode, Job, JobResult } from "@telecommande/shared";

export type JobSpec = Omit<Job, "type" | "id">;

export type JobOutcome = { ok: true; result: JobResult } | { ok: false; code: ErrorCode; message: string };

export function failure(code: ErrorCode, message: string): JobOutcome {
  return { ok: false, code, message };
}
