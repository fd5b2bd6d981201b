/**
 * @module Turns the per-VM outcomes of an operations fan-out (install, health, logs) into
 * the tool's answer: one flat entry per VM — its status, why it failed, and the fields of
 * its report — plus summary counts.
 */
import type { OpName, ReportOf, VmOutcome } from "@telecommande/shared";
import { UNREACHABLE } from "./fanout-result.js";

export type VmStatus = "ok" | "failed" | "unreachable";

export interface VmBase {
  vm: string;
  status: VmStatus;
  error: string | null;
  duration_ms: number;
}

export interface FleetSummary {
  total: number;
  ok: number;
  failed: number;
  unreachable: number;
  duration_ms: number;
}

/** A report's fields without its `op` tag: what a VM's entry carries. */
export type ReportFields<O extends OpName> = Omit<ReportOf<O>, "op">;

/**
 * One entry per VM: a VM that never ran gets `empty` as its fields; one whose report came
 * back is `failed` when its task said so (the result's error) or it did not end normally.
 */
export function opsEntries<O extends OpName>(
  op: O,
  answers: { vm: string; outcome: VmOutcome }[],
  empty: (why: string) => ReportFields<O>,
): (VmBase & ReportFields<O>)[] {
  return answers.map(({ vm, outcome }) => {
    if (!outcome.ok) {
      const status: VmStatus = UNREACHABLE.has(outcome.code) ? "unreachable" : "failed";
      return { vm, status, error: outcome.message, duration_ms: outcome.duration_ms, ...empty(outcome.message) };
    }
    const { result, report } = outcome;
    if (!report || report.op !== op) {
      const why = "the agent answered without this tool's report (an agent older than the edge?)";
      return { vm, status: "failed", error: why, duration_ms: result.duration_ms, ...empty(why) };
    }
    const { op: _op, ...fields } = report as ReportOf<O>;
    const error = result.error ?? (result.status === "executed" ? null : `ended with status ${result.status}`);
    return { vm, status: error ? "failed" : "ok", error, duration_ms: result.duration_ms, ...fields } as VmBase &
      ReportFields<O>;
  });
}

export function fleetSummary(entries: readonly VmBase[], durationMs: number): FleetSummary {
  const count = (status: VmStatus) => entries.filter((e) => e.status === status).length;
  return {
    total: entries.length,
    ok: count("ok"),
    failed: count("failed"),
    unreachable: count("unreachable"),
    duration_ms: durationMs,
  };
}
