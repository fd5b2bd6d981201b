/**
 * @module How much work one hub takes at once. Each job in flight holds its answer's pieces
 * in the hub's memory (up to ~2 MiB for a command's output), so the hub bounds them: per
 * agent, and per caller on an agent so one user or runaway client cannot starve the others.
 * A refusal is `busy`, with a hint to retry: nothing was sent to the agent.
 */
import { failure, type JobOutcome } from "./outcome.js";

/** Jobs in flight on one agent, calls and background jobs together. */
export const MAX_JOBS_PER_AGENT = 1_000;
/** Jobs in flight for one caller on one agent. */
export const MAX_JOBS_PER_CALLER = 200;

export interface InFlight {
  total: number;
  /** Jobs in flight for the caller of the new job. */
  ofCaller: number;
}

/** Null when the job may start, else the `busy` refusal that names the limit. */
export function overLimit(agent: string, caller: string, now: InFlight): JobOutcome | null {
  if (now.total >= MAX_JOBS_PER_AGENT) {
    return failure(
      "busy",
      `agent "${agent}" is busy: ${now.total} jobs in flight, the most it takes (${MAX_JOBS_PER_AGENT}); retry in a few seconds`,
    );
  }
  if (now.ofCaller >= MAX_JOBS_PER_CALLER) {
    return failure(
      "busy",
      `too many jobs in flight for "${caller}" on agent "${agent}" (${MAX_JOBS_PER_CALLER}); wait for some to finish and retry in a few seconds`,
    );
  }
  return null;
}
