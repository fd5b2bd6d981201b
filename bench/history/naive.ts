/**
 * @module The baseline the history bench puts beside the store: the same records in a JS
 * array, every question answered by scanning all of them. A search scores a record by how
 * many of the question's words its lower-cased text contains (a word in the command counts
 * double); statistics and suggestions count as they go. No index, no tags, no persistence:
 * what a history without a store would cost to ask.
 */
import { words } from "../../agent/src/history/analyzer.js";
import { errorLine } from "../../agent/src/history/error-line.js";
import type { OperationRecord } from "../../agent/src/history/record.js";
import type { HistoryFilter, SearchQuery, Statistics, SuggestQuery } from "../../agent/src/history/store.js";

interface Row {
  record: OperationRecord;
  /** Lower-cased command, and lower-cased command + stdout + stderr, made once when added. */
  command: string;
  text: string;
}

interface Scored {
  row: Row;
  score: number;
}

const TOP = 10;

/** Keeps the best `limit` of a stream of scored rows: higher score, then newer. */
function insertTop<T extends { score: number; ts: number }>(top: T[], item: T, limit: number): void {
  const better = (a: T, b: T) => a.score > b.score || (a.score === b.score && a.ts > b.ts);
  if (top.length === limit && !better(item, top[limit - 1] as T)) return;
  let i = top.length;
  while (i > 0 && better(item, top[i - 1] as T)) i--;
  top.splice(i, 0, item);
  if (top.length > limit) top.pop();
}

export class NaiveHistory {
  private readonly rows: Row[] = [];

  add(records: readonly OperationRecord[]): void {
    for (const record of records) {
      const command = record.command.toLowerCase();
      this.rows.push({ record, command, text: `${command}\n${record.stdout}\n${record.stderr}`.toLowerCase() });
    }
  }

  private *filtered(filter: HistoryFilter): Generator<Row> {
    const vms = new Set(filter.vms);
    for (const row of this.rows) {
      const r = row.record;
      if (!vms.has(r.vm)) continue;
      if (filter.host !== undefined && r.host !== filter.host && r.vm !== filter.host) continue;
      if (filter.user !== undefined && r.user !== filter.user) continue;
      if (filter.since !== undefined && r.timestamp < filter.since) continue;
      yield row;
    }
  }

  search(query: SearchQuery): OperationRecord[] {
    const terms = [...new Set(words(query.text))];
    const top: (Scored & { ts: number })[] = [];
    for (const row of this.filtered(query)) {
      let score = 0;
      for (const t of terms) {
        if (row.text.includes(t)) score += row.command.includes(t) ? 2 : 1;
      }
      if (score > 0) insertTop(top, { row, score, ts: row.record.timestamp }, query.limit);
    }
    return top.map((s) => s.row.record);
  }

  statistics(filter: HistoryFilter): Statistics {
    const hosts = new Map<string, { count: number; ok: number; latest: number }>();
    const commands = new Map<string, { count: number; latest: number }>();
    const errors: { score: number; ts: number; record: OperationRecord }[] = [];
    for (const { record: r } of this.filtered(filter)) {
      const h = hosts.get(r.host) ?? { count: 0, ok: 0, latest: 0 };
      h.count++;
      if (r.return_code === 0) h.ok++;
      else insertTop(errors, { score: 0, ts: r.timestamp, record: r }, TOP);
      h.latest = Math.max(h.latest, r.timestamp);
      hosts.set(r.host, h);
      const c = commands.get(r.command) ?? { count: 0, latest: 0 };
      c.count++;
      c.latest = Math.max(c.latest, r.timestamp);
      commands.set(r.command, c);
    }
    const total = [...hosts.values()].reduce((n, h) => n + h.count, 0);
    const ok = [...hosts.values()].reduce((n, h) => n + h.ok, 0);
    return {
      commands_executed: total,
      successful_commands: ok,
      failed_commands: total - ok,
      most_used_hosts: [...hosts]
        .sort(([, a], [, b]) => b.count - a.count || b.latest - a.latest)
        .slice(0, TOP)
        .map(([host, { count }]) => ({ host, count })),
      most_common_commands: [...commands]
        .sort(([, a], [, b]) => b.count - a.count || b.latest - a.latest)
        .slice(0, TOP)
        .map(([command, { count }]) => ({ command, count })),
      recent_errors: errors.map(({ record: r }) => ({
        host: r.host,
        command: r.command,
        error: errorLine(r.stderr, r.return_code),
        timestamp: r.timestamp,
      })),
    };
  }

  /** Commands of successful matching runs, a word in the command weighing 10× one in the output. */
  suggest(query: SuggestQuery): { command: string; score: number; runs: number; successes: number }[] {
    const terms = [...new Set(words(query.context))];
    const best = new Map<string, { score: number; ts: number }>();
    const runs = new Map<string, { runs: number; successes: number }>();
    for (const row of this.filtered(query)) {
      const r = row.record;
      const n = runs.get(r.command) ?? { runs: 0, successes: 0 };
      n.runs++;
      if (r.return_code === 0) n.successes++;
      runs.set(r.command, n);
      if (r.return_code !== 0) continue;
      let score = 0;
      for (const t of terms) {
        if (row.command.includes(t)) score += 1;
        else if (row.text.includes(t)) score += 0.1;
      }
      const b = best.get(r.command);
      if (score > 0 && (!b || score > b.score || (score === b.score && r.timestamp > b.ts))) {
        best.set(r.command, { score, ts: r.timestamp });
      }
    }
    const top: { score: number; ts: number; command: string }[] = [];
    for (const [command, b] of best) insertTop(top, { command, ...b }, query.limit);
    return top.map(({ command, score }) => ({ command, score, ...(runs.get(command) ?? { runs: 0, successes: 0 }) }));
  }
}
