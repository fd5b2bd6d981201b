/**
 * @module One size of the history bench: the records ingested into a fresh embedded store
 * (offline default analyzer) in a temp dir, then every query timed against the store and
 * against the naive scan of the same records. The temp dir is removed afterwards.
 */
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { maskSecrets } from "../../agent/src/history/mask.js";
import { type OperationRecord, truncateForHistory } from "../../agent/src/history/record.js";
import { SqliteHistoryStore } from "../../agent/src/history/sqlite-store.js";
import { vocabularyAnalyzer } from "../../agent/src/history/vocabulary.js";
import { type Summary, summarize } from "../stats.js";
import type { BenchQuery, HistoryData } from "./data.js";
import { NaiveHistory } from "./naive.js";

/** Records added one at a time (per path), out of each size: enough for a stable rate. */
const SINGLES = 2000;
const BULK_BATCH = 100;
const WARMUP = 10;
const DAY = 86_400;

export interface IngestRow {
  path: string;
  records: number;
  perSecond: number;
}

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

async function ingest(store: SqliteHistoryStore, naive: NaiveHistory, records: OperationRecord[]) {
  const singles = Math.min(SINGLES, Math.floor(records.length / 10));
  const bulk = records.slice(0, records.length - 2 * singles);
  const rows: IngestRow[] = [];
  const rate = (path: string, n: number, ms: number) => rows.push({ path, records: n, perSecond: n / (ms / 1000) });

  let start = performance.now();
  for (let i = 0; i < bulk.length; i += BULK_BATCH) await store.add(bulk.slice(i, i + BULK_BATCH));
  rate(`store, batches of ${BULK_BATCH}`, bulk.length, performance.now() - start);

  start = performance.now();
  for (const r of records.slice(bulk.length, bulk.length + singles)) await store.add([r]);
  rate("store, batches of 1", singles, performance.now() - start);

  // What the agent does for each operation: mask, cut, add one record.
  start = performance.now();
  for (const r of records.slice(bulk.length + singles)) {
    await store.add([
      {
        ...r,
        command: maskSecrets(r.command),
        stdout: truncateForHistory(maskSecrets(r.stdout)),
        stderr: truncateForHistory(maskSecrets(r.stderr)),
      },
    ]);
  }
  rate("agent's path: mask + store, batches of 1", records.length - bulk.length - singles, performance.now() - start);

  start = performance.now();
  naive.add(records);
  rate("naive: lower-cased copy in an array (memory only)", records.length, performance.now() - start);
  return rows;
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
