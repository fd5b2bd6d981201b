/**
 * @module Ranking metrics of the search-quality bench: where a question's first relevant
 * record comes in the top 10, MRR@10 and recall@10, overall and per language.
 *
 * Recall@10 is capped: the share of a question's relevant records in its top 10, out of at
 * most 10. Some questions have dozens of answers ("which services failed"); plain recall
 * would hold them below 1 whatever the ranking, where a top 10 made only of answers is as
 * good as a top 10 gets.
 */
import type { BenchQuestion } from "./generate.js";

export const K = 10;

export interface QuestionResult {
  question: BenchQuestion;
  /** 1-based rank of the first relevant record in the top K; null when none is there. */
  firstRank: number | null;
  /** Relevant records in the top K. */
  found: number;
}

export interface Scores {
  questions: number;
  mrr: number;
  recall: number;
}

/** Scores one question from the ids the search returned, best first. */
export function judge(question: BenchQuestion, returned: readonly string[]): QuestionResult {
  const relevant = new Set(question.relevant);
  const top = returned.slice(0, K);
  const index = top.findIndex((id) => relevant.has(id));
  return {
    question,
    firstRank: index < 0 ? null : index + 1,
    found: top.filter((id) => relevant.has(id)).length,
  };
}

export function score(results: readonly QuestionResult[]): Scores {
  const n = results.length;
  if (!n) return { questions: 0, mrr: Number.NaN, recall: Number.NaN };
  let rr = 0;
  let recall = 0;
  for (const r of results) {
    rr += r.firstRank === null ? 0 : 1 / r.firstRank;
    recall += r.found / Math.min(K, r.question.relevant.length);
  }
  return { questions: n, mrr: rr / n, recall: recall / n };
}

/** Overall, then English, then French. */
export function scoresByLanguage(results: readonly QuestionResult[]): { scope: string; scores: Scores }[] {
  return [
    { scope: "all", scores: score(results) },
    { scope: "en", scores: score(results.filter((r) => r.question.lang === "en")) },
    { scope: "fr", scores: score(results.filter((r) => r.question.lang === "fr")) },
  ];
}

/** Lowest reciprocal rank first (not found before rank 10 before rank 2), then fewest found. */
export function worst(results: readonly QuestionResult[], n: number): QuestionResult[] {
  const rr = (r: QuestionResult) => (r.firstRank === null ? 0 : 1 / r.firstRank);
  const recall = (r: QuestionResult) => r.found / Math.min(K, r.question.relevant.length);
  return [...results].sort((a, b) => rr(a) - rr(b) || recall(a) - recall(b)).slice(0, n);
}
