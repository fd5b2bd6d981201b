/**
 * @module Checks of FTS5 MATCH expressions for tests: a grammar of the subset analyzers may
 * emit, so a test needs no SQLite to reject what FTS5 would; and a real FTS5 table, when
 * better-sqlite3 loads, with the history index's columns.
 */

/**
 * The FTS5 subset an analyzer may emit: barewords (not the keywords), "strings" without
 * inner quotes, either optionally followed by `*`, joined by OR/AND, in balanced parentheses.
 */
export function validExpression(expr: string): boolean {
  const tokens = expr.match(/"[^"]*"\*?|\(|\)|[^\s()"]+/g);
  if (!tokens || tokens.join("").replace(/\s+/g, "") !== expr.replace(/\s+/g, "")) return false;
  let depth = 0;
  let expectOperand = true;
  for (const t of tokens) {
    if (t === "(") {
      if (!expectOperand) return false;
      depth++;
    } else if (t === ")") {
      if (expectOperand || --depth < 0) return false;
    } else if (t === "OR" || t === "AND") {
      if (expectOperand) return false;
      expectOperand = true;
    } else {
      const phrase = /^"[^"]+"\*?$/.test(t) || (/^[A-Za-z0-9_\u0080-\uffff]+\*?$/u.test(t) && !/^(NOT|NEAR)$/.test(t));
      if (!expectOperand || !phrase) return false;
      expectOperand = false;
    }
  }
  return depth === 0 && !expectOperand;
}

export interface Fts {
  exec(sql: string): void;
  prepare(sql: string): { run(...a: unknown[]): unknown; all(...a: unknown[]): { rowid: number }[] };
}

/** A real FTS5 table when better-sqlite3 loads here; the grammar check runs either way. */
export async function ftsTable(tokenize: string): Promise<Fts | null> {
  const specifier = "better-sqlite3";
  try {
    const Database = (await import(specifier)).default;
    const db = new Database(":memory:") as Fts;
    db.exec(`CREATE VIRTUAL TABLE f USING fts5(command, stdout, stderr, tags, tokenize="${tokenize}")`);
    return db;
  } catch {
    return null;
  }
}
