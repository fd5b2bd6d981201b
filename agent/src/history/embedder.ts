/**
 * @module What turns texts into vectors for a vector store (Qdrant): the built-in offline
 * hashing embedder (hashing-embedder.ts) or a hosted model. A store records the name and
 * dimension of the embedder that filled it and refuses another.
 */

export interface Embedder {
  /** Recorded with the store's vectors: another name means vectors that do not compare. */
  readonly name: string;
  readonly dimension: number;
  /** One vector per text, in order. */
  embed(texts: string[]): Promise<number[][]>;
  /**
   * The lowest cosine similarity still counted as a match, when the embedder knows one
   * (the hashing embedder: texts sharing no term score near 0). Without it every stored
   * vector is someone's nearest neighbour.
   */
  readonly minScore?: number;
}
