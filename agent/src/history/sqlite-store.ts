/**
 * @module The embedded default history store: one SQLite file under the agent's data dir,
 * nothing to set up. Full-text search with BM25 over commands, outputs and the analyzer's
 * concept tags (see sqlite-schema.ts for the tables).
 */
import type Database from "better-sqlite3";
import type { Analyzer } from "./analyzer.js";
import type { OperationRecord } from "./record.js";
import { RECORD_COLUMNS, Statements } from "./sqlite-filter.js";
import {
  AnalyzerMismatchError,
  CREATE_FTS,
  CREATE_VOCAB,
  metaValue,
  openDatabase,
  prepareSchema,
  SEQ_CURSOR_PREFIX,
  setMeta,
} from "./sqlite-schema.js";
import { searchSqlite, suggestSqlite } from "./sqlite-search.js";
import { statisticsSqlite } from "./sqlite-statistics.js";
import { type HistorySummary, summarySqlite } from "./sqlite-summary.js";
import type {
  HistoryFilter,
  HistoryStore,
  SearchHit,
  SearchQuery,
  Statistics,
  Suggestion,
  SuggestQuery,
} from "./store.js";

export interface SqliteOpenOptions {
  /**
   * Open a file whose index another analyzer built, to `reindex()` it. Until then, adding
   * and searching throw: the new analyzer's tags and questions would not match the old ones.
   */
  forReindex?: boolean;
}

/** Records read per step by export and reindex: bounded memory, and no statement held open between steps. */
const PAGE = 500;

export class SqliteHistoryStore implements HistoryStore {
  private readonly statements: Statements;

  private constructor(
    private readonly db: Database.Database,
    private readonly analyzer: Analyzer,
    readonly file: string,
    /** The analyzer that built the current index. */
    private indexedBy: string,
  ) {
    this.statements = new Statements(db);
  }

  static open(file: string, analyzer: Analyzer, options: SqliteOpenOptions = {}): SqliteHistoryStore {
    const db = openDatabase(file);
    try {
      const indexedBy = prepareSchema(db, file, analyzer.name, options.forReindex ?? false);
      db.exec(CREATE_VOCAB);
      return new SqliteHistoryStore(db, analyzer, file, indexedBy);
    } catch (err) {
      db.close();
      throw err;
    }
  }

  private checkAnalyzer(): void {
    if (this.indexedBy !== this.analyzer.name) {
      throw new AnalyzerMismatchError(this.file, this.indexedBy, this.analyzer.name);
    }
  }

  async add(records: readonly OperationRecord[]): Promise<number> {
    this.checkAnalyzer();
    const insert = this.statements.get(
      `INSERT OR IGNORE INTO operations (id, job_id, caller, vm, host, user, return_code, timestamp, duration_ms, tags, command)
       VALUES (@id, @job_id, @caller, @vm, @host, @user, @return_code, @timestamp, @duration_ms, @tags, @command)`,
    );
    const output = this.statements.get("INSERT INTO operation_output (seq, stdout, stderr) VALUES (?, ?, ?)");
    const index = this.statements.get(
      "INSERT INTO operations_fts (rowid, command, stdout, stderr, tags) VALUES (?, ?, ?, ?, ?)",
    );
    // One transaction a batch: one commit for the batch, not one per record.
    return this.db.transaction(() => {
      let added = 0;
      for (const r of records) {
        const { stdout, stderr, ...row } = r;
        const tags = this.tagsOf(r);
        const { changes, lastInsertRowid } = insert.run({ ...row, tags });
        // An id already stored keeps its record and its index entry untouched.
        if (changes === 0) continue;
        output.run(lastInsertRowid, stdout, stderr);
        index.run(lastInsertRowid, r.command, stdout, stderr, tags);
        added++;
      }
      return added;
    })();
  }

  private tagsOf(r: { command: string; stdout: string; stderr: string }): string {
    return this.analyzer.tags({ command: r.command, stdout: r.stdout, stderr: r.stderr }).join(" ");
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    this.checkAnalyzer();
    return searchSqlite(this.statements, this.analyzer, query);
  }

