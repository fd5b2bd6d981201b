/**
 * @module The offline analyzer: what operators ask about, as data (vocabulary.json), with no
 * embedding model. An operation gets one tag per concept its command or output shows (an OOM
 * kill in `dmesg`, a `df` line at 100 %, `Permission denied`…); a question becomes the tags
 * of the concepts it names, in English or French, OR'ed with their usual words and commands
 * and the question's own remaining words, for FTS5 BM25 to rank.
 *
 * Tags are `zz` + the concept id's letters and digits (`zzoom`, `zzdiskfull`): plain ASCII
 * words no command or output contains, one token under any FTS5 tokenizer. Query words are
 * lower-cased and stripped of accents, so the index must fold diacritics too (unicode61 with
 * remove_diacritics 1, its default, or 2) for "mémoire" in an output to match "memoire".
 * Terms with `_` (`pg_dump`) are quoted, so they hold either way: one token with tokenchars
 * '_', a two-word phrase without.
 */
import { readFileSync } from "node:fs";
import { type Analyzer, type OperationText, words } from "./analyzer.js";
import { LiteralSet, mayMatch, type Seen } from "./literal-scan.js";
import { HISTORY_OUTPUT_CHARS } from "./record.js";

/** A text pattern: on the command and the output; on one of them; or all of several. */
export type PatternSpec = string | { command: string } | { output: string } | { all: PatternSpec[] };

export interface ConceptSpec {
  id: string;
  /** A generic concept ("errors", "service"): it counts only when the question names no other. */
  weak?: boolean;
  query: { en: string[]; fr: string[] };
  text: PatternSpec[];
  terms: string[];
}

export interface VocabularyData {
  /** Bumped whenever a change alters which operations get a tag: the analyzer's name follows. */
  version: number;
  stopwords: { en: string[]; fr: string[] };
  concepts: ConceptSpec[];
}

/** How much of each stream the patterns look at: what the history keeps of it. */
const SCAN_CHARS = HISTORY_OUTPUT_CHARS;
/** Bounds on a question and on what it becomes, so a pasted log cannot make a huge query. */
const MAX_QUESTION_CHARS = 2_000;
const MAX_CONCEPTS = 8;
const MAX_TERMS = 40;
const MAX_WORDS = 16;
/** Words at least this long are searched as prefixes (after a light stemming). */
const PREFIX_MIN = 4;

/** A word without accents or other combining marks ("mémoire" → "memoire"). */
export function fold(word: string): string {
  return word
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .normalize("NFC");
}

/** Lower-cased, NFKC, accent-free word tokens: what phrases and stop words are compared on. */
export function foldedWords(text: string): string[] {
  return words(text).map(fold);
}

/** Plural-insensitive key for phrase matching: "disques pleins" finds "disque plein". */
function key(token: string): string {
  return token.length > 3 && token.endsWith("s") && !token.endsWith("ss") ? token.slice(0, -1) : token;
}

/** Drops one common English or French ending, keeping at least PREFIX_MIN letters. */
const ENDINGS = ["ements", "ement", "ations", "ation", "ings", "ing", "ees", "ies", "ed", "es", "ee", "e", "s", "x"];
export function stem(word: string): string {
  for (const ending of ENDINGS) {
    if (word.endsWith(ending) && word.length - ending.length >= PREFIX_MIN) return word.slice(0, -ending.length);
  }
  return word;
}

/** An FTS5 string: the tokens quoted. Tokens hold letters, digits and `_` only, never a quote. */
function quoted(tokens: readonly string[]): string {
  return `"${tokens.join(" ")}"`;
}

export function conceptTag(id: string): string {
  return `zz${id.toLowerCase().replace(/[^a-z0-9]/g, "")}`;
}

interface Streams {
  command: string;
  output: string;
}
/** Which of the vocabulary's literals each stream holds (see literal-scan.ts). */
interface StreamsSeen {
  command: Seen;
  output: Seen;
}
type Matcher = (streams: Streams, seen: StreamsSeen) => boolean;

/**
 * A pattern's regex runs only on a stream holding its literals (one of each list): it
 * could not match elsewhere, and skipping it is most of what tagging saves.
 */
function compile(spec: PatternSpec, literals: LiteralSet): Matcher {
  if (typeof spec === "string") {
    const re = new RegExp(spec, "im");
    const need = literals.need(re);
    return (s, seen) =>
      (mayMatch(need, seen.command) && re.test(s.command)) || (mayMatch(need, seen.output) && re.test(s.output));
  }
  if ("all" in spec) {
    const parts = spec.all.map((part) => compile(part, literals));
    return (s, seen) => parts.every((m) => m(s, seen));
  }
  if ("command" in spec) {
    const re = new RegExp(spec.command, "im");
    const need = literals.need(re);
    return (s, seen) => mayMatch(need, seen.command) && re.test(s.command);
  }
  const re = new RegExp(spec.output, "im");
  const need = literals.need(re);
  return (s, seen) => mayMatch(need, seen.output) && re.test(s.output);
}

