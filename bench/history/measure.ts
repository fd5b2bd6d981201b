/**
 * @module One size of the history bench: the records ingested into a fresh embedded store
 * (offline default analyzer) in a temp dir (ingest.ts), then every query timed against the store and
 * against the naive scan of the same records. The temp dir is removed afterwards.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SqliteHistoryStore } from "../../agent/src/history/sqlite-store.js";
import { vocabularyAnalyzer } from "../../agent/src/history/vocabulary.js";
import { type Summary, summarize } from "../stats.js";
import type { BenchQuery, HistoryData } from "./data.js";
import { type IngestRow, ingest } from "./ingest.js";
import { NaiveHistory } from "./naive.js";

const WARMUP = 10;
const DAY = 86_400;

export interface LatencyRow {
  op: string;
  store: Summary;
  naive: Summary;
}

export interface SizeResult {
  size: number;
  ingest: IngestRow[];
  latency: LatencyRow[];
  /** The SQLite file and its WAL, bytes. */
  fileBytes: number;
}

type Timed = (query: BenchQuery) => unknown;

async function time(queries: readonly BenchQuery[], call: Timed): Promise<number[]> {
  for (const q of queries.slice(0, WARMUP)) await call(q);
  const samples: number[] = [];
  for (const q of queries) {
    const start = performance.now();
    await call(q);
    samples.push(performance.now() - start);
  }
  return samples;
}

export async function measureSize(data: HistoryData, log: (line: string) => void): Promise<SizeResult> {
  const size = data.records.length;
  const dir = mkdtempSync(join(tmpdir(), "tlc-history-bench-"));
  const file = join(dir, "history.sqlite");
  try {
    const store = SqliteHistoryStore.open(file, vocabularyAnalyzer);
    try {
      const naive = new NaiveHistory();
      log(`${size}: ingesting…`);
      const ingestRows = await ingest(store, naive, data.records);
      const stored = await store.count();
      if (stored !== size) throw new Error(`stored ${stored} of ${size} records`);

      const vms = data.vms.map((v) => v.name);
      const since = data.end - DAY;
      const ops: { op: string; store: Timed; naive: Timed }[] = [
        {
          op: "search top 10",
          store: (q) => store.search({ text: q.text, vms, limit: 10 }),
          naive: (q) => naive.search({ text: q.text, vms, limit: 10 }),
        },
        {
          op: "search top 10, host filter",
          store: (q) => store.search({ text: q.text, vms, host: q.host, limit: 10 }),
          naive: (q) => naive.search({ text: q.text, vms, host: q.host, limit: 10 }),
        },
        {
          op: "search top 10, last 24 h",
          store: (q) => store.search({ text: q.text, vms, since, limit: 10 }),
          naive: (q) => naive.search({ text: q.text, vms, since, limit: 10 }),
        },
        {
          op: "statistics, last 24 h",
          store: () => store.statistics({ vms, since }),
          naive: () => naive.statistics({ vms, since }),
        },
        {
          op: "statistics, whole range",
          store: () => store.statistics({ vms }),
          naive: () => naive.statistics({ vms }),
        },
        {
          op: "suggest top 5",
          store: (q) => store.suggest({ context: q.text, vms, limit: 5 }),
          naive: (q) => naive.suggest({ context: q.text, vms, limit: 5 }),
        },
      ];
      const latency: LatencyRow[] = [];
      for (const { op, store: s, naive: n } of ops) {
        log(`${size}: ${op}…`);
        latency.push({
          op,
          store: summarize(await time(data.queries, s)),
          naive: summarize(await time(data.queries, n)),
        });
      }
      const bytes = (path: string) => {
        try {
          return statSync(path).size;
        } catch {
          return 0;
        }
      };
      return { size, ingest: ingestRows, latency, fileBytes: bytes(file) + bytes(`${file}-wal`) };
    } finally {
      await store.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
