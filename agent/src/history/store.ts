/**
 * @module What every history store does (the embedded SQLite default, Qdrant when
 * configured): add operations, search them, count them up, suggest commands, export and
 * prune. One contract test suite (store-contract.ts) runs against each.
 */
import type { OperationRecord } from "./record.js";

/** The original's collections: which text of an operation a search looks at. */
export type Collection = "commands" | "stdout" | "stderr";

/** Filters every query takes. */
export interface HistoryFilter {
  /** Only these VMs (the caller's permitted ones); required, never "all". */
  vms: readonly string[];
  /** Only this host: a VM's host or its name (the original's `host_filter`). */
  host?: string;
  /** Only this SSH user (the original's `user_filter`). */
  user?: string;
  /** Only operations at or after this time, epoch seconds. */
  since?: number;
}

export interface SearchQuery extends HistoryFilter {
  text: string;
  /** One collection as the original; omitted: all three, fused, one hit per operation. */
  collection?: Collection;
  limit: number;
}

export interface SearchHit {
  record: OperationRecord;
  /** Higher is better; comparable between hits of one answer, and between stores' answers. */
  score: number;
}

export interface Statistics {
  commands_executed: number;
  successful_commands: number;
  failed_commands: number;
  /** Most operations first. */
  most_used_hosts: { host: string; count: number }[];
  most_common_commands: { command: string; count: number }[];
  /** Newest first, at most 10. */
  recent_errors: { host: string; command: string; error: string; timestamp: number }[];
}

/** Statistics of nothing: an empty filter, or a history with no record in it. */
export const EMPTY_STATISTICS: Statistics = {
  commands_executed: 0,
  successful_commands: 0,
  failed_commands: 0,
  most_used_hosts: [],
  most_common_commands: [],
  recent_errors: [],
};

export interface SuggestQuery extends HistoryFilter {
  context: string;
  limit: number;
}

export interface Suggestion {
  command: string;
  relevance_score: number;
  host: string;
  /** Epoch seconds of its latest run. */
  last_used: number;
  /** Share of its runs (in the filter) that exited 0, 0..1. */
  success_rate: number;
  /** Its runs in the filter, and how many exited 0 (so several stores' answers merge exactly). */
  runs: number;
  successes: number;
}

export interface HistoryStore {
  /** Adds operations and says how many were new; adding an id again replaces nothing and is not an error. */
  add(records: readonly OperationRecord[]): Promise<number>;
  search(query: SearchQuery): Promise<SearchHit[]>;
  statistics(filter: HistoryFilter): Promise<Statistics>;
  /** From successful runs only (return_code 0), one suggestion per distinct command. */
  suggest(query: SuggestQuery): Promise<Suggestion[]>;
  count(): Promise<number>;
  /** Every record at or after `since` (all when omitted), oldest first. */
  export(since?: number): AsyncIterable<OperationRecord>;
  /** Removes records older than `maxAgeS` seconds and the oldest beyond `maxRecords`; how many went. */
  prune(limits: { maxAgeS?: number; maxRecords?: number; now: number }): Promise<number>;
  close(): Promise<void>;
}
