/**
 * @module How much work one hub takes at once. Each job in flight holds its answer's pieces
 * in the hub's memory (up to ~2 MiB for a command's output), so the hub bounds them: per
 * agent, and per caller on an agent so one user or runaway client cannot starve the others.
 * A refusal is `busy`, with a hint to retry: nothing was sent to the agent.
 */
import { failure, type JobOutcome } from "./outcome.js";

/** Jobs in flight on one agent, calls and background jobs together. */
export const MAX_JOBS_PER_AGENT = 2_000;
/** Jobs in flight for one caller on one agent. */
export const MAX_JOBS_PER_CALLER = 500;

/**
 * Answer bytes (output chunks, VM outcomes, results) a hub holds for jobs in flight. A
 * Durable Object has 128 MB; past this new jobs wait for the held answers to go out. The
 * Worker var HUB_MAX_ANSWER_BYTES changes it.
 */
export const DEFAULT_HUB_MAX_BYTES = 64 * 1024 * 1024;

export function hubMaxBytes(setting: string | undefined): number {
  const n = Number(setting);
  return Number.isInteger(n) && n > 0 ? n : DEFAULT_HUB_MAX_BYTES;
}

export interface InFlight {
  total: number;
  /** Jobs in flight for the caller of the new job. */
  ofCaller: number;
  /** Answer bytes held for jobs in flight. */
  bytes: number;
}

/** Null when the job may start, else the `busy` refusal that names the limit. */
export function overLimit(agent: string, caller: string, now: InFlight, maxBytes: number): JobOutcome | null {
  if (now.total >= MAX_JOBS_PER_AGENT) {
    return failure(
      "busy",
      `agent "${agent}" is busy: ${now.total} jobs in flight, the most it takes (${MAX_JOBS_PER_AGENT}); retry in a few seconds`,
    );
  }
  if (now.bytes >= maxBytes) {
    const mib = (now.bytes / 1_048_576).toFixed(0);
    return failure(
      "busy",
      `agent "${agent}" is busy: ${mib} MiB of answers in flight, the most its hub holds; retry in a few seconds`,
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
