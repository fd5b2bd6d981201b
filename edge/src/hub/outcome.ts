/** @module What a dispatched job comes back as: a result, or a coded error with a safe message. */
import type { ErrorCode, Job, JobResult, VmOutcome } from "@telecommande/shared";

/** A job as the edge asks for it, before the hub gives it an id: one shape per kind. */
export type JobSpec = DistributiveOmit<Job, "type" | "id">;

/** Omit on each member of a union, so each kind keeps its own fields. */
export type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** A fan-out's per-VM outcomes, by VM name: all of them on success, those that arrived on failure. */
export type VmOutcomes = Record<string, VmOutcome>;

export type JobOutcome =
  | { ok: true; result: JobResult; vms?: VmOutcomes }
  | { ok: false; code: ErrorCode; message: string; vms?: VmOutcomes };

export function failure(code: ErrorCode, message: string, vms?: VmOutcomes): JobOutcome {
  return vms ? { ok: false, code, message, vms } : { ok: false, code, message };
}

/** What a watcher of a running job hears: the latest output of a live command, or one VM of a fan-out done. */
export type JobEvent =
  | { kind: "tail"; text: string }
  | { kind: "vm"; vm: string; ok: boolean; done: number; total: number };

/** Passed over RPC from the Worker to the hub, which calls it back as the job goes. */
export type JobWatcher = (event: JobEvent) => void | Promise<void>;

/** Tells the watcher, never waiting on it and never failing the job because of it. */
export function tell(watch: JobWatcher | undefined, event: JobEvent): void {
  if (!watch) return;
  try {
    Promise.resolve(watch(event)).catch(() => undefined);
  } catch {
    // A watcher that is gone (its call ended) must not disturb the job.
  }
}
