/**
 * @module Statistics and suggestions from the Qdrant store: the operations in the filter
 * read with `scroll` (payload only, pages of 1,000) and counted here, so the answers
 * agree with the embedded store's to the record.
 */
import type { QdrantClient } from "@qdrant/js-client-rest";
import { errorLine } from "./error-line.js";
import { COLLECTIONS, type QdrantFilter, recordFrom } from "./qdrant-payload.js";
import type { Statistics } from "./store.js";

const PAGE = 1_000;
const TOP = 10;

export type PointId = string | number;
export interface Row {
  id: PointId;
  host: string;
  command: string;
  return_code: number | null;
  timestamp: number;
}

/** Every point of ssh_commands in the filter, with the fields the summaries use. */
export async function scrollRows(client: QdrantClient, prefix: string, filter: QdrantFilter): Promise<Row[]> {
  const rows: Row[] = [];
  let offset: PointId | undefined;
  for (;;) {
    const page = await client.scroll(`${prefix}${COLLECTIONS.commands}`, {
      filter,
      limit: PAGE,
      ...(offset !== undefined ? { offset } : {}),
      with_payload: ["host", "command", "return_code", "timestamp"],
    });
    for (const point of page.points) {
      const r = recordFrom(point.payload);
      rows.push({ id: point.id, host: r.host, command: r.command, return_code: r.return_code, timestamp: r.timestamp });
    }
    const next = page.next_page_offset;
    if (next === null || next === undefined || (typeof next !== "string" && typeof next !== "number")) return rows;
    offset = next;
  }
}

interface Tally {
  count: number;
  latest: number;
}

function top<K extends string>(tallies: Map<string, Tally>, key: K): ({ count: number } & Record<K, string>)[] {
  // Ties go to the more recently used, then alphabetically, as the embedded store's.
  return [...tallies]
    .sort(([a, x], [b, y]) => y.count - x.count || y.latest - x.latest || (a < b ? -1 : a > b ? 1 : 0))
    .slice(0, TOP)
    .map(([name, t]) => ({ [key]: name, count: t.count }) as { count: number } & Record<K, string>);
}

function tally(map: Map<string, Tally>, key: string, timestamp: number): void {
  const t = map.get(key) ?? { count: 0, latest: -Infinity };
  t.count += 1;
  t.latest = Math.max(t.latest, timestamp);
  map.set(key, t);
}

export async function statisticsFrom(client: QdrantClient, prefix: string, rows: Row[]): Promise<Statistics> {
  const hosts = new Map<string, Tally>();
  const commands = new Map<string, Tally>();
  let ok = 0;
  for (const row of rows) {
    tally(hosts, row.host, row.timestamp);
    tally(commands, row.command, row.timestamp);
    if (row.return_code === 0) ok += 1;
  }
  const failures = rows
    .filter((r) => r.return_code !== 0)
    .sort((a, b) => b.timestamp - a.timestamp)
    .slice(0, TOP);
  // Only the shown failures' stderr is read: it may be 30,000 characters each.
  const stderr = new Map<PointId, string>();
  if (failures.length > 0) {
    const points = await client.retrieve(`${prefix}${COLLECTIONS.commands}`, {
      ids: failures.map((f) => f.id),
      with_payload: ["stderr"],
    });
    for (const p of points) stderr.set(p.id, recordFrom(p.payload).stderr);
  }
  return {
    commands_executed: rows.length,
    successful_commands: ok,
    failed_commands: rows.length - ok,
    most_used_hosts: top(hosts, "host"),
    most_common_commands: top(commands, "command"),
    recent_errors: failures.map((f) => ({
      host: f.host,
      command: f.command,
      error: errorLine(stderr.get(f.id) ?? "", f.return_code),
      timestamp: f.timestamp,
    })),
  };
}
