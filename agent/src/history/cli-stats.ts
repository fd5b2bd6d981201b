/**
 * @module `telecommande-agent history stats` and `history reindex`: what the history file
 * holds, and rebuilding its search index with this agent's analyzer.
 */
import { statSync } from "node:fs";
import type { SqliteHistoryStore } from "./sqlite-store.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

/** The file and its write-ahead log and shared-memory index, which are part of it while it is open. */
function sizeOnDisk(file: string): number {
  let bytes = 0;
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    try {
      bytes += statSync(path).size;
    } catch {
      // No log: the file was closed cleanly.
    }
  }
  return bytes;
}

function humanBytes(bytes: number): string {
  const units = ["bytes", "KB", "MB", "GB", "TB"];
  let n = bytes;
  let unit = 0;
  while (n >= 1024 && unit < units.length - 1) {
    n /= 1024;
    unit++;
  }
  return unit === 0 ? `${n} bytes` : `${n.toFixed(1)} ${units[unit]}`;
}

const iso = (epochS: number | null) => (epochS === null ? null : new Date(epochS * 1000).toISOString());

export async function statsReport(store: SqliteHistoryStore, options: { json: boolean }): Promise<string> {
  const summary = await store.summary(10);
  const stats = {
    file: store.file,
    records: summary.count,
    oldest: iso(summary.oldest),
    newest: iso(summary.newest),
    size_bytes: sizeOnDisk(store.file),
    analyzer: vocabularyAnalyzer.name,
    index_analyzer: store.indexAnalyzer,
    vms: summary.vms,
    top_vms: summary.topVms,
  };
  if (options.json) return `${JSON.stringify(stats)}\n`;
  const index =
    stats.index_analyzer === stats.analyzer
      ? `"${stats.analyzer}"`
      : `built with "${stats.index_analyzer}", but this agent uses "${stats.analyzer}": ` +
        "run `telecommande-agent history reindex`";
  const width = Math.max(0, ...stats.top_vms.map((v) => v.vm.length));
  return [
    `History:      ${stats.file}`,
    `Records:      ${stats.records}`,
    ...(stats.records ? [`Oldest:       ${stats.oldest}`, `Newest:       ${stats.newest}`] : []),
    `Size on disk: ${humanBytes(stats.size_bytes)}`,
    `Analyzer:     ${index}`,
    ...(stats.vms
      ? [
          `Records per VM${stats.vms > stats.top_vms.length ? ` (top ${stats.top_vms.length} of ${stats.vms})` : ""}:`,
          ...stats.top_vms.map((v) => `  ${v.vm.padEnd(width)}  ${v.count}`),
        ]
      : []),
    "",
  ].join("\n");
}

export async function reindexReport(store: SqliteHistoryStore): Promise<string> {
  const before = store.indexAnalyzer;
  const started = performance.now();
  const n = await store.reindex();
  const seconds = ((performance.now() - started) / 1000).toFixed(2);
  const was = before === vocabularyAnalyzer.name ? "" : ` (it was built with "${before}")`;
  return `Reindexed ${n} records with the "${vocabularyAnalyzer.name}" analyzer in ${seconds} s${was}\n`;
}
