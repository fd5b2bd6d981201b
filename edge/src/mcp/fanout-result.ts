/**
 * @module Turns a fan-out's per-VM outcomes into ssh_run_parallel's answer: one entry per
 * VM in the call's order (a VM whose agent never answered gets that failure as its entry)
 * and the summary counts.
 */
import type { ErrorCode, ParallelVmResult, RunParallel, VmOutcome } from "@telecommande/shared";
import { FANOUT_ANSWER_BUDGET_BYTES, FANOUT_OUTPUT_MAX_BYTES } from "@telecommande/shared";
import type { JobOutcome } from "../hub/outcome.js";

/** Failures that mean the command never got to run on the VM. */
export const UNREACHABLE: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  "ssh_connect",
  "ssh_auth",
  "host_key_mismatch",
  "timeout",
  "agent_unavailable",
  "agent_disconnected",
  "unknown_vm",
]);

/**
 * Each VM's share of the answer's budget, per stream: by default 64 KiB for up to 32 VMs
 * (two streams each), never under 4 KiB. `cap` and `streams` for answers of another shape.
 */
export function outputLimitFor(vms: number, cap = FANOUT_OUTPUT_MAX_BYTES, streams = 2): number {
  const share = Math.floor(FANOUT_ANSWER_BUDGET_BYTES / (streams * Math.max(1, vms)));
  return Math.max(4_096, Math.min(cap, share));
}

/**
 * Adds one agent's part to `outcomes`: the VMs it answered for, and for the others of `vms`
 * the part's failure (agent offline, disconnected, …).
 */
export function fillMissing(
  outcomes: Map<string, VmOutcome>,
  vms: readonly string[],
  agent: string,
  outcome: JobOutcome,
  durationMs: number,
): void {
  for (const [name, vmOutcome] of Object.entries(outcome.vms ?? {})) outcomes.set(name, vmOutcome);
  const missing: { code: ErrorCode; message: string } = outcome.ok
    ? { code: "internal", message: `agent "${agent}" finished without an answer for this VM` }
    : { code: outcome.code, message: outcome.message };
  for (const name of vms) {
    if (!outcomes.has(name)) outcomes.set(name, { ok: false, ...missing, duration_ms: durationMs });
  }
}

export function entryFor(vm: string, outcome: VmOutcome): ParallelVmResult {
  if (!outcome.ok) {
    return {
      vm,
      status: "error",
      stdout: "",
      stderr: "",
      return_code: null,
      signal: null,
      duration_ms: outcome.duration_ms,
      error: outcome.message,
      stdout_truncated: false,
      stderr_truncated: false,
    };
  }
  const r = outcome.result;
  return {
    vm,
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    return_code: r.status === "executed" && r.signal === null ? r.return_code : null,
    signal: r.signal,
    duration_ms: r.duration_ms,
    error: r.error,
    stdout_truncated: r.stdout_truncated,
    stderr_truncated: r.stderr_truncated,
  };
}

export function summarize(
  command: string,
  answers: { vm: string; outcome: VmOutcome }[],
  durationMs: number,
): { answer: RunParallel; allSucceeded: boolean } {
  const summary = {
    total: answers.length,
    succeeded: 0,
    failed: 0,
    timed_out: 0,
    unreachable: 0,
    duration_ms: durationMs,
  };
  const results = answers.map(({ vm, outcome }) => {
    const entry = entryFor(vm, outcome);
    if (!outcome.ok) {
      if (UNREACHABLE.has(outcome.code)) summary.unreachable++;
      else summary.failed++;
    } else if (entry.status === "timeout") summary.timed_out++;
    else if (entry.status === "executed" && entry.return_code === 0) summary.succeeded++;
    else summary.failed++;
    return entry;
  });
  return { answer: { command, summary, results }, allSucceeded: summary.succeeded === summary.total };
}
