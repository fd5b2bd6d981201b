/**
 * @module Speed of the embedded history at 10k and 100k records: ingest rate (the store in
 * batches of 100 as an import writes, and of 1; the agent's recorder with 100 operations
 * finishing at once, and with one at a time, see history/ingest.ts), and
 * p50/p95 of search (top 10; alone, with a host filter, over the last 24 h), statistics (last
 * 24 h, whole range) and suggestions, over the labelled questions of the search-quality
 * bench, each beside a naive scan of the same records in memory (bench/history/naive.ts).
 * Goals at 100k: search p50 ≤ 10 ms, statistics p50 ≤ 50 ms; ingest ≥ 2,000 records/s with
 * the offline default analyzer.
 *
 *   npm run bench:history -- [--sizes 10000,100000] [--queries 200] [--seed <n>]
 *
 * Records are the search-quality generator's operations over 50 VMs and 30 days, outputs
 * grown to 1–5 KB (bench/history/data.ts). Each size gets a fresh SQLite file in a temp dir,
 * removed afterwards. A missed goal is printed, not an exit status; exit 1 when setup fails.
 */
import os from "node:os";
import { parseArgs } from "node:util";
import { vocabularyAnalyzer } from "../agent/src/history/vocabulary.js";
import { historyData } from "./history/data.js";
import { measureSize, type SizeResult } from "./history/measure.js";
import { printTable } from "./stats.js";

const USAGE = "usage: bench/history.ts [--sizes 10000,100000] [--queries <≥ 20>] [--seed <integer>]";
const GOAL_SIZE = 100_000;
const GOAL_SEARCH_MS = 10;
const GOAL_STATISTICS_MS = 50;
const GOAL_INGEST = 2000;

class SetupError extends Error {}

function parse() {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "10000,100000" },
      queries: { type: "string", default: "200" },
      seed: { type: "string", default: "20260131" },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  const [queries, seed] = [Number(values.queries), Number(values.seed)];
  const ok = sizes.every((s) => Number.isInteger(s) && s >= 1000) && Number.isInteger(queries) && queries >= 20;
  if (!ok || !Number.isInteger(seed)) throw new SetupError(USAGE);
  return { sizes, queries, seed };
}

const ms = (v: number) => (Number.isFinite(v) ? v.toFixed(2) : "-");
const count = (n: number) => Math.round(n).toLocaleString("en-US");
const verdict = (met: boolean) => (met ? "met" : "MISSED");

function printGoals(results: SizeResult[]): void {
  console.log("\ngoals:");
  const at = results.find((r) => r.size === GOAL_SIZE);
  const latencyGoal = (prefix: string, goal: number) => {
    if (!at) return console.log(`  ${prefix} p50 ≤ ${goal} ms at ${count(GOAL_SIZE)}: not run (size not in --sizes)`);
    for (const row of at.latency.filter((l) => l.op.startsWith(prefix))) {
      console.log(
        `  ${row.op} p50 ≤ ${goal} ms at ${count(GOAL_SIZE)}: ${ms(row.store.p50)} ms ${verdict(row.store.p50 <= goal)}`,
      );
    }
  };
  latencyGoal("search", GOAL_SEARCH_MS);
  latencyGoal("statistics", GOAL_STATISTICS_MS);
  for (const r of results) {
    for (const row of r.ingest.filter((i) => i.path.startsWith("store") || i.path.startsWith("agent"))) {
      const met = row.perSecond >= GOAL_INGEST;
      console.log(
        `  ingest ≥ ${count(GOAL_INGEST)}/s at ${count(r.size)}, ${row.path}: ${count(row.perSecond)}/s ${verdict(met)}`,
      );
    }
  }
}

async function main(): Promise<number> {
  const options = parse();
  const results: SizeResult[] = [];
  const legend: string[] = [];
  const log = (line: string) => console.error(line);
  for (const size of options.sizes) {
    log(`${size}: generating…`);
    let data: ReturnType<typeof historyData>;
    try {
      data = historyData(size, options.seed, options.queries);
    } catch (error) {
      throw new SetupError(`cannot build the history: ${(error as Error).message}`);
    }
    const result = await measureSize(data, log);
    results.push(result);
    legend.push(
      `  ${count(size)}: ${data.vms.length} VMs, 30 days, mean output ${(data.meanOutput / 1024).toFixed(1)} KB ` +
        `(stdout + stderr), SQLite file + WAL ${(result.fileBytes / 2 ** 20).toFixed(0)} MiB`,
    );
  }

  const cpus = os.cpus();
  console.log(
    [
      `\nmachine: ${cpus.length} CPUs (${cpus[0]?.model.trim() ?? "?"}), Node ${process.version}`,
      `store: embedded SQLite, analyzer ${vocabularyAnalyzer.name} (the offline default), seed ${options.seed}`,
      ...legend,
      `queries: ${options.queries} per row, cycling the ${"search-quality"} questions (English and French); ` +
        "host filter: a random VM's host each; last 24 h: back from the newest record",
      "naive: the same records in a JS array, each call scans them all (lower-cased substring match per word)",
      "",
    ].join("\n"),
  );
  printTable(
    ["size", "ingest", "records", "records/s"],
    results.flatMap((r) => r.ingest.map((i) => [count(r.size), i.path, count(i.records), count(i.perSecond)])),
    2,
  );
  console.log("");
  printTable(
    ["size", "operation", "store p50 ms", "p95", "naive p50 ms", "p95", "naive/store p50"],
    results.flatMap((r) =>
      r.latency.map((l) => [
        count(r.size),
        l.op,
        ms(l.store.p50),
        ms(l.store.p95),
        ms(l.naive.p50),
        ms(l.naive.p95),
        `${(l.naive.p50 / l.store.p50).toFixed(1)}×`,
      ]),
    ),
    2,
  );
  printGoals(results);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error instanceof SetupError ? error.message : `bench failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