  async statistics(filter: HistoryFilter): Promise<Statistics> {
    return statisticsSqlite(this.statements, filter);
  }

  async suggest(query: SuggestQuery): Promise<Suggestion[]> {
    this.checkAnalyzer();
    return suggestSqlite(this.statements, this.analyzer, query);
  }

  /** The analyzer that built the current index (another than this store's until `reindex()`). */
  get indexAnalyzer(): string {
    return this.indexedBy;
  }

  /** Count, time span and the `top` VMs with the most records. */
  async summary(top = 10): Promise<HistorySummary> {
    return summarySqlite(this.statements, top);
  }

  async count(): Promise<number> {
    return (this.statements.get("SELECT count(*) FROM operations").pluck().get() as number) ?? 0;
  }

  /**
   * Pages through the records by (timestamp, seq) instead of holding one statement open
   * while the consumer awaits: the connection stays free for recording new operations. A
   * record added meanwhile with a timestamp the export has already passed is not included.
   */
  async *export(since?: number): AsyncIterable<OperationRecord> {
    const page = this.statements.get(
      `SELECT o.seq AS seq, ${RECORD_COLUMNS} FROM operations o JOIN operation_output x ON x.seq = o.seq
       WHERE (o.timestamp, o.seq) > (@ts, @seq) ORDER BY o.timestamp, o.seq LIMIT ${PAGE}`,
    );
    // seq starts at 1, so (since, 0) lets every record at `since` itself through.
    let cursor = { ts: since ?? -Number.MAX_VALUE, seq: 0 };
    for (;;) {
      const rows = page.all(cursor) as (OperationRecord & { seq: number })[];
      for (const { seq, ...record } of rows) {
        cursor = { ts: record.timestamp, seq };
        yield record;
      }
      if (rows.length < PAGE) return;
    }
  }

  /**
   * Records in the order they were stored, after `seq` (0: from the first), with their
   * seq: what a copy to another store reads to catch up from where it stopped.
   */
  recordsAfter(seq: number, limit: number): { seq: number; record: OperationRecord }[] {
    const rows = this.statements
      .get(
        `SELECT o.seq AS seq, ${RECORD_COLUMNS} FROM operations o JOIN operation_output x ON x.seq = o.seq
         WHERE o.seq > ? ORDER BY o.seq LIMIT ?`,
      )
      .all(seq, limit) as (OperationRecord & { seq: number })[];
    return rows.map(({ seq, ...record }) => ({ seq, record }));
  }

  /** How many records were stored after `seq`. */
  countAfter(seq: number): number {
    return this.statements.get("SELECT count(*) FROM operations WHERE seq > ?").pluck().get(seq) as number;
  }

  getMeta(key: string): string | undefined {
    return metaValue(this.db, key);
  }

  setMeta(key: string, value: string): void {
    setMeta(this.db, key, value);
  }

  /** A named position in `seq` order (see SEQ_CURSOR_PREFIX); 0 before the first record. */
  cursor(name: string): number {
    return Number(this.getMeta(`${SEQ_CURSOR_PREFIX}${name}`) ?? 0) || 0;
  }

  /**
   * Moves a cursor from `from` to `to`, unless it no longer stands at `from` (a prune moved
   * it back meanwhile, see `remove`): then it stays, and the records are read again.
   */
  advanceCursor(name: string, from: number, to: number): boolean {
    const key = `${SEQ_CURSOR_PREFIX}${name}`;
    return this.db.transaction(() => {
      if (this.cursor(name) !== from) return false;
      setMeta(this.db, key, String(to));
      return true;
    })();
  }

  async prune(limits: { maxAgeS?: number; maxRecords?: number; now: number }): Promise<number> {
    const doomed = new Set<number>();
    if (limits.maxAgeS !== undefined) {
      const cut = limits.now - limits.maxAgeS;
      const old = this.statements.get("SELECT seq FROM operations WHERE timestamp < ?").pluck().all(cut) as number[];
      for (const seq of old) doomed.add(seq);
    }
    if (limits.maxRecords !== undefined) {
      const beyond = this.statements
        .get("SELECT seq FROM operations ORDER BY timestamp DESC, seq DESC LIMIT -1 OFFSET ?")
        .pluck()
        .all(Math.max(0, Math.floor(limits.maxRecords))) as number[];
      for (const seq of beyond) doomed.add(seq);
    }
    return this.remove([...doomed]);
  }

