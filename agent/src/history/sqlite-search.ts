/**
 * @module Full-text search and command suggestions over the embedded history: the
 * analyzer's FTS5 expression, restricted to a collection's column when asked, ranked by
 * weighted BM25, filtered to the caller's VMs.
 */
import Database from "better-sqlite3";
import { type Analyzer, plainAnalyzer } from "./analyzer.js";
import type { OperationRecord } from "./record.js";
import { filterSql, type Params, RECORD_COLUMNS, type Statements } from "./sqlite-filter.js";
import { FTS_COLUMNS } from "./sqlite-schema.js";
import { selectiveExpression } from "./sqlite-selective.js";
import type { Collection, SearchHit, SearchQuery, Suggestion, SuggestQuery } from "./store.js";

/**
 * BM25 weight of each index column, in FTS_COLUMNS order. A word in stderr says a little
 * more about what went wrong than in stdout; a concept tag is the analyzer's judgement
 * about the whole operation. Tried on the search-quality bench (3,000 operations, 99
 * questions): with the vocabulary analyzer the tags carry the ranking and these weights
 * barely move it (recall@10 0.917, P@5 0.836); a heavier command (1.5, 2) lowered plain
 * BM25's MRR (0.441 to 0.427, 0.412), a lighter stdout (0.8) the vocabulary's P@5 (0.788).
 */
const WEIGHTS = { command: 1.0, stdout: 1.0, stderr: 1.2, tags: 2.0 } as const;

/**
 * A suggestion is a command, so its own text counts most: "check disk space" should bring
 * `df -h`, not a command that happened to print a disk table.
 */
const SUGGEST_WEIGHTS = { command: 3.0, stdout: 0.3, stderr: 0.3, tags: 1.0 } as const;

const COLLECTION_COLUMN: Record<Collection, (typeof FTS_COLUMNS)[number]> = {
  commands: "command",
  stdout: "stdout",
  stderr: "stderr",
};

/**
 * The MATCH expression and the bm25() call for a collection. Tags describe an operation's
 * outcome, so they take part whichever text the question is about; the other columns get
 * weight 0 so they cannot add to the score.
 */
function ranking(
  expression: string,
  collection: Collection | undefined,
  weightsOf: Record<(typeof FTS_COLUMNS)[number], number> = WEIGHTS,
): { match: string; bm25: string } {
  if (!collection) {
    const weights = FTS_COLUMNS.map((c) => weightsOf[c].toFixed(2));
    return { match: expression, bm25: `bm25(operations_fts, ${weights.join(", ")})` };
  }
  const column = COLLECTION_COLUMN[collection];
  const weights = FTS_COLUMNS.map((c) => (c === column || c === "tags" ? WEIGHTS[c] : 0).toFixed(2));
  return { match: `{${column} tags} : (${expression})`, bm25: `bm25(operations_fts, ${weights.join(", ")})` };
}

/**
 * Runs `query` with the analyzer's expression; if SQLite rejects that expression (an
 * analyzer let FTS5 syntax through), runs it again with the question's quoted words (plain
 * BM25's expression, always valid). The question is the user's text, so a malformed one
 * must cost relevance, not the answer.
 */
function withFallback<T>(analyzer: Analyzer, text: string, run: (expression: string) => T[]): T[] {
  const expression = analyzer.ftsQuery(text);
  if (expression === null) return [];
  try {
    return run(expression);
  } catch (err) {
    if (!(err instanceof Database.SqliteError)) throw err;
    const fallback = plainAnalyzer.ftsQuery(text);
    return fallback === null ? [] : run(fallback);
  }
}

/**
 * The driving table is the index (CROSS JOIN fixes the order): each match is joined to its
 * small operations row by rowid and filtered there, and only rows that pass are scored and
 * sorted, so hits of other VMs can neither appear nor take the place of the caller's. The
 * outputs are read only for the hits returned.
 */
