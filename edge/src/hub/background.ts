/**
 * @module Background jobs on the hub's side: the record a start writes (also when the job
 * cannot start, so a fan-out's status still shows that agent's VMs) and a job's part as its
 * caller reads it.
 */
import type { VmOutcome } from "@telecommande/shared";
import { type JobMeta, type JobStore, MAX_RUNNING, type StoredJob } from "./job-store.js";
import { failure, type JobOutcome, type JobSpec } from "./outcome.js";
import { jobDeadlineMs, withOutput } from "./pending.js";

/** What the Worker gives a hub to start a background job: the public id is the agent's job id. */
export interface BackgroundStart {
  id: string;
  caller: string;
  meta: JobMeta;
}

/** One agent's part of a background job. */
export interface JobPart {
  meta: JobMeta;
  spec: JobSpec;
  startedAt: number;
  endedAt: number | null;
  /** Latest output lines while a command runs. */
  tail: string | null;
  /** Once ended: the whole answer, output included. */
  outcome: JobOutcome | null;
  /** A fan-out's VMs done so far (all of them once it ended well). */
  vms: Record<string, VmOutcome>;
}

type NewRecord = Parameters<JobStore["create"]>[0];

export function startRecord(
  store: JobStore,
  agent: string,
  spec: JobSpec,
  start: BackgroundStart,
  conn: string | undefined,
): { record: NewRecord; refusal: JobOutcome | null } {
  const now = Date.now();
  let refusal: JobOutcome | null = null;
  if (!conn) refusal = failure("agent_unavailable", `agent "${agent}" is not connected`);
  else if (store.runningCount() >= MAX_RUNNING) {
    refusal = failure("busy", `agent "${agent}" already runs ${MAX_RUNNING} background jobs; try again when some end`);
  }
  const record: NewRecord = {
    id: start.id,
    caller: start.caller,
    meta: start.meta,
    spec,
    startedAt: now,
    deadline: now + jobDeadlineMs(spec),
    conn: conn ?? null,
    outcome: refusal,
  };
  return { record, refusal };
}

/** A job's part for its caller; null for anyone else, as for an id that does not exist. */
export function partOf(store: JobStore, id: string, caller: string): JobPart | null {
  const job: StoredJob | null = store.get(id);
  if (!job || job.caller !== caller) return null;
  const { chunks, vms } = store.pieces(id);
  let outcome = job.outcome;
  if (outcome?.ok) outcome = { ok: true, result: withOutput(outcome.result, chunks) };
  return {
    meta: job.meta,
    spec: job.spec,
    startedAt: job.startedAt,
    endedAt: job.endedAt,
    tail: job.tail,
    outcome,
    vms: Object.fromEntries(vms),
  };
}
