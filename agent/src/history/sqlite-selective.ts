/**
 * @module Keeps a search's cost bounded on a large history: the terms of a question that
 * occur in more than a tenth of the records are left out of its FTS5 expression when the
 * rarer terms alone fill the answer.
 *
 * Every record the expression matches is joined to its row and scored by BM25, so a search
 * costs in proportion to how many records match any of its terms. An operations question
 * becomes many terms (its concepts' tags, their usual words and commands, its own words),
 * and on 100k records with outputs of a few KB several of them ("servic*", "proces*",
 * "memory", "nginx") each occur in 20–30 % of the records: such a question matched half
 * the history and took 40–60 ms. Those terms weigh little in BM25 (low IDF), so leaving
 * them out changes the ranking very little. Measured (bench:history, bench:search-quality):
 * search p50 at 100k from 15.8 to about 7 ms; the offline default's MRR@10 stayed 1.000 and
 * its recall@10 went 0.917 → 0.916 at 3,000 operations, 0.929 → 0.930 at 100,000 (plain
 * BM25's MRR@10 0.441 → 0.431). A share of 0.05 was faster still (p50 5.4 ms) but lost
 * relevance (MRR@10 0.975); 0.2 left the p50 at 10.3 ms.
 *
 * The caller runs the narrowed expression first and the whole one when that returns fewer
 * hits than asked: a question whose only matching term is common (a concept most records
 * show) still gets its answer, at the old cost.
 */
import type { Statements } from "./sqlite-filter.js";

/** Terms in more than this share of the records are dropped when the expression has others. */
export const COMMON_SHARE = 0.1;
/** Below this many records every search is cheap and a share says little: nothing is dropped. */
export const SELECTIVE_MIN_RECORDS = 1000;

/** One term of a flat OR list, as the analyzers write them: a bareword, a "phrase", a "prefix"*. */
const TERM = /^(?:"[^"]*"\*?|[\p{L}\p{N}_]+)$/u;

/** Above every character a term can hold (U+10FFFF): the end of a prefix's range of terms. */
const PREFIX_END = "\u{10FFFF}";

/**
 * In how many records a term occurs, at most: a phrase in no more records than its rarest
 * word, a prefix in no more than the sum of the words it starts (a record holding two of
 * them counts twice). A word the index does not know counts 0, so it is kept.
 */
function documentsAtMost(statements: Statements, term: string): number {
  const prefix = term.endsWith("*");
  const tokens = term
    .replace(/\*$/, "")
    .replace(/^"|"$/g, "")
    .split(" ")
    .filter((t) => t.length > 0);
  const counts = tokens.map((token, i) => {
    if (prefix && i === tokens.length - 1) {
      const sum = statements.get(
        "SELECT coalesce(sum(doc), 0) FROM temp.operations_vocab WHERE term >= ? AND term < ?",
      );
      return sum.pluck().get(token, token + PREFIX_END) as number;
    }
    const one = statements.get("SELECT doc FROM temp.operations_vocab WHERE term = ?");
    return (one.pluck().get(token) as number | undefined) ?? 0;
  });
  return counts.length ? Math.min(...counts) : 0;
}

/**
 * The expression without its common terms, when it is a flat OR list (what both shipped
 * analyzers write) and at least one term is not common; otherwise the expression as given.
 * Term order is kept, so the same question always gives the same expression.
 */
export function selectiveExpression(statements: Statements, expression: string): string {
  const terms = expression.split(" OR ");
  if (terms.length < 2 || !terms.every((t) => TERM.test(t))) return expression;
  const records = statements.get("SELECT count(*) FROM operations").pluck().get() as number;
  if (records < SELECTIVE_MIN_RECORDS) return expression;
  const limit = records * COMMON_SHARE;
  const kept = terms.filter((t) => documentsAtMost(statements, t) <= limit);
  return kept.length && kept.length < terms.length ? kept.join(" OR ") : expression;
}
