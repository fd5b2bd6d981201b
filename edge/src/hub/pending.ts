/**
 * @module A job the hub is waiting on: the pieces of its answer as they arrive (output
 * chunks, a fan-out's VM outcomes, the result) and when they add up to the whole answer.
 */
import type { JobResult, VmOutcome } from "@telecommande/shared";
import type { JobOutcome, JobSpec, JobWatcher } from "./outcome.js";

export interface Chunk {
  stream: "stdout" | "stderr";
  data: string;
}

export interface Pending {
  /** The connection it was sent on, or that claimed it after a reconnect. */
  conn: string | null;
  /** A call waiting for the answer (a background job has none). */
  resolve?: (outcome: JobOutcome) => void;
  /** A background job: every piece is also written to the hub's store. */
  stored: boolean;
  /** When the agent must have answered (Date.now() scale). */
  deadline: number;
  timer?: ReturnType<typeof setTimeout>;
  /** Its connection dropped at this time; the agent has RECONNECT_GRACE_MS to claim it. */
  orphanedAt?: number;
  graceTimer?: ReturnType<typeof setTimeout>;
  /** Output chunks by sequence number; they may arrive in any order. */
  chunks: Map<number, Chunk>;
  /** A fan-out's VM outcomes as they arrive. */
  vms: Map<string, VmOutcome>;
  /** VMs the fan-out names (for progress), 0 for other jobs. */
  total: number;
  /** Someone watching the job: hears its tail and each VM done. */
  watch?: JobWatcher;
  /** Answer bytes held for it (chunks, VM outcomes, result), counted against the hub's memory. */
  bytes?: number;
  /** The MCP user it runs for: the hub bounds each caller's jobs in flight. */
  caller?: string;
  /** The MCP call it serves (see callKey): a cancellation of that call ends it. */
  call?: string;
  /** The result, held until all the chunks (and VM outcomes) it announces have arrived. */
  final?: { result: JobResult; chunks: number };
  /** Started when the result came before all its pieces: stragglers get this long (LATE_PIECES_MS). */
  lateTimer?: ReturnType<typeof setTimeout>;
}

/**
 * How long the hub waits, once a result has come, for the output chunks or VM outcomes it
 * announces. Frames reorder by milliseconds; a piece missing after this was lost, and the
 * answer goes out with what came (marked incomplete) instead of waiting for the job's whole
 * timeout and throwing the result away.
 */
export const LATE_PIECES_MS = 2_000;

/** A job just sent (or revived from the store): no pieces yet unless given. */
export function newPending(
  fields: Pick<Pending, "conn" | "stored" | "deadline"> & Partial<Pending> & { spec: JobSpec },
): Pending {
  const { spec, ...rest } = fields;
  return { chunks: new Map(), vms: new Map(), total: fanoutTotal(spec), caller: spec.caller, ...rest };
}

/** Output streamed in progress chunks comes first, in sequence order; the result carries the rest. */
export function withOutput(result: JobResult, chunks: Map<number, Chunk>): JobResult {
  if (result.kind !== "exec" || !chunks.size) return result;
  const ordered = [...chunks.entries()].sort(([a], [b]) => a - b).map(([, chunk]) => chunk);
  const join = (stream: Chunk["stream"]) =>
    ordered
      .filter((c) => c.stream === stream)
      .map((c) => c.data)
      .join("");
  return { ...result, stdout: join("stdout") + result.stdout, stderr: join("stderr") + result.stderr };
}

/**
 * The answer with the pieces that came, once stragglers are given up: an exec's output has
 * gaps, so it is marked truncated; a fan-out's missing VMs are filled in by the edge.
 */
export function incompleteOutcome(job: Pending): JobOutcome | null {
  if (!job.final) return null;
  const result = withOutput(job.final.result, job.chunks);
  if (result.kind !== "exec") return { ok: true, result };
  return { ok: true, result: { ...result, stdout_truncated: true, stderr_truncated: true } };
}

/** The whole answer once the result and every chunk and VM outcome it announces are in. */
export function completeOutcome(job: Pending): JobOutcome | null {
  if (!job.final || job.chunks.size < job.final.chunks) return null;
  const { result } = job.final;
  if (result.kind === "fanout" && job.vms.size < result.count) return null;
  return { ok: true, result: withOutput(result, job.chunks) };
}

/**
 * Slack per wave of a fan-out: each VM's own timer covers connecting and running, but a
 * timed-out command still gets its SIGTERM grace (up to 3 s) before it reports.
 */
const WAVE_SLACK_MS = 10_000;

/** Extra time the edge waits beyond a job's own timeout, for the agent to report it. */
const GRACE_MS = 5_000;

/** How long the agent may take: a fan-out runs its VMs in waves of max_parallel, each bounded. */
export function jobDeadlineMs(spec: JobSpec): number {
  if (spec.kind !== "fanout") return spec.timeout_ms + GRACE_MS;
  const waves = Math.ceil(new Set(spec.vms).size / spec.max_parallel);
  return waves * (spec.timeout_ms + WAVE_SLACK_MS) + GRACE_MS;
}

/** VMs a job names, for progress: a fan-out's distinct VMs, 0 for one-VM jobs. */
export function fanoutTotal(spec: JobSpec): number {
  return spec.kind === "fanout" ? new Set(spec.vms).size : 0;
}
