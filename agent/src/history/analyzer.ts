/**
 * @module How the embedded store understands text: which concept tags an operation
 * carries (indexed beside its command and output), and what full-text query a
 * natural-language question becomes (its words, their synonyms and translations, the
 * concepts they name). The offline default is vocabulary.ts; `plainAnalyzer` is the
 * plain-BM25 baseline the quality bench compares against.
 */

/** The texts of one operation an analyzer looks at. */
export interface OperationText {
  command: string;
  stdout: string;
  stderr: string;
}

export interface Analyzer {
  /** A name recorded with the index: a store refuses to mix analyzers (see `history reindex`). */
  readonly name: string;
  /** Concept tags of an operation (e.g. `c_oom`, `c_disk_full`), indexed in their own column. */
  tags(text: OperationText): string[];
  /**
   * An FTS5 MATCH expression for a question (bareword tokens and "quoted phrases" only,
   * combined with OR/AND and parentheses); null when the question has no searchable word.
   */
  ftsQuery(question: string): string | null;
}

/** Lower-cased word tokens of a question: letters and digits in any script, nothing else. */
export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize("NFKC")
      .match(/[\p{L}\p{N}_]+/gu) ?? []
  );
}

/** Plain BM25: the question's own words, any of them; no tags, no synonyms. */
export const plainAnalyzer: Analyzer = {
  name: "plain",
  tags: () => [],
  ftsQuery(question) {
    const tokens = [...new Set(words(question))];
    return tokens.length ? tokens.map((t) => `"${t}"`).join(" OR ") : null;
  },
};
