/**
 * @module The search-quality bench's data: a seeded, realistic history of ~3,000 operations
 * over 40 VMs (routine checks, installs, restarts and empty searches, see background.ts),
 * with incidents planted for each labelled question of questions.json, and for each
 * question the ids of the records that answer it.
 *
 * Relevance comes from the records' ground-truth labels, set where each record is made and
 * never from an analyzer's tags, so the bench can judge an analyzer without grading it
 * against itself. A record answers a question when its labels include all the question's
 * concepts and its text contains all its facts; an English question and its French twin
 * therefore share their answers.
 */
import { readFileSync } from "node:fs";
import type { OperationRecord } from "../../agent/src/history/record.js";
import { BACKGROUND } from "./background.js";
import { NETWORK } from "./incidents-network.js";
import { PROCESSES } from "./incidents-processes.js";
import { SERVICES } from "./incidents-services.js";
import { SYSTEM } from "./incidents-system.js";
import { CALLERS, type Ctx, type Draft, fleet, Rng, SSH_USERS, type Vm } from "./world.js";

export interface LabelledQuestion {
  id: string;
  lang: "en" | "fr";
  q: string;
  /** Vocabulary concept ids an answer must show. */
  concepts: string[];
  /** Literal strings an answer's command or output must contain. */
  facts?: string[];
  /** The incident scenario planted for it (incidents-*.ts). */
  plant: string;
  /** What the scenario is about, when the question names it (a package, a path, a port). */
  subject?: string;
}

export interface BenchQuestion {
  id: string;
  q: string;
  lang: "en" | "fr";
  /** Ids of the records that answer it; never empty. */
  relevant: string[];
}

export interface BenchData {
  records: OperationRecord[];
  questions: BenchQuestion[];
  /** Each record's ground-truth labels, by record id. */
  labels: Map<string, string[]>;
}

export interface GenerateOptions {
  seed?: number;
  /** Records in all, planted ones included. */
  records?: number;
  /** Records planted per question. */
  plantsPerQuestion?: number;
}

export const SCENARIOS = { ...SYSTEM, ...PROCESSES, ...SERVICES, ...NETWORK };

const readJson = (relative: string) => JSON.parse(readFileSync(new URL(relative, import.meta.url), "utf8"));

export function loadQuestions(): LabelledQuestion[] {
  return (readJson("./questions.json") as { questions: LabelledQuestion[] }).questions;
}

/** Labels and question concepts are vocabulary ids: a typo would silently leave a question unanswerable. */
function checkConcepts(questions: LabelledQuestion[], labels: Iterable<string[]>): void {
  const vocabulary = readJson("../../agent/src/history/vocabulary.json") as { concepts: { id: string }[] };
  const known = new Set(vocabulary.concepts.map((c) => c.id));
  const used = [...questions.flatMap((q) => q.concepts), ...[...labels].flat()];
  const unknown = [...new Set(used.filter((id) => !known.has(id)))];
  if (unknown.length) throw new Error(`not vocabulary concepts: ${unknown.join(", ")}`);
}

/** Thirty days ending 2026-01-31 00:00 UTC: fixed, so the history's dates never change. */
const END = 1_769_817_600;
const SPAN = 30 * 86_400;

/** Where each kind of incident happens: OOM kills on app and db VMs, nginx errors on web and lb… */
function vmFor(rng: Rng, vms: Vm[], draftCommand: string): Vm {
  const wanted = /nginx/.test(draftCommand)
    ? ["web", "lb"]
    : /postgres|psql|pg_dump|mysql/.test(draftCommand)
      ? ["db"]
      : [];
  const pool = wanted.length ? vms.filter((v) => wanted.includes(v.role)) : vms;
  return rng.pick(pool);
}