function anyOf(matchers: Matcher[]): Matcher {
  return (s, seen) => matchers.some((m) => m(s, seen));
}

interface Concept {
  id: string;
  tag: string;
  weak: boolean;
  /** Query phrases as keyed tokens. */
  phrases: string[][];
  /** FTS5 strings, ready to OR. */
  terms: string[];
  matches: Matcher;
}

interface Match {
  concept: Concept;
  start: number;
  end: number;
}

/** Builds an analyzer from vocabulary data: the shipped one below, or another in tests. */
export function analyzerFrom(data: VocabularyData): Analyzer & { concepts(question: string): string[] } {
  const stop = new Set([...data.stopwords.en, ...data.stopwords.fr].flatMap(foldedWords));
  const literals = new LiteralSet();
  const concepts: Concept[] = data.concepts.map((c) => ({
    id: c.id,
    tag: conceptTag(c.id),
    weak: c.weak === true,
    phrases: [...c.query.en, ...c.query.fr].map((p) => foldedWords(p).map(key)).filter((p) => p.length > 0),
    terms: [
      ...new Set(
        c.terms
          .map(foldedWords)
          .filter((t) => t.length > 0)
          .map(quoted),
      ),
    ],
    matches: anyOf(c.text.map((spec) => compile(spec, literals))),
  }));
  // Phrases by their first token, so a question is scanned once whatever the vocabulary's size.
  const byFirst = new Map<string, { concept: Concept; phrase: string[] }[]>();
  for (const concept of concepts) {
    for (const phrase of concept.phrases) {
      const first = phrase[0] as string;
      const list = byFirst.get(first) ?? [];
      list.push({ concept, phrase });
      byFirst.set(first, list);
    }
  }

  /** Every phrase occurrence, less those inside a longer one ("le plus de mémoire" is usage, not OOM). */
  function matchesIn(keys: readonly string[]): Match[] {
    const found: Match[] = [];
    keys.forEach((token, start) => {
      for (const { concept, phrase } of byFirst.get(token) ?? []) {
        if (phrase.every((t, i) => keys[start + i] === t)) found.push({ concept, start, end: start + phrase.length });
      }
    });
    return found.filter(
      (m) => !found.some((o) => o.start <= m.start && m.end <= o.end && o.end - o.start > m.end - m.start),
    );
  }

  function analyse(question: string) {
    const tokens = foldedWords(question.slice(0, MAX_QUESTION_CHARS));
    const all = matchesIn(tokens.map(key));
    // "dns resolution failures" is about DNS: the generic "failures" would rank every failure alongside.
    const strong = all.filter((m) => !m.concept.weak);
    const matches = strong.length ? strong : all;
    const covered = new Set(matches.flatMap((m) => Array.from({ length: m.end - m.start }, (_, i) => m.start + i)));
    const named = [...new Set(matches.map((m) => m.concept))].slice(0, MAX_CONCEPTS);
    const rest = tokens.filter((t, i) => !covered.has(i) && !stop.has(t) && (t.length > 1 || /\d/.test(t)));
    return { named, rest: [...new Set(rest)].slice(0, MAX_WORDS) };
  }

  return {
    name: `vocabulary-${data.version}`,
    tags(text: OperationText) {
      const streams = {
        command: text.command.slice(0, SCAN_CHARS),
        output: `${text.stdout.slice(0, SCAN_CHARS)}\n${text.stderr.slice(0, SCAN_CHARS)}`,
      };
      const seen = {
        command: literals.scan(streams.command.toLowerCase()),
        output: literals.scan(streams.output.toLowerCase()),
      };
      return concepts.filter((c) => c.matches(streams, seen)).map((c) => c.tag);
    },
    ftsQuery(question: string) {
      const { named, rest } = analyse(question);
      const parts = new Set<string>(named.map((c) => c.tag));
      for (const term of named.flatMap((c) => c.terms).slice(0, MAX_TERMS)) parts.add(term);
      for (const word of rest) {
        const stemmed = stem(word);
        parts.add(stemmed.length >= PREFIX_MIN ? `${quoted([stemmed])}*` : quoted([word]));
      }
      return parts.size ? [...parts].join(" OR ") : null;
    },
    concepts: (question: string) => analyse(question).named.map((c) => c.id),
  };
}

export const vocabularyData = JSON.parse(
  readFileSync(new URL("./vocabulary.json", import.meta.url), "utf8"),
) as VocabularyData;

/** The offline default: the shipped vocabulary. */
export const vocabularyAnalyzer = analyzerFrom(vocabularyData);