  /**
   * Deletes in steps of PAGE records, yielding between steps: a prune of many thousands
   * would otherwise hold the agent's only thread for seconds.
   */
  private async remove(seqs: number[]): Promise<number> {
    const read = this.statements.get(
      `SELECT o.command, o.tags, x.stdout, x.stderr FROM operations o JOIN operation_output x ON x.seq = o.seq
       WHERE o.seq = ?`,
    );
    // A contentless index forgets a row given the very text it indexed (see sqlite-schema.ts).
    const unindex = this.statements.get(
      "INSERT INTO operations_fts (operations_fts, rowid, command, stdout, stderr, tags) VALUES ('delete', ?, ?, ?, ?, ?)",
    );
    const deletes = ["operation_output", "operations"].map((t) =>
      this.statements.get(`DELETE FROM ${t} WHERE seq = ?`),
    );
    const clampCursors = this.statements.get(
      `UPDATE meta SET value = (SELECT coalesce(max(seq), 0) FROM operations)
       WHERE key LIKE '${SEQ_CURSOR_PREFIX}%' AND CAST(value AS INTEGER) > (SELECT coalesce(max(seq), 0) FROM operations)`,
    );
    let removed = 0;
    for (let i = 0; i < seqs.length; i += PAGE) {
      if (i > 0) await new Promise((resolve) => setImmediate(resolve));
      this.db.transaction(() => {
        for (const seq of seqs.slice(i, i + PAGE)) {
          const row = read.get(seq) as { command: string; tags: string; stdout: string; stderr: string } | undefined;
          // Gone meanwhile (another prune between two steps).
          if (!row) continue;
          unindex.run(seq, row.command, row.stdout, row.stderr, row.tags);
          for (const d of deletes) d.run(seq);
          removed++;
        }
        // Without AUTOINCREMENT, the next record takes the highest seq left plus one: a
        // cursor past it would skip the records that reuse the seqs just freed.
        clampCursors.run();
      })();
    }
    return removed;
  }

  /**
   * Rebuilds the full-text index, tags included, with this store's analyzer: in one
   * transaction, so an interrupted reindex leaves the old index whole. Returns how many
   * records were indexed.
   */
  async reindex(): Promise<number> {
    const page = this.db.prepare(
      `SELECT o.seq, o.command, x.stdout, x.stderr FROM operations o JOIN operation_output x ON x.seq = o.seq
       WHERE o.seq > ? ORDER BY o.seq LIMIT ${PAGE}`,
    );
    const indexed = this.db.transaction(() => {
      this.db.exec(`DROP TABLE operations_fts; ${CREATE_FTS};`);
      const index = this.db.prepare(
        "INSERT INTO operations_fts (rowid, command, stdout, stderr, tags) VALUES (?, ?, ?, ?, ?)",
      );
      const keep = this.db.prepare("UPDATE operations SET tags = ? WHERE seq = ?");
      let after = 0;
      let n = 0;
      for (;;) {
        const rows = page.all(after) as { seq: number; command: string; stdout: string; stderr: string }[];
        for (const r of rows) {
          const tags = this.tagsOf(r);
          index.run(r.seq, r.command, r.stdout, r.stderr, tags);
          keep.run(tags, r.seq);
        }
        n += rows.length;
        if (rows.length < PAGE) break;
        after = rows[rows.length - 1]?.seq ?? after;
      }
      // One merged segment: the freshly built index is searched as fast as it can be.
      this.db.exec("INSERT INTO operations_fts (operations_fts) VALUES ('optimize')");
      setMeta(this.db, "analyzer", this.analyzer.name);
      return n;
    })();
    this.indexedBy = this.analyzer.name;
    return indexed;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
