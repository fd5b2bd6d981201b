/**
 * @module History questions go to every agent that serves a VM the caller may use, each
 * limited to those VMs; the answers are merged here (by score, by count, by time), so one
 * answer covers the whole fleet and nothing of anyone else's VMs.
 */
import type { HistoryAnswer, HistoryQuery, HistoryStats, HistorySuggestion } from "@telecommande/shared";
import type { ToolDeps } from "./deps.js";
import { byAgent } from "./targets.js";

/** How long an agent may take to answer a history question. */
const HISTORY_TIMEOUT_MS = 15_000;

type Question = HistoryQuery extends infer Q ? (Q extends HistoryQuery ? Omit<Q, "vms"> : never) : never;

export interface Asked<A> {
  answers: A[];
  /** Why some agents' VMs are missing from the answer (offline, failed); empty when none are. */
  warnings: string[];
}

export async function askHistory<O extends HistoryAnswer["op"]>(
  deps: ToolDeps,
  question: Question & { op: O },
): Promise<Asked<Extract<HistoryAnswer, { op: O }>>> {
  const parts = [...byAgent(deps.caller.vms)];
  const outcomes = await Promise.all(
    parts.map(([agent, vms]) =>
      deps.runJob(agent, {
        kind: "history",
        caller: deps.caller.name,
        timeout_ms: HISTORY_TIMEOUT_MS,
        query: { ...question, vms: vms.map((vm) => vm.name) } as HistoryQuery,
      }),
    ),
  );
  const asked: Asked<Extract<HistoryAnswer, { op: O }>> = { answers: [], warnings: [] };
  outcomes.forEach((outcome, i) => {
    const [agent, vms] = parts[i] as (typeof parts)[number];
    if (outcome.ok && outcome.result.kind === "history" && outcome.result.answer.op === question.op) {
      asked.answers.push(outcome.result.answer as Extract<HistoryAnswer, { op: O }>);
    } else {
      const why = outcome.ok ? "answered with the wrong kind of result" : outcome.message;
      asked.warnings.push(`the history of ${vms.length} VM(s) served by agent "${agent}" is missing: ${why}`);
    }
  });
  return asked;
}

/** Epoch seconds `hours` ago. */
export function sinceHours(hours: number | null | undefined, now = Date.now()): number | undefined {
  return hours ? now / 1000 - hours * 3600 : undefined;
}

/** `2026-12-01 16:39:07 UTC` for epoch seconds. */
export function formatTime(seconds: number): string {
  return `${new Date(seconds * 1000).toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** Counts of several answers added up by key; the top `n`, most first. */
function topCounts<T extends { count: number }>(lists: T[][], keyOf: (t: T) => string, n = 10): T[] {
  const totals = new Map<string, T>();
  for (const item of lists.flat()) {
    const seen = totals.get(keyOf(item));
    totals.set(keyOf(item), seen ? { ...seen, count: seen.count + item.count } : { ...item });
  }
  return [...totals.values()].sort((a, b) => b.count - a.count || keyOf(a).localeCompare(keyOf(b))).slice(0, n);
}

export function mergeStats(all: HistoryStats[]): HistoryStats {
  const sum = (k: "commands_executed" | "successful_commands" | "failed_commands") => all.reduce((n, s) => n + s[k], 0);
  return {
    commands_executed: sum("commands_executed"),
    successful_commands: sum("successful_commands"),
    failed_commands: sum("failed_commands"),
    most_used_hosts: topCounts(
      all.map((s) => s.most_used_hosts),
      (h) => h.host,
    ),
    most_common_commands: topCounts(
      all.map((s) => s.most_common_commands),
      (c) => c.command,
    ),
    recent_errors: all
      .flatMap((s) => s.recent_errors)
      .sort((a, b) => b.timestamp - a.timestamp)
      .slice(0, 10),
  };
}

/** One suggestion per command across agents: best score, latest use (and its host), runs added up. */
export function mergeSuggestions(all: HistorySuggestion[][], limit: number): HistorySuggestion[] {
  const byCommand = new Map<string, HistorySuggestion>();
  for (const s of all.flat()) {
    const seen = byCommand.get(s.command);
    if (!seen) {
      byCommand.set(s.command, { ...s });
      continue;
    }
    seen.relevance_score = Math.max(seen.relevance_score, s.relevance_score);
    if (s.last_used > seen.last_used) Object.assign(seen, { last_used: s.last_used, host: s.host });
    seen.runs += s.runs;
    seen.successes += s.successes;
  }
  return [...byCommand.values()]
    .sort((a, b) => b.relevance_score - a.relevance_score || b.last_used - a.last_used)
    .slice(0, limit);
}
