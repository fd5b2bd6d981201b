/**
 * @module The embedded history's vectors, when an embedder (Mistral) is configured: a
 * sqlite-vec `vec0` table of one vector per operation (cosine), keyed by the operation's
 * seq, beside `operation_vectors_of`, which says which record (seq and id) each vector was
 * made from. Embedding is an HTTP call, so recording never waits for it: records are
 * written as always and embedded afterwards in the background. What still lacks a vector
 * is read from the tables (an operation without a matching `operation_vectors_of` row), so
 * an outage, a restart or records stored while no embedder was configured lose nothing.
 */
import type Database from "better-sqlite3";
import * as sqliteVec from "sqlite-vec";
import type { Logger } from "../log.js";
import type { Embedder } from "./embedder.js";
import { filterSql } from "./sqlite-filter.js";
import { metaValue, setMeta } from "./sqlite-schema.js";
import type { HistoryFilter } from "./store.js";

/** Records embedded per request to the embedder. */
const BATCH = 64;

export interface VectorOptions {
  log?: Pick<Logger, "info" | "warn">;
  /** Backoff after a failed batch: doubled each failure in a row, from base to cap (equal jitter). */
  retryBaseMs?: number;
  retryCapMs?: number;
}

/** Raised when the file's vectors were made by another embedder or dimension. */
export class EmbedderMismatchError extends Error {
  constructor(file: string, stored: string, wanted: string) {
    super(
      `The history vectors in ${file} were made with the "${stored}" embedder, but this agent uses "${wanted}"; ` +
        "the two do not compare. Run `telecommande-agent history reindex` to embed the history again with the current embedder.",
    );
    this.name = "EmbedderMismatchError";
  }
}

const described = (name: string, dimension: number | string) => `${name}, ${dimension} dimensions`;

export class VectorIndex {
  private running: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private failures = 0;
  private stopped = false;
  private again = false;

  private constructor(
    private readonly db: Database.Database,
    readonly embedder: Embedder,
    private readonly options: VectorOptions,
  ) {}

  /**
   * Loads sqlite-vec and checks the file's vectors were made by this embedder (a new file,
   * or one never embedded, takes it). With `forReindex` a mismatch is let through: the
   * vectors are rebuilt by `rebuild()` before anything reads them.
   */
  static attach(
    db: Database.Database,
    file: string,
    embedder: Embedder,
    forReindex: boolean,
    options: VectorOptions = {},
  ): { index: VectorIndex; matches: boolean } {
    sqliteVec.load(db);
    const name = metaValue(db, "vector_embedder");
    const dimension = metaValue(db, "vector_dimension");
    const matches = name === undefined || (name === embedder.name && Number(dimension) === embedder.dimension);
    if (!matches && !forReindex) {
      throw new EmbedderMismatchError(
        file,
        described(name ?? "", dimension ?? "?"),
        described(embedder.name, embedder.dimension),
      );
    }
    const index = new VectorIndex(db, embedder, options);
    if (matches) index.create();
    return { index, matches };
  }

  private create(): void {
    this.db.transaction(() => {
      this.db.exec(
        `CREATE VIRTUAL TABLE IF NOT EXISTS operation_vectors USING vec0(
           seq integer primary key, embedding float[${this.embedder.dimension}] distance_metric=cosine);
         CREATE TABLE IF NOT EXISTS operation_vectors_of (seq INTEGER PRIMARY KEY, id TEXT NOT NULL);`,
      );
      setMeta(this.db, "vector_embedder", this.embedder.name);
      setMeta(this.db, "vector_dimension", String(this.embedder.dimension));
    })();
  }

  /** Drops every vector and starts again with this embedder (reindex). */
  dropAll(): void {
    this.db.exec("DROP TABLE IF EXISTS operation_vectors; DROP TABLE IF EXISTS operation_vectors_of;");
    this.create();
  }

  /**
   * Records without a vector of their own: never embedded, or their seq reused after a
   * prune made while no embedder was configured (the id then differs).
   */
  pending(limit: number, after = 0): { seq: number; id: string; text: string }[] {
    return this.db
      .prepare(
        `SELECT o.seq, o.id, o.command || char(10) || x.stdout || char(10) || x.stderr AS text
         FROM operations o JOIN operation_output x ON x.seq = o.seq
         LEFT JOIN operation_vectors_of v ON v.seq = o.seq AND v.id = o.id
         WHERE v.seq IS NULL AND o.seq > ? ORDER BY o.seq LIMIT ?`,
      )
      .all(after, limit) as { seq: number; id: string; text: string }[];
  }

  pendingCount(): number {
    return this.db
      .prepare(
        `SELECT count(*) FROM operations o LEFT JOIN operation_vectors_of v ON v.seq = o.seq AND v.id = o.id
         WHERE v.seq IS NULL`,
      )
      .pluck()
      .get() as number;
  }

