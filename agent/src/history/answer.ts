/**
 * @module Answers a `history` job from the agent's store: the edge's query, already limited
 * to the caller's VMs on this agent, in; the protocol's answer out (hits' output cut to
 * HISTORY_HIT_OUTPUT_CHARS per stream so an answer stays far below frame limits).
 */
import { HISTORY_HIT_OUTPUT_CHARS, type HistoryAnswer, type HistoryQuery } from "@telecommande/shared";
import type { HistoryFilter, HistoryStore } from "./store.js";

function cut(text: string): string {
  if (text.length <= HISTORY_HIT_OUTPUT_CHARS) return text;
  return `${text.slice(0, HISTORY_HIT_OUTPUT_CHARS)}\n[cut: ${text.length} characters, first ${HISTORY_HIT_OUTPUT_CHARS} shown]`;
}

function filterOf(query: HistoryQuery): HistoryFilter {
  const filter: HistoryFilter = { vms: query.vms };
  if (query.host !== undefined) filter.host = query.host;
  if (query.user !== undefined) filter.user = query.user;
  if (query.since !== undefined) filter.since = query.since;
  return filter;
}

export async function answerHistory(store: HistoryStore, query: HistoryQuery): Promise<HistoryAnswer> {
  const filter = filterOf(query);
  switch (query.op) {
    case "search": {
      const hits = await store.search({ ...filter, text: query.text, limit: query.limit, ...collectionOf(query) });
      return {
        op: "search",
        hits: hits.map(({ record: r, score }) => ({
          relevance_score: score,
          vm: r.vm,
          host: r.host,
          user: r.user,
          command: r.command,
          job_id: r.job_id,
          timestamp: r.timestamp,
          stdout: cut(r.stdout),
          stderr: cut(r.stderr),
          return_code: r.return_code,
        })),
      };
    }
    case "stats":
      return { op: "stats", stats: await store.statistics(filter) };
    case "suggest": {
      const suggestions = await store.suggest({ ...filter, context: query.context, limit: query.limit });
      return {
        op: "suggest",
        suggestions: suggestions.map(({ command, relevance_score, host, last_used, runs, successes }) => ({
          command,
          relevance_score,
          host,
          last_used,
          runs,
          successes,
        })),
      };
    }
  }
}

function collectionOf(query: Extract<HistoryQuery, { op: "search" }>) {
  return query.collection ? { collection: query.collection } : {};
}