function matchedSql(bm25: string, where: string, extra = ""): string {
  return `SELECT o.seq AS seq, -${bm25} AS score, o.timestamp AS ts, o.command AS command, o.host AS host
    FROM operations_fts CROSS JOIN operations o ON o.seq = operations_fts.rowid
    WHERE operations_fts MATCH @match AND ${where}${extra}`;
}

type RecordRow = OperationRecord & { score: number };

export function searchSqlite(statements: Statements, analyzer: Analyzer, query: SearchQuery): SearchHit[] {
  if (query.vms.length === 0 || query.limit <= 0) return [];
  const filter = filterSql(query);
  const run = (expression: string) => {
    const { match, bm25 } = ranking(expression, query.collection);
    const sql = `SELECT ${RECORD_COLUMNS}, t.score AS score FROM (
        ${matchedSql(bm25, filter.where)} ORDER BY score DESC, ts DESC, seq DESC LIMIT @limit
      ) t JOIN operations o ON o.seq = t.seq JOIN operation_output x ON x.seq = t.seq
      ORDER BY t.score DESC, t.ts DESC, t.seq DESC`;
    return statements.get(sql).all({ ...filter.params, match, limit: query.limit }) as RecordRow[];
  };
  const rows = withFallback(analyzer, query.text, (expression) => {
    // Document counts are of whole records: within one collection's column a word common
    // elsewhere may be rare, so a collection's search keeps every term.
    const narrowed = query.collection ? expression : selectiveExpression(statements, expression);
    if (narrowed !== expression) {
      const rows = run(narrowed);
      // The rarer terms fill the answer; when they cannot, the common ones are needed after all.
      if (rows.length >= query.limit) return rows;
    }
    return run(expression);
  });
  return rows.map(({ score, ...record }) => ({ record, score }));
}

interface SuggestionRow {
  command: string;
  relevance: number;
  host: string;
  last_used: number;
  runs: number;
  successes: number;
}

/**
 * Groups the successful matching runs by their exact command: the group's best score ranks
 * it, its latest run gives host and time (SQLite takes a bare column from the row that holds
 * the max()). Runs and successes count every run of the command in the filter, matching
 * or not, failed or not.
 */
function suggestSql(bm25: string, where: string): string {
  return `WITH hits AS MATERIALIZED (${matchedSql(bm25, where, " AND o.return_code = 0")}),
    best AS (
      SELECT command, max(score) AS relevance, max(ts) AS newest FROM hits GROUP BY command
      ORDER BY relevance DESC, newest DESC LIMIT @limit
    ),
    latest AS (
      SELECT command, host, max(ts) AS last_used FROM hits WHERE command IN (SELECT command FROM best) GROUP BY command
    ),
    runs AS (
      SELECT o.command, count(*) AS runs, coalesce(sum(o.return_code = 0), 0) AS successes
      FROM operations o INDEXED BY operations_command_stats
      WHERE o.command IN (SELECT command FROM best) AND ${where} GROUP BY o.command
    )
    SELECT b.command, b.relevance, l.host, l.last_used, r.runs, r.successes
    FROM best b JOIN latest l ON l.command = b.command JOIN runs r ON r.command = b.command
    ORDER BY b.relevance DESC, l.last_used DESC`;
}

export function suggestSqlite(statements: Statements, analyzer: Analyzer, query: SuggestQuery): Suggestion[] {
  if (query.vms.length === 0 || query.limit <= 0) return [];
  const filter = filterSql(query);
  const rows = withFallback(analyzer, query.context, (expression) => {
    const { match, bm25 } = ranking(expression, undefined, SUGGEST_WEIGHTS);
    const params: Params = { ...filter.params, match, limit: query.limit };
    return statements.get(suggestSql(bm25, filter.where)).all(params) as SuggestionRow[];
  });
  return rows.map((r) => ({
    command: r.command,
    relevance_score: r.relevance,
    host: r.host,
    last_used: r.last_used,
    success_rate: r.runs ? r.successes / r.runs : 0,
    runs: r.runs,
    successes: r.successes,
  }));
}
