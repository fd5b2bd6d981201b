/**
 * @module Search quality of the history: the labelled questions of
 * search-quality/questions.json (English and French) over a seeded, realistic history of a
 * few thousand operations (search-quality/generate.ts), asked of the embedded store built
 * with the offline default (the operations vocabulary) and with plain BM25 over the same
 * records, in the same run. MRR@10 and recall@10, overall and per language.
 * Goals: offline MRR@10 ≥ 0.8, and at least 2× plain BM25's.
 *
 *   npm run bench:search-quality -- [--seed <n>] [--records <n>] [--worst <n>]
 *
 * The bench reports: a missed goal is printed, not an exit status. Exit 1 when the history
 * cannot be built or the store fails.
 */
import { parseArgs } from "node:util";
import { type Analyzer, plainAnalyzer } from "../agent/src/history/analyzer.js";
import { vocabularyAnalyzer } from "../agent/src/history/vocabulary.js";
import { type Evaluation, evaluate } from "./search-quality/evaluate.js";
import { type BenchData, generate } from "./search-quality/generate.js";
import { K, type QuestionResult, type Scores, scoresByLanguage, worst } from "./search-quality/metrics.js";
import { printTable } from "./stats.js";

const DEFAULT_SEED = 20260131;
const GOAL_MRR = 0.8;
const GOAL_RATIO = 2;
const USAGE = "usage: bench/search-quality.ts [--seed <integer>] [--records <≥ 1000>] [--worst <≥ 0>]";

class SetupError extends Error {}

function parse() {
  const { values } = parseArgs({
    options: {
      seed: { type: "string", default: String(DEFAULT_SEED) },
      records: { type: "string", default: "3000" },
      worst: { type: "string", default: "12" },
    },
  });
  const [seed, records, worstN] = [Number(values.seed), Number(values.records), Number(values.worst)];
  if (!Number.isInteger(seed) || !Number.isInteger(records) || records < 1000 || !Number.isInteger(worstN)) {
    throw new SetupError(USAGE);
  }
  return { seed, records, worst: Math.max(0, worstN) };
}

const f3 = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : "-");

/** MRR@10 all/en/fr, then recall@10 all/en/fr. */
function cells(evaluation: Evaluation): { scores: Scores[]; row: string[] } {
  const scores = scoresByLanguage(evaluation.results).map((s) => s.scores);
  return { scores, row: [...scores.map((s) => f3(s.mrr)), ...scores.map((s) => f3(s.recall))] };
}

function mistralRow(): string {
  if (!process.env.MISTRAL_API_KEY) return "not run (MISTRAL_API_KEY not set)";
  return "not run (MISTRAL_API_KEY is set, but this build has no Mistral embedder)";
}

function printLegend(data: BenchData, seed: number, evaluations: Evaluation[]): void {
  const vms = new Set(data.records.map((r) => r.vm)).size;
  const byLang = (lang: string) => data.questions.filter((q) => q.lang === lang).length;
  const answers = data.questions.map((q) => q.relevant.length);
  console.log(
    [
      `\nhistory: ${data.records.length} operations on ${vms} VMs over 30 days, seed ${seed}`,
      `questions: ${data.questions.length} (${byLang("en")} English, ${byLang("fr")} French), ` +
        `${Math.min(...answers)} to ${Math.max(...answers)} relevant records each`,
      `each question: store.search({ text, vms: every VM, limit: ${K} }), all three collections`,
      `MRR@${K}: mean of 1/rank of the first relevant record (0 when none in the top ${K})`,
      `recall@${K}: relevant records in the top ${K} / min(${K}, relevant records), averaged`,
      ...evaluations.map(
        (e) => `  ${e.analyzer}: loaded in ${e.loadMs.toFixed(0)} ms, ${e.searchMs.toFixed(2)} ms per search (mean)`,
      ),
      "",
    ].join("\n"),
  );
}

function printWorst(vocabulary: Evaluation, plain: Evaluation, n: number): void {
  if (!n) return;
  const plainById = new Map(plain.results.map((r) => [r.question.id, r]));
  const rank = (r: QuestionResult | undefined) => (r?.firstRank == null ? "not found" : String(r.firstRank));
  console.log(`\nworst questions for ${vocabulary.analyzer} (rank of the first relevant record, top ${K}):`);
  printTable(
    ["id", "question", "rank", "found", "plain rank"],
    worst(vocabulary.results, n).map((r) => [
      r.question.id,
      r.question.q,
      rank(r),
      `${r.found}/${Math.min(K, r.question.relevant.length)}`,
      rank(plainById.get(r.question.id)),
    ]),
    2,
  );
}

async function main(): Promise<number> {
  const options = parse();
  let data: BenchData;
  try {
    data = generate({ seed: options.seed, records: options.records });
  } catch (error) {
    throw new SetupError(`cannot build the history: ${(error as Error).message}`);
  }
  const analyzers: Analyzer[] = [vocabularyAnalyzer, plainAnalyzer];
  const evaluations: Evaluation[] = [];
  for (const analyzer of analyzers) {
    console.error(
      `${analyzer.name}: loading ${data.records.length} records, asking ${data.questions.length} questions…`,
    );
    evaluations.push(await evaluate(analyzer, data));
  }
  const [vocabulary, plain] = evaluations as [Evaluation, Evaluation];
  printLegend(data, options.seed, evaluations);

  const v = cells(vocabulary);
  const p = cells(plain);
  const ratio = v.scores.map((s, i) => s.mrr / (p.scores[i]?.mrr ?? Number.NaN));
  const recallRatio = v.scores.map((s, i) => s.recall / (p.scores[i]?.recall ?? Number.NaN));
  const times = (x: number) => (Number.isFinite(x) ? `${x.toFixed(2)}×` : "-");
  const na = ["", "", "", "", "", ""];
  printTable(
    ["search", "MRR@10", "en", "fr", "recall@10", "en", "fr"],
    [
      [`offline default (${vocabulary.analyzer})`, ...v.row],
      ["plain BM25 (same store, same data)", ...p.row],
      [`offline / plain`, ...ratio.map(times), ...recallRatio.map(times)],
      [`Mistral embeddings: ${mistralRow()}`, ...na],
    ],
    1,
  );

  const mrr = v.scores[0]?.mrr ?? Number.NaN;
  const overall = ratio[0] ?? Number.NaN;
  const verdict = (met: boolean) => (met ? "met" : "MISSED");
  console.log(`\ngoals:`);
  console.log(`  offline MRR@10 ≥ ${GOAL_MRR}: ${f3(mrr)} ${verdict(mrr >= GOAL_MRR)}`);
  console.log(
    `  offline MRR@10 ≥ ${GOAL_RATIO}× plain BM25's: ${f3(mrr)} / ${f3(p.scores[0]?.mrr ?? Number.NaN)} = ` +
      `${times(overall)} ${verdict(overall >= GOAL_RATIO)}`,
  );
  printWorst(vocabulary, plain, options.worst);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: Error) => {
    console.error(error instanceof SetupError ? error.message : `bench failed: ${error.stack ?? error.message}`);
    process.exit(1);
  },
);
