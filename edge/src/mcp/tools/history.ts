/**
 * @module ssh_search_logs, ssh_get_statistics and ssh_suggest_commands: the original's
 * history tools, answered by the agents that serve the caller's VMs and merged here.
 */
import type { getStatisticsTool, searchLogsTool, suggestCommandsTool } from "@telecommande/shared";
import { askHistory, formatTime, mergeStats, mergeSuggestions, sinceHours } from "../history.js";
import { structured, toolError } from "../result.js";
import type { ToolHandler } from "../tool-handler.js";

/** The filters every history tool shares, as the agents take them. */
function filters(host: string | null | undefined, user: string | null | undefined, hours: number | null | undefined) {
  const since = sinceHours(hours);
  return {
    ...(host ? { host } : {}),
    ...(user ? { user } : {}),
    ...(since !== undefined ? { since } : {}),
  };
}

/** Every agent failed: nothing to answer with. */
function allFailed(tool: string, warnings: string[]) {
  return toolError(`${tool} could not read any history: ${warnings.join("; ")}`);
}

/** Partial answers say which VMs' history is missing. */
function withWarnings<T extends object>(answer: T, warnings: string[]): T & { warnings?: string[] } {
  return warnings.length ? { ...answer, warnings } : answer;
}

export const searchLogs: ToolHandler<typeof searchLogsTool> = async (args, deps) => {
  const limit = args.limit ?? 10;
  const { answers, warnings } = await askHistory(deps, {
    op: "search",
    text: args.query,
    limit,
    ...(args.collection ? { collection: args.collection } : {}),
    ...filters(args.host_filter, args.user_filter, args.time_hours),
  });
  if (!answers.length && warnings.length) return allFailed("ssh_search_logs", warnings);
  const results = answers
    .flatMap((a) => a.hits)
    .sort((a, b) => b.relevance_score - a.relevance_score || b.timestamp - a.timestamp)
    .slice(0, limit)
    .map((hit) => ({ ...hit, formatted_time: formatTime(hit.timestamp) }));
  return structured(withWarnings({ query: args.query, total_found: results.length, results }, warnings));
};

export const getStatistics: ToolHandler<typeof getStatisticsTool> = async (args, deps) => {
  const hours = args.time_hours ?? 24;
  const { answers, warnings } = await askHistory(deps, {
    op: "stats",
    ...filters(args.host_filter, args.user_filter, hours),
  });
  if (!answers.length && warnings.length) return allFailed("ssh_get_statistics", warnings);
  const stats = mergeStats(answers.map((a) => a.stats));
  return structured(withWarnings({ time_period_hours: hours, ...stats }, warnings));
};

export const suggestCommands: ToolHandler<typeof suggestCommandsTool> = async (args, deps) => {
  const limit = args.limit ?? 5;
  const { answers, warnings } = await askHistory(deps, {
    op: "suggest",
    context: args.context,
    limit,
    ...filters(args.host, undefined, undefined),
  });
  if (!answers.length && warnings.length) return allFailed("ssh_suggest_commands", warnings);
  const suggestions = mergeSuggestions(
    answers.map((a) => a.suggestions),
    limit,
  ).map(({ command, relevance_score, host, last_used, runs, successes }) => ({
    command,
    relevance_score,
    host,
    last_used,
    success_rate: runs ? successes / runs : 0,
  }));
  return structured(
    withWarnings(
      { context: args.context, host: args.host ?? null, total_suggestions: suggestions.length, suggestions },
      warnings,
    ),
  );
};
