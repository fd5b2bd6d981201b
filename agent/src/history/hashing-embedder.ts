/**
 * @module The built-in offline embedder: no model, no download. A text's terms (its
 * concept tags, words and word prefixes, see hashing-terms.ts) are hashed into 1024
 * dimensions (the original's size) with a sign each, so unrelated terms sharing a slot
 * mostly cancel, and the vector is L2-normalised for cosine similarity. A question and
 * an operation meet on the concepts the vocabulary finds in both ("ran out of memory" and
 * an OOM kill in dmesg) and on their words.
 */
import type { Embedder } from "./embedder.js";
import { hashingTerms, isTag } from "./hashing-terms.js";
import { vocabularyAnalyzer } from "./vocabulary.js";

export const HASHING_DIMENSION = 1024;

/** FNV-1a, 32 bits, over the term's UTF-16 code units: stable across runs and platforms. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/**
 * The share of a vector's squared length its concept tags get when it has words too: the
 * concept is what a question and an operation are about (0.8 ranked the search-quality
 * bench's questions best of 0.3 to 0.9).
 */
export const TAG_SHARE = 0.8;

function hashed(terms: Iterable<[string, number]>, dimension: number): number[] {
  const vector = new Array<number>(dimension).fill(0);
  for (const [term, weight] of terms) {
    const hash = fnv1a(term);
    // The sign from a bit the slot does not use, so two terms in one slot cancel half the time.
    const sign = hash & 0x8000_0000 ? -1 : 1;
    const slot = (hash & 0x7fff_ffff) % dimension;
    vector[slot] = (vector[slot] ?? 0) + sign * weight;
  }
  return vector;
}

const length = (v: readonly number[]) => Math.sqrt(v.reduce((sum, x) => sum + x * x, 0));

/**
 * Tags and words are hashed apart and each part normalised before they are joined, so a
 * concept counts as much in a 5 KB dmesg output as in a one-line question.
 */
export function hashingVector(text: string, dimension = HASHING_DIMENSION): number[] {
  const terms = [...hashingTerms(text)];
  const tags = hashed(
    terms.filter(([t]) => isTag(t)),
    dimension,
  );
  const words = hashed(
    terms.filter(([t]) => !isTag(t)),
    dimension,
  );
  const [tagLength, wordLength] = [length(tags), length(words)];
  const tagShare = tagLength === 0 ? 0 : wordLength === 0 ? 1 : Math.sqrt(TAG_SHARE);
  const wordShare = wordLength === 0 ? 0 : Math.sqrt(1 - tagShare * tagShare);
  const vector = tags.map(
    (x, i) =>
      (tagShare ? (tagShare * x) / tagLength : 0) + (wordShare ? (wordShare * (words[i] ?? 0)) / wordLength : 0),
  );
  const norm = length(vector);
  return norm > 0 ? vector.map((x) => x / norm) : vector;
}

export const hashingEmbedder: Embedder = {
  // The vocabulary decides the tags, so its version is part of what makes the vectors.
  name: `hashing-2-${vocabularyAnalyzer.name}`,
  dimension: HASHING_DIMENSION,
  // Texts that share a term score well above this; a term colliding in a slot rarely does.
  minScore: 0.05,
  embed: async (texts) => texts.map((text) => hashingVector(text)),
};
