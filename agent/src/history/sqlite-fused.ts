/**
 * @module The embedded history's search when an embedder is configured: the lexical
 * ranking (FTS5, BM25 over command, outputs and the analyzer's tags) and the nearest
 * vectors to the question, fused by reciprocal rank. Lexical search catches exact words
 * (a unit's name, an error code); vectors catch what is said in other words.
 */
import type { Analyzer } from "./analyzer.js";
import type { Embedder } from "./embedder.js";
import type { OperationRecord } from "./record.js";
import { RECORD_COLUMNS, type Statements } from "./sqlite-filter.js";
import { searchSqlite } from "./sqlite-search.js";
import type { VectorIndex } from "./sqlite-vectors.js";
import type { SearchHit, SearchQuery } from "./store.js";

/** Reciprocal rank fusion's constant: the usual 60, as the Qdrant store's fusion. */
export const RRF_K = 60;

/**
 * Candidates each side brings: more than the answer needs, so an operation ranked modestly
 * by both sides still rises, and the vector side keeps enough after the caller's filter.
 */
export const candidatesFor = (limit: number) => Math.max(limit * 5, 50);

export interface FusedSearch {
  statements: Statements;
  analyzer: Analyzer;
  vectors: VectorIndex;
  /** The question's vector, or null when the embedder failed (lexical ranking alone). */
  questionVector: (text: string) => Promise<number[] | null>;
}

export async function searchFused(
  { statements, analyzer, vectors, questionVector }: FusedSearch,
  query: SearchQuery,
): Promise<SearchHit[]> {
  // A collection search is about one stream; a record's vector is of all three at once.
  if (query.vms.length === 0 || query.limit <= 0 || query.collection) {
    return searchSqlite(statements, analyzer, query);
  }
  const k = candidatesFor(query.limit);
  const lexical = searchSqlite(statements, analyzer, { ...query, limit: k });
  const vector = await questionVector(query.text);
  if (!vector) return lexical.slice(0, query.limit);
  const nearest = vectors.nearest(vector, k, query);

  // One entry per operation: its record id, the record when the lexical side read it, else its seq.
  const fused = new Map<string, { score: number; record?: OperationRecord; seq?: number }>();
  lexical.forEach((hit, rank) => {
    fused.set(hit.record.id, { score: 1 / (RRF_K + rank + 1), record: hit.record });
  });
  const idOf = statements.get("SELECT id FROM operations WHERE seq = ?").pluck();
  nearest.forEach((seq, rank) => {
    const id = idOf.get(seq) as string | undefined;
    if (id === undefined) return;
    const entry = fused.get(id) ?? { score: 0, seq };
    entry.score += 1 / (RRF_K + rank + 1);
    fused.set(id, entry);
  });
  const read = statements.get(
    `SELECT ${RECORD_COLUMNS} FROM operations o JOIN operation_output x ON x.seq = o.seq WHERE o.seq = ?`,
  );
  const hits: SearchHit[] = [];
  const ranked = [...fused.values()].sort(
    (a, b) => b.score - a.score || (b.record?.timestamp ?? 0) - (a.record?.timestamp ?? 0),
  );
  for (const entry of ranked) {
    if (hits.length >= query.limit) break;
    const record = entry.record ?? (read.get(entry.seq) as OperationRecord | undefined);
    if (record) hits.push({ record, score: entry.score });
  }
  return hits;
}

/** The question's vector; null when the embedder fails or takes longer than `waitMs` (`failed` is told why). */
export async function questionVector(
  embedder: Embedder,
  text: string,
  waitMs: number,
  failed: (error: Error) => void,
): Promise<number[] | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer in ${waitMs} ms`)), waitMs);
  });
  try {
    const [vector] = await Promise.race([embedder.embed([text]), late]);
    return vector ?? null;
  } catch (error) {
    failed(error instanceof Error ? error : new Error(String(error)));
    return null;
  } finally {
    clearTimeout(timer);
  }
}