  /** Embeds every record still without a vector; throws when the embedder fails. */
  async fillAll(): Promise<number> {
    let done = 0;
    let after = 0;
    for (;;) {
      const rows = this.pending(BATCH, after);
      if (rows.length === 0 || this.stopped) return done;
      const vectors = await this.embedder.embed(rows.map((r) => r.text));
      if (this.stopped || !this.db.open) return done;
      this.store(rows, vectors);
      done += rows.length;
      after = rows[rows.length - 1]?.seq ?? after;
    }
  }

  private store(rows: { seq: number; id: string }[], vectors: number[][]): void {
    const stillThere = this.db.prepare("SELECT 1 FROM operations WHERE seq = ? AND id = ?");
    const drop = this.db.prepare("DELETE FROM operation_vectors WHERE seq = ?");
    const insert = this.db.prepare("INSERT INTO operation_vectors (seq, embedding) VALUES (?, ?)");
    const of = this.db.prepare(
      "INSERT INTO operation_vectors_of (seq, id) VALUES (?, ?) ON CONFLICT (seq) DO UPDATE SET id = excluded.id",
    );
    this.db.transaction(() => {
      rows.forEach((r, i) => {
        const vector = vectors[i];
        // Pruned while it was being embedded: its seq may already be another record's.
        if (!vector || !stillThere.get(r.seq, r.id)) return;
        drop.run(BigInt(r.seq));
        insert.run(BigInt(r.seq), new Float32Array(vector));
        of.run(r.seq, r.id);
      });
    })();
  }

  /** Forgets the vectors of removed records (called in the removing transaction). */
  forget(seq: number): void {
    this.db.prepare("DELETE FROM operation_vectors WHERE seq = ?").run(BigInt(seq));
    this.db.prepare("DELETE FROM operation_vectors_of WHERE seq = ?").run(seq);
  }

  /** Vectors whose record is gone (pruned while no embedder was configured). */
  sweep(): void {
    const orphans = this.db
      .prepare("SELECT v.seq FROM operation_vectors_of v LEFT JOIN operations o ON o.seq = v.seq WHERE o.seq IS NULL")
      .pluck()
      .all() as number[];
    this.db.transaction(() => {
      for (const seq of orphans) this.forget(seq);
    })();
  }

  /** Starts a background pass over what lacks a vector, unless one runs (it then goes round again). */
  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    if (this.timer) return;
    this.running = this.pass().finally(() => {
      this.running = undefined;
      if (this.again && !this.timer) {
        this.again = false;
        this.wake();
      }
    });
  }

  private async pass(): Promise<void> {
    try {
      await this.fillAll();
      if (this.failures > 0) this.options.log?.info("history_vectors_resumed", { embedder: this.embedder.name });
      this.failures = 0;
    } catch (error) {
      if (this.stopped) return;
      if (this.failures === 0) {
        this.options.log?.warn("history_vectors_failed", {
          embedder: this.embedder.name,
          error: (error as Error).message,
          pending: this.pendingCount(),
        });
      }
      const base = this.options.retryBaseMs ?? 1_000;
      const backoff = Math.min(this.options.retryCapMs ?? 60_000, base * 2 ** this.failures);
      this.failures++;
      this.again = false;
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.wake();
        },
        backoff / 2 + (backoff / 2) * Math.random(),
      );
      // A stopping agent does not wait for the next try: what is missing is found again at start.
      this.timer.unref();
    }
  }

  /** Resolves once nothing lacks a vector (tests), or rejects after `timeoutMs`. */
  async idle(timeoutMs = 5_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (this.running || this.timer || this.pendingCount() > 0) {
      if (Date.now() > until) throw new Error(`vectors still pending after ${timeoutMs} ms`);
      if (!this.running && !this.timer) this.wake();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /**
   * The seqs of the `k` nearest vectors that pass the filter, nearest first. The vec0 query
   * cannot take the filter, so it fetches `k` and the filter runs after: callers over-fetch.
   */
  nearest(vector: number[], k: number, filter: HistoryFilter): number[] {
    const knn = this.db
      .prepare("SELECT seq FROM operation_vectors WHERE embedding MATCH ? AND k = ? ORDER BY distance")
      .pluck()
      .all(new Float32Array(vector), k) as number[];
    if (knn.length === 0) return [];
    const where = filterSql(filter);
    const kept = new Set(
      this.db
        .prepare(
          `SELECT o.seq FROM operations o JOIN operation_vectors_of v ON v.seq = o.seq AND v.id = o.id
           WHERE o.seq IN (SELECT value FROM json_each(@seqs)) AND ${where.where}`,
        )
        .pluck()
        .all({ ...where.params, seqs: JSON.stringify(knn) }) as number[],
    );
    return knn.filter((seq) => kept.has(seq));
  }

  /**
   * Stops for good. A request in flight is not waited for (a hung embedder must not hold
   * the agent's stop); its answer is dropped, and its records are embedded at next start.
   */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
