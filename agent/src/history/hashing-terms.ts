/**
 * @module The offline analyzer's view of a text, as weighted terms for the hashing
 * embedder: the concept tags its patterns find in it (as an operation's command or
 * output), the concepts its phrases name (as a question), and its content words, each
 * with its first letters so "restarted" meets "restart". The embedder gives the tags
 * together a fixed share of the vector (hashing-embedder.ts).
 */
import { conceptTag, foldedWords, vocabularyAnalyzer, vocabularyData } from "./vocabulary.js";

export const WORD_WEIGHT = 1;
export const PREFIX_WEIGHT = 0.5;
/** The prefix length words also meet on ("restarted", "restart" → "resta"). */
export const PREFIX_CHARS = 5;
/** How much of a text is read: what the history keeps of one stream. */
const MAX_CHARS = 30_000;

const stop = new Set([...vocabularyData.stopwords.en, ...vocabularyData.stopwords.fr].flatMap(foldedWords));

/** Concept tags are the terms without a kind prefix (`zzoom`); words are `w:…`, prefixes `p:…`. */
export function isTag(term: string): boolean {
  return !term.includes(":");
}

/** Weighted terms of one text; a term seen again adds less (1 + ln tf), so one long output does not drown its rare words. */
export function hashingTerms(text: string): Map<string, number> {
  const slice = text.slice(0, MAX_CHARS);
  const terms = new Map<string, number>();
  const tags = new Set([
    ...vocabularyAnalyzer.tags({ command: slice, stdout: slice, stderr: "" }),
    ...vocabularyAnalyzer.concepts(slice.slice(0, 2_000)).map(conceptTag),
  ]);
  for (const tag of tags) terms.set(tag, 1);
  const counts = new Map<string, number>();
  for (const word of foldedWords(slice)) {
    if (stop.has(word) || (word.length < 2 && !/\d/.test(word))) continue;
    counts.set(word, (counts.get(word) ?? 0) + 1);
  }
  for (const [word, tf] of counts) {
    const weight = 1 + Math.log(tf);
    terms.set(`w:${word}`, (terms.get(`w:${word}`) ?? 0) + WORD_WEIGHT * weight);
    if (word.length > PREFIX_CHARS) {
      const prefix = `p:${[...word].slice(0, PREFIX_CHARS).join("")}`;
      terms.set(prefix, (terms.get(prefix) ?? 0) + PREFIX_WEIGHT * weight);
    }
  }
  return terms;
}
