/**
 * @module The history's statistics from the embedded store: counts, the busiest hosts, the
 * most run commands and the latest failures, all within the caller's filter.
 */
import { errorLine } from "./error-line.js";
import { filterSql, type Statements } from "./sqlite-filter.js";
import { EMPTY_STATISTICS, type HistoryFilter, type Statistics } from "./store.js";

const TOP = 10;

export function statisticsSqlite(statements: Statements, filter: HistoryFilter): Statistics {
  if (filter.vms.length === 0) return { ...EMPTY_STATISTICS };
  const { where, params } = filterSql(filter);
  // Every host's counts (a fleet has few hosts): the totals are their sums.
  const hosts = statements
    .get(
      `SELECT o.host AS host, count(*) AS count, coalesce(sum(o.return_code = 0), 0) AS ok, max(o.timestamp) AS latest
       FROM operations o INDEXED BY operations_host_stats WHERE ${where} GROUP BY o.host`,
    )
    .all(params) as { host: string; count: number; ok: number; latest: number }[];
  // Ties go to the more recently used, then alphabetically, so the answer is stable.
  hosts.sort((a, b) => b.count - a.count || b.latest - a.latest || (a.host < b.host ? -1 : 1));
  const commands = statements
    .get(
      `SELECT o.command AS command, count(*) AS count FROM operations o INDEXED BY operations_command_stats
       WHERE ${where} GROUP BY o.command ORDER BY count DESC, max(o.timestamp) DESC, o.command LIMIT ${TOP}`,
    )
    .all(params) as Statistics["most_common_commands"];
  // Newest first from the partial index of failures; `IS NOT 0` (null included) is its condition.
  const errors = statements
    .get(
      `SELECT o.host, o.command, o.return_code, o.timestamp, x.stderr FROM (
         SELECT o.seq FROM operations o INDEXED BY operations_failures WHERE ${where} AND o.return_code IS NOT 0
         ORDER BY o.timestamp DESC, o.seq DESC LIMIT ${TOP}
       ) f JOIN operations o ON o.seq = f.seq JOIN operation_output x ON x.seq = f.seq
       ORDER BY o.timestamp DESC, o.seq DESC`,
    )
    .all(params) as { host: string; command: string; return_code: number | null; timestamp: number; stderr: string }[];
  const total = hosts.reduce((n, h) => n + h.count, 0);
  const ok = hosts.reduce((n, h) => n + h.ok, 0);
  return {
    commands_executed: total,
    successful_commands: ok,
    failed_commands: total - ok,
    most_used_hosts: hosts.slice(0, TOP).map(({ host, count }) => ({ host, count })),
    most_common_commands: commands,
    recent_errors: errors.map((e) => ({
      host: e.host,
      command: e.command,
      error: errorLine(e.stderr, e.return_code),
      timestamp: e.timestamp,
    })),
  };
}
