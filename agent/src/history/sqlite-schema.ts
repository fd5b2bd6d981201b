/**
 * @module The embedded history's SQLite file: its tables, and the checks made when it is
 * opened (schema version, and which analyzer built its full-text index).
 *
 * `operations` holds each record's small fields and its command; `operation_output` holds
 * the two output streams. Keeping the kilobytes of output out of `operations` keeps that
 * table a few hundred bytes a row, so filtering, counting and grouping (statistics, the
 * filter of every search) read a few thousand pages at 100k records rather than one page a
 * record. `operations_fts` is a contentless FTS5 index (the text is already stored once)
 * over command, stdout, stderr and the analyzer's tags, keyed by the operations rowid.
 * Removing a row from a contentless index takes the exact text it was indexed with, so
 * `operations.tags` keeps the tags as indexed (the analyzer's answer could change with
 * its vocabulary); FTS5's `contentless_delete` would do without, but deletes ~7 times
 * slower, which a prune of thousands of records would feel.
 */
import { chmodSync, closeSync, mkdirSync, openSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";

/** Bumped when the tables change; an older agent refuses a newer file instead of misreading it. */
export const SCHEMA_VERSION = 1;

/** The file's name under the agent's data dir. */
export const HISTORY_FILE_NAME = "history.sqlite";

/** The index's columns, in order: bm25 weights and column filters follow this order. */
export const FTS_COLUMNS = ["command", "stdout", "stderr", "tags"] as const;

/**
 * Words as the analyzer's `words()` cuts them: letters and digits of any script plus `_`, so
 * concept tags (`c_disk_full`) and identifiers stay one token; accents are folded on both
 * sides, so "memoire" finds "mémoire".
 */
const TOKENIZER = "unicode61 remove_diacritics 2 tokenchars '_'";

export const CREATE_FTS = `CREATE VIRTUAL TABLE operations_fts USING fts5(
  ${FTS_COLUMNS.join(", ")}, content='', tokenize="${TOKENIZER}")`;

/**
 * How many records each indexed term occurs in, read from the index itself (see
 * sqlite-selective.ts). In the connection's temp schema: nothing is added to the file, and
 * it reads whichever operations_fts is current, a rebuilt one included.
 */
export const CREATE_VOCAB =
  "CREATE VIRTUAL TABLE IF NOT EXISTS temp.operations_vocab USING fts5vocab(main, operations_fts, row)";

/**
 * `seq` is an explicit INTEGER PRIMARY KEY because the index is keyed by rowid: VACUUM may
 * renumber an implicit rowid, which would silently point the index at other records. The
 * record's own `id` is UNIQUE, which is what `INSERT OR IGNORE` keys on. Small columns come
 * before `command` so reading them never touches a long command's overflow pages.
 *
 * Besides time and VM, the statistics have their own indexes: grouping by host or by
 * command reads one covering index in group order (no table, no sort) whatever the filter,
 * and the latest failures come from a partial index of failures alone (a filter that sees
 * few failures would otherwise walk back through every success). The host index also
 * serves the host filter; the command index, a suggestion's run counts.
 */
const CREATE_TABLES = `
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE operations (
  seq INTEGER PRIMARY KEY,
  id TEXT NOT NULL UNIQUE,
  job_id TEXT NOT NULL,
  caller TEXT NOT NULL,
  vm TEXT NOT NULL,
  host TEXT NOT NULL,
  user TEXT NOT NULL,
  return_code INTEGER,
  timestamp REAL NOT NULL,
  duration_ms REAL NOT NULL,
  tags TEXT NOT NULL,
  command TEXT NOT NULL
);
CREATE TABLE operation_output (seq INTEGER PRIMARY KEY, stdout TEXT NOT NULL, stderr TEXT NOT NULL);
CREATE INDEX operations_timestamp ON operations (timestamp);
CREATE INDEX operations_vm_timestamp ON operations (vm, timestamp);
CREATE INDEX operations_user ON operations (user);
CREATE INDEX operations_host_stats ON operations (host, vm, user, timestamp, return_code);
CREATE INDEX operations_command_stats ON operations (command, vm, host, user, timestamp, return_code);
CREATE INDEX operations_failures ON operations (timestamp) WHERE return_code IS NOT 0;
${CREATE_FTS};
`;

/** Raised when the file's index was built by another analyzer than the one asked for. */
export class AnalyzerMismatchError extends Error {
  constructor(
    readonly file: string,
    readonly indexed: string,
    readonly wanted: string,
  ) {
    super(
      `The history index in ${file} was built with the "${indexed}" analyzer, but this agent uses ` +
        `"${wanted}"; searches would miss what the two tag differently. Run \`telecommande-agent history reindex\` ` +
        "to rebuild the index with the current analyzer.",
    );
    this.name = "AnalyzerMismatchError";
  }
}

/**
 * Opens (creating if needed) the file, readable by its owner only: the history holds
 * commands and their output. WAL lets searches read while a record is written; NORMAL sync
 * is durable across process crashes and may lose only the last moments on power loss.
 */
export function openDatabase(file: string): Database.Database {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  closeSync(openSync(file, "a", 0o600));
  chmodSync(file, 0o600);
  const db = new Database(file);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = NORMAL");
    db.pragma("busy_timeout = 5000");
    // A larger page cache keeps the operations table and the index's hot pages in memory.
    db.pragma("cache_size = -65536");
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

/**
 * Meta keys holding a position in `seq` order (the last record another store has, see
 * qdrant-sync.ts). Removing records keeps each at most the highest seq left, because the
 * next record reuses the seq after it.
 */
export const SEQ_CURSOR_PREFIX = "seq_cursor:";

export function metaValue(db: Database.Database, key: string): string | undefined {
  const row = db.prepare("SELECT value FROM meta WHERE key = ?").get(key) as { value: string } | undefined;
  return row?.value;
}

export function setMeta(db: Database.Database, key: string, value: string): void {
  db.prepare("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value").run(
    key,
    value,
  );
}

/**
 * Creates the tables of a new file, or checks an existing one. Returns the analyzer that
 * built the index; a mismatch throws unless `allowMismatch` (the file is being opened to
 * reindex it).
 */
export function prepareSchema(db: Database.Database, file: string, analyzer: string, allowMismatch: boolean): string {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!exists) {
    db.transaction(() => {
      db.exec(CREATE_TABLES);
      setMeta(db, "schema_version", String(SCHEMA_VERSION));
      setMeta(db, "analyzer", analyzer);
    })();
    return analyzer;
  }
  const version = Number(metaValue(db, "schema_version"));
  if (version !== SCHEMA_VERSION) {
    throw new Error(
      `The history file ${file} has schema version ${metaValue(db, "schema_version")}, but this agent reads version ` +
        `${SCHEMA_VERSION}${version > SCHEMA_VERSION ? " (it was written by a newer agent)" : ""}.`,
    );
  }
  const indexed = metaValue(db, "analyzer") ?? "";
  if (indexed !== analyzer && !allowMismatch) throw new AnalyzerMismatchError(file, indexed, analyzer);
  return indexed;
}
