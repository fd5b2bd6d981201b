/**
 * @module Runs the labelled questions against the embedded store built with one analyzer:
 * the whole history loaded into a fresh SQLite file in a temp dir (removed afterwards), each
 * question asked as `ssh_search_logs` asks it (all three collections, every VM, top 10).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Analyzer } from "../../agent/src/history/analyzer.js";
import { SqliteHistoryStore } from "../../agent/src/history/sqlite-store.js";
import type { BenchData } from "./generate.js";
import { judge, K, type QuestionResult } from "./metrics.js";

/** Records per add(): one transaction each, as a bulk import would. */
const LOAD_BATCH = 500;

export interface Evaluation {
  analyzer: string;
  results: QuestionResult[];
  loadMs: number;
  /** Mean time of one search, ms. */
  searchMs: number;
}

export async function evaluate(analyzer: Analyzer, data: BenchData): Promise<Evaluation> {
  const dir = mkdtempSync(join(tmpdir(), "tlc-search-quality-"));
  try {
    const store = SqliteHistoryStore.open(join(dir, "history.sqlite"), analyzer);
    try {
      const vms = [...new Set(data.records.map((r) => r.vm))];
      const loadStart = performance.now();
      for (let i = 0; i < data.records.length; i += LOAD_BATCH) {
        await store.add(data.records.slice(i, i + LOAD_BATCH));
      }
      const loadMs = performance.now() - loadStart;
      const stored = await store.count();
      if (stored !== data.records.length) {
        throw new Error(`${analyzer.name}: stored ${stored} of ${data.records.length} records`);
      }
      const results: QuestionResult[] = [];
      const searchStart = performance.now();
      for (const question of data.questions) {
        const hits = await store.search({ text: question.q, vms, limit: K });
        results.push(
          judge(
            question,
            hits.map((h) => h.record.id),
          ),
        );
      }
      const searchMs = (performance.now() - searchStart) / Math.max(1, data.questions.length);
      return { analyzer: analyzer.name, results, loadMs, searchMs };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
