/**
 * @module The embedded default history store: one SQLite file under the agent's data dir,
 * nothing to set up. Full-text search with BM25 over commands, outputs and the analyzer's
 * concept tags (see sqlite-schema.ts for the tables).
 */
import type Database from "better-sqlite3";
import type { Analyzer } from "./analyzer.js";
import type { Embedder } from "./embedder.js";
import type { OperationRecord } from "./record.js";
import { PAGE, RECORD_COLUMNS, Statements } from "./sqlite-filter.js";
import { questionVector, searchFused } from "./sqlite-fused.js";
import { rebuildIndex, removeRecords } from "./sqlite-maintenance.js";
import {
  AnalyzerMismatchError,
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
import { VectorIndex, type VectorOptions } from "./sqlite-vectors.js";
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
  /**
   * Adds vectors (sqlite-vec) made by this embedder, filled in the background, and fuses
   * the nearest ones with the lexical ranking. A file whose vectors another embedder made
   * is refused (unless `forReindex`).
   */
  embedder?: Embedder;
  /** Where the vectors' background work reports failures, and its backoff (tests shorten it). */
  vectorOptions?: VectorOptions;
}

/** The longest a search waits for the question's vector before answering with the lexical ranking alone. */
const QUESTION_WAIT_MS = 5_000;

export class SqliteHistoryStore implements HistoryStore {
  private readonly statements: Statements;
  private vectors: VectorIndex | undefined;
  /** False while the vectors are another embedder's, until `reindex()`. */
  private vectorsMatch = false;
  private questionFailed = false;
  private vectorOptions: VectorOptions = {};

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
      const store = new SqliteHistoryStore(db, analyzer, file, indexedBy);
      if (options.embedder) {
        const forReindex = options.forReindex ?? false;
        const { index, matches } = VectorIndex.attach(db, file, options.embedder, forReindex, options.vectorOptions);
        store.vectors = index;
        store.vectorsMatch = matches;
        store.vectorOptions = options.vectorOptions ?? {};
        if (matches && !forReindex) {
          index.sweep();
          index.wake();
        }
      }
      return store;
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
    const added = this.db.transaction(() => {
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
    // Embedded afterwards: the record is stored whatever the embedder does.
    if (added > 0 && this.vectorsMatch) this.vectors?.wake();
    return added;
  }

  private tagsOf(r: { command: string; stdout: string; stderr: string }): string {
    return this.analyzer.tags({ command: r.command, stdout: r.stdout, stderr: r.stderr }).join(" ");
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    this.checkAnalyzer();
    const vectors = this.vectorsMatch ? this.vectors : undefined;
    if (!vectors) return searchSqlite(this.statements, this.analyzer, query);
    const questionVector = (text: string) => this.questionVector(vectors, text);
    return searchFused({ statements: this.statements, analyzer: this.analyzer, vectors, questionVector }, query);
  }

  /** The question's vector, or null (logged once) when the embedder fails or is slow. */
  private async questionVector(vectors: VectorIndex, text: string): Promise<number[] | null> {
    return questionVector(vectors.embedder, text, QUESTION_WAIT_MS, (error) => {
      if (this.questionFailed) return;
      this.questionFailed = true;
      const fields = { embedder: vectors.embedder.name, error: error.message };
      this.vectorOptions.log?.warn("history_question_embedding_failed", fields);
    });
  }

  /** The background embedding, when the store has vectors (tests wait on it). */
  get vectorIndex(): VectorIndex | undefined {
    return this.vectorsMatch ? this.vectors : undefined;
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
  advanceCursor(name: string, from: number, to: number, lastId?: string): boolean {
    const key = `${SEQ_CURSOR_PREFIX}${name}`;
    return this.db.transaction(() => {
      if (this.cursor(name) !== from) return false;
      // A prune while the batch was out may have freed `to` for a new record: then the
      // batch is sent again rather than skipping the newcomer (ids make repeats harmless).
      if (
        lastId !== undefined &&
        this.statements.get("SELECT id FROM operations WHERE seq = ?").pluck().get(to) !== lastId
      ) {
        return false;
      }
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
    return removeRecords(this.db, [...doomed], this.vectorsMatch ? (seq) => this.vectors?.forget(seq) : undefined);
  }

  /**
   * Rebuilds the full-text index, tags included, with this store's analyzer (in one
   * transaction: an interrupted reindex leaves the old index whole), then, with an
   * embedder, every vector with it. Returns how many records were indexed.
   */
  async reindex(): Promise<number> {
    const indexed = rebuildIndex(
      this.db,
      (r) => this.tagsOf(r),
      () => setMeta(this.db, "analyzer", this.analyzer.name),
    );
    this.indexedBy = this.analyzer.name;
    if (this.vectors) {
      this.vectors.dropAll();
      this.vectorsMatch = true;
      await this.vectors.fillAll();
    }
    return indexed;
  }

  async close(): Promise<void> {
    this.vectors?.stop();
    if (this.db.open) this.db.close();
  }
}
