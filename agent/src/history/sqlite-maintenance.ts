/**
 * @module Removing records from the embedded history and rebuilding its full-text index:
 * the two writes that touch every table at once.
 */
import type Database from "better-sqlite3";
import { PAGE } from "./sqlite-filter.js";
import { CREATE_FTS, SEQ_CURSOR_PREFIX } from "./sqlite-schema.js";

/**
 * Deletes in steps of PAGE records, yielding between steps: a prune of many thousands
 * would otherwise hold the agent's only thread for seconds. `forget` drops what else a
 * record has (its vector), in the same transaction.
 */
export async function removeRecords(
  db: Database.Database,
  seqs: number[],
  forget?: (seq: number) => void,
): Promise<number> {
  const read = db.prepare(
    `SELECT o.command, o.tags, x.stdout, x.stderr FROM operations o JOIN operation_output x ON x.seq = o.seq
     WHERE o.seq = ?`,
  );
  // A contentless index forgets a row given the very text it indexed (see sqlite-schema.ts).
  const unindex = db.prepare(
    "INSERT INTO operations_fts (operations_fts, rowid, command, stdout, stderr, tags) VALUES ('delete', ?, ?, ?, ?, ?)",
  );
  const deletes = ["operation_output", "operations"].map((t) => db.prepare(`DELETE FROM ${t} WHERE seq = ?`));
  const clampCursors = db.prepare(
    `UPDATE meta SET value = (SELECT coalesce(max(seq), 0) FROM operations)
     WHERE key LIKE '${SEQ_CURSOR_PREFIX}%' AND CAST(value AS INTEGER) > (SELECT coalesce(max(seq), 0) FROM operations)`,
  );
  let removed = 0;
  for (let i = 0; i < seqs.length; i += PAGE) {
    if (i > 0) await new Promise((resolve) => setImmediate(resolve));
    db.transaction(() => {
      for (const seq of seqs.slice(i, i + PAGE)) {
        const row = read.get(seq) as { command: string; tags: string; stdout: string; stderr: string } | undefined;
        // Gone meanwhile (another prune between two steps).
        if (!row) continue;
        unindex.run(seq, row.command, row.stdout, row.stderr, row.tags);
        for (const d of deletes) d.run(seq);
        forget?.(seq);
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
 * Rebuilds the full-text index, tags included, with `tagsOf`: in one transaction, so an
 * interrupted reindex leaves the old index whole. Returns how many records were indexed.
 */
export function rebuildIndex(
  db: Database.Database,
  tagsOf: (r: { command: string; stdout: string; stderr: string }) => string,
  done: () => void,
): number {
  const page = db.prepare(
    `SELECT o.seq, o.command, x.stdout, x.stderr FROM operations o JOIN operation_output x ON x.seq = o.seq
     WHERE o.seq > ? ORDER BY o.seq LIMIT ${PAGE}`,
  );
  return db.transaction(() => {
    db.exec(`DROP TABLE operations_fts; ${CREATE_FTS};`);
    const index = db.prepare(
      "INSERT INTO operations_fts (rowid, command, stdout, stderr, tags) VALUES (?, ?, ?, ?, ?)",
    );
    const keep = db.prepare("UPDATE operations SET tags = ? WHERE seq = ?");
    let after = 0;
    let n = 0;
    for (;;) {
      const rows = page.all(after) as { seq: number; command: string; stdout: string; stderr: string }[];
      for (const r of rows) {
        const tags = tagsOf(r);
        index.run(r.seq, r.command, r.stdout, r.stderr, tags);
        keep.run(tags, r.seq);
      }
      n += rows.length;
      if (rows.length < PAGE) break;
      after = rows[rows.length - 1]?.seq ?? after;
    }
    // One merged segment: the freshly built index is searched as fast as it can be.
    db.exec("INSERT INTO operations_fts (operations_fts) VALUES ('optimize')");
    done();
    return n;
  })();
}
