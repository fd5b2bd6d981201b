/**
 * @module The SQL of the filters every history query takes, and a cache of prepared
 * statements: each query's text depends only on which filters are set, so a handful of
 * statements serve every call.
 */
import type Database from "better-sqlite3";
import type { HistoryFilter } from "./store.js";

export type Params = Record<string, string | number>;

export interface FilterSql {
  /** Conditions on the `operations` table aliased `o`, joined with AND. */
  where: string;
  params: Params;
}

/**
 * The VM list is bound as one JSON array so the statement text stays the same whatever the
 * caller may see; `host` matches the host or the VM's name, as the original's host filter.
 */
export function filterSql(filter: HistoryFilter): FilterSql {
  const where = ["o.vm IN (SELECT value FROM json_each(@vms))"];
  const params: Params = { vms: JSON.stringify(filter.vms) };
  if (filter.host !== undefined) {
    where.push("(o.host = @host OR o.vm = @host)");
    params.host = filter.host;
  }
  if (filter.user !== undefined) {
    where.push("o.user = @user");
    params.user = filter.user;
  }
  if (filter.since !== undefined) {
    where.push("o.timestamp >= @since");
    params.since = filter.since;
  }
  return { where: where.join(" AND "), params };
}

export class Statements {
  private readonly cache = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  get(sql: string): Database.Statement {
    let statement = this.cache.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.cache.set(sql, statement);
    }
    return statement;
  }
}

/** The columns of an OperationRecord as `o` (operations) and `x` (operation_output) give them. */
export const RECORD_COLUMNS =
  "o.id, o.job_id, o.caller, o.vm, o.host, o.user, o.command, x.stdout, x.stderr, o.return_code, o.timestamp, o.duration_ms";

/** Records read per step by export, reindex and pruning: bounded memory, and no statement held open between steps. */
export const PAGE = 500;
