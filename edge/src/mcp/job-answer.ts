/**
 * @module ssh_job_status's answer from a background job's parts (one per agent): its state,
 * progress, and the starting tool's own answer, built as the foreground call builds it.
 */
import type { JobState, JobStatus, VmOutcome } from "@telecommande/shared";
import { runCommandTool } from "@telecommande/shared";
import type { JobPart } from "../hub/background.js";
import type { JobOutcome } from "../hub/outcome.js";
import { commandAnswer, commandSucceeded } from "./command-answer.js";
import { fillMissing, summarize } from "./fanout-result.js";

/** How an ended job's failure reads as a state. */
function failedState(outcome: Extract<JobOutcome, { ok: false }>): JobState {
  if (outcome.code === "cancelled") return "cancelled";
  return outcome.code === "timeout" ? "timed_out" : "failed";
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

type Body = Pick<JobStatus, "state" | "progress" | "output_tail" | "error" | "result">;

function commandBody(part: JobPart): Body {
  const total = { total: 1 };
  if (!part.outcome)
    return { state: "running", progress: { done: 0, ...total }, output_tail: part.tail, error: null, result: null };
  const progress = { done: 1, ...total };
  if (!part.outcome.ok) {
    return { state: failedState(part.outcome), progress, output_tail: null, error: part.outcome.message, result: null };
  }
  const r = part.outcome.result;
  if (r.kind !== "exec")
    return { state: "failed", progress, output_tail: null, error: "unexpected result", result: null };
  const state: JobState = commandSucceeded(r) ? "succeeded" : r.status === "timeout" ? "timed_out" : "failed";
  const vm = part.meta.targets[0] ?? "";
  return { state, progress, output_tail: null, error: null, result: commandAnswer(part.meta.command, vm, r) };
}

function fanoutBody(parts: JobPart[], durationMs: number): Body {
  const outcomes = new Map<string, VmOutcome>();
  let cancelled: string | null = null;
  for (const part of parts) {
    const vms = part.spec.kind === "fanout" ? part.spec.vms : [];
    // A running part has only the VMs done so far; an ended one answers for all of its VMs.
    if (!part.outcome) for (const [vm, o] of Object.entries(part.vms)) outcomes.set(vm, o);
    else
      fillMissing(
        outcomes,
        vms,
        "",
        { ...part.outcome, vms: part.vms },
        (part.endedAt ?? part.startedAt) - part.startedAt,
      );
    if (part.outcome && !part.outcome.ok && part.outcome.code === "cancelled") cancelled = part.outcome.message;
  }
  const { meta } = parts[0] as JobPart;
  const answers = meta.targets.flatMap((vm) => {
    const outcome = outcomes.get(vm);
    return outcome ? [{ vm, outcome }] : [];
  });
  const { answer, allSucceeded } = summarize(meta.command, answers, durationMs);
  const running = parts.some((p) => !p.outcome);
  const { summary } = answer;
  answer.summary.total = meta.targets.length;
  let state: JobState = "failed";
  if (running) state = "running";
  else if (cancelled) state = "cancelled";
  else if (allSucceeded && answers.length === meta.targets.length) state = "succeeded";
  else if (summary.timed_out && summary.succeeded + summary.timed_out === summary.total) state = "timed_out";
  const progress = { done: answers.length, total: meta.targets.length };
  return { state, progress, output_tail: null, error: cancelled, result: answer };
}

export function jobAnswer(jobId: string, parts: JobPart[], now: number): JobStatus {
  const { meta } = parts[0] as JobPart;
  const startedAt = Math.min(...parts.map((p) => p.startedAt));
  const ends = parts.map((p) => p.endedAt);
  const endedAt = ends.some((e) => e === null) ? null : Math.max(...(ends as number[]));
  const durationMs = (endedAt ?? now) - startedAt;
  const body = meta.tool === runCommandTool.name ? commandBody(parts[0] as JobPart) : fanoutBody(parts, durationMs);
  return {
    job_id: jobId,
    tool: meta.tool,
    command: meta.command,
    vms: meta.targets,
    started_at: iso(startedAt) as string,
    ended_at: iso(endedAt),
    duration_ms: durationMs,
    ...body,
  };
}
