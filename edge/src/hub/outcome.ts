/** @module What a dispatched job comes back as: a result, or a coded error with a safe message. */
import type { ErrorCode, Job, JobResult } from "@telecommande/shared";

/** A job as the edge asks for it, before the hub gives it an id: one shape per kind. */
export type JobSpec = DistributiveOmit<Job, "type" | "id">;

/** Omit on each member of a union, so each kind keeps its own fields. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type JobOutcome = { ok: true; result: JobResult } | { ok: false; code: ErrorCode; message: string };

export function failure(code: ErrorCode, message: string): JobOutcome {
  return { ok: false, code, message };
}