function place(
  rng: Rng,
  vm: Vm,
  time: number,
  draft: Draft,
): Omit<OperationRecord, "id" | "job_id"> & { labels: string[] } {
  return {
    caller: rng.pick(CALLERS),
    vm: vm.name,
    host: vm.host,
    user: draft.user ?? rng.pick(SSH_USERS),
    command: draft.command,
    stdout: draft.stdout,
    stderr: draft.stderr,
    return_code: draft.return_code,
    timestamp: time,
    duration_ms: draft.duration_ms ?? rng.int(40, 2500),
    labels: [...new Set(draft.labels)],
  };
}

export function generate(options: GenerateOptions = {}): BenchData {
  const rng = new Rng(options.seed ?? 20260131);
  const vms = fleet(rng);
  const questions = loadQuestions();
  const total = options.records ?? 3000;
  const perQuestion = options.plantsPerQuestion ?? 2;
  const drafts: ReturnType<typeof place>[] = [];
  const time = () => END - SPAN + rng.int(0, SPAN - 1) + rng.int(0, 999) / 1000;

  for (const question of questions) {
    const scenario = SCENARIOS[question.plant];
    if (!scenario) throw new Error(`question ${question.id}: no scenario "${question.plant}"`);
    for (let i = 0; i < perQuestion; i++) {
      const t = time();
      const subject = question.subject ? { subject: question.subject } : {};
      const [vm, draft] = plant(question, () => {
        // The VM is drawn twice: once to shape the draft (locale, OS), once by where it fits.
        const probe: Ctx = { rng, vm: rng.pick(vms), time: t, ...subject };
        const vm = vmFor(rng, vms, scenario(probe).command);
        return [vm, scenario({ ...probe, vm })];
      });
      drafts.push(place(rng, vm, t, draft));
    }
  }
  const weights = BACKGROUND.map(([w]) => w);
  while (drafts.length < total) {
    const vm = rng.pick(vms);
    const t = time();
    const make = BACKGROUND[rng.weighted(weights)]?.[1];
    if (make) drafts.push(place(rng, vm, t, make({ rng, vm, time: t })));
  }

  drafts.sort((a, b) => a.timestamp - b.timestamp);
  const labels = new Map<string, string[]>();
  const records: OperationRecord[] = drafts.map(({ labels: l, ...rest }, n) => {
    const job_id = `job-${String(n + 1).padStart(5, "0")}`;
    const record = { id: `${job_id}:${rest.vm}`, job_id, ...rest };
    labels.set(record.id, l);
    return record;
  });

  checkConcepts(questions, labels.values());
  return {
    records,
    labels,
    questions: questions.map((q) => ({ id: q.id, q: q.q, lang: q.lang, relevant: relevantTo(q, records, labels) })),
  };
}

/** A draft of the question's scenario that shows its facts (shapes and locales vary; some may not). */
function plant(question: LabelledQuestion, draw: () => [Vm, Draft]): [Vm, Draft] {
  const facts = (question.facts ?? []).map((f) => f.toLowerCase());
  for (let attempt = 0; attempt < 50; attempt++) {
    const [vm, draft] = draw();
    const text = `${draft.command}\n${draft.stdout}\n${draft.stderr}`.toLowerCase();
    if (facts.every((f) => text.includes(f))) return [vm, draft];
  }
  throw new Error(
    `question ${question.id}: scenario "${question.plant}" never shows ${JSON.stringify(question.facts)}`,
  );
}

/** Every record whose labels cover the question's concepts and whose text holds its facts. */
export function relevantTo(
  question: LabelledQuestion,
  records: OperationRecord[],
  labels: Map<string, string[]>,
): string[] {
  const facts = (question.facts ?? []).map((f) => f.toLowerCase());
  const ids = records
    .filter((r) => {
      const l = labels.get(r.id) ?? [];
      if (!question.concepts.every((c) => l.includes(c))) return false;
      const text = `${r.command}\n${r.stdout}\n${r.stderr}`.toLowerCase();
      return facts.every((f) => text.includes(f));
    })
    .map((r) => r.id);
  if (!ids.length) throw new Error(`question ${question.id} ("${question.q}") has no answer in the history`);
  return ids;
}
