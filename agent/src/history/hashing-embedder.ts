/**
 * @module The built-in offline embedder: no model, no download. A text's terms (its
 * concept tags, words and word prefixes, see hashing-terms.ts) are hashed into 1024
 * dimensions (the original's size) with a sign each, so unrelated terms sharing a slot
 * mostly cancel, and the vector is L2-normalised for cosine similarity. A question and
 * an operation meet on the concepts the vocabulary finds in both ("ran out of memory" and
 * an OOM kill in dmesg) and on their words.
 */
import type { Embedder } from "./embedder.js";
import { hashingTerms } from "./hashing-terms.js";

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

export function hashingVector(text: string, dimension = HASHING_DIMENSION): number[] {
  const vector = new Array<number>(dimension).fill(0);
  for (const [term, weight] of hashingTerms(text)) {
    const hash = fnv1a(term);
    // The sign from a bit the slot does not use, so two terms in one slot cancel half the time.
    const sign = hash & 0x8000_0000 ? -1 : 1;
    const slot = (hash & 0x7fff_ffff) % dimension;
    vector[slot] = (vector[slot] ?? 0) + sign * weight;
  }
  const norm = Math.sqrt(vector.reduce((sum, x) => sum + x * x, 0));
  return norm > 0 ? vector.map((x) => x / norm) : vector;
}

export const hashingEmbedder: Embedder = {
  name: "hashing-vocabulary-1",
  dimension: HASHING_DIMENSION,
  // Texts that share a term score well above this; a term colliding in a slot rarely does.
  minScore: 0.05,
  embed: async (texts) => texts.map((text) => hashingVector(text)),
};
