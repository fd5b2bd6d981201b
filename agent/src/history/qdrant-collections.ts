/**
 * @module The Qdrant store's collections, created on first use: the original's three
 * (cosine, the embedder's dimension, payload indexes for the filters and the export
 * order) and a one-point `telecommande_meta` that records which embedder filled them, so
 * a store never mixes vectors that do not compare.
 */
import type { QdrantClient } from "@qdrant/js-client-rest";
import type { Embedder } from "./embedder.js";
import { COLLECTIONS, META_COLLECTION, PAYLOAD_INDEXES, uuidFor } from "./qdrant-payload.js";

export class EmbedderMismatchError extends Error {
  override name = "EmbedderMismatchError";
}

const META_ID = uuidFor("meta");

/** Makes sure a collection exists; the payload fields it already indexes. */
async function ensureCollection(client: QdrantClient, name: string, size: number): Promise<Set<string>> {
  if ((await client.collectionExists(name)).exists) {
    const info = await client.getCollection(name);
    const vectors = info.config.params.vectors as { size?: number } | undefined;
    if (vectors?.size !== undefined && vectors.size !== size) {
      throw new EmbedderMismatchError(
        `Qdrant collection "${name}" holds ${vectors.size}-dimension vectors; the embedder makes ${size}: use the embedder that filled it, or another collection prefix`,
      );
    }
    return new Set(Object.keys(info.payload_schema ?? {}));
  }
  try {
    await client.createCollection(name, { vectors: { size, distance: "Cosine" } });
  } catch (err) {
    // Another agent may have created it between the check and the creation: that is the state wanted.
    if ((err as { status?: number }).status !== 409) throw err;
  }
  return new Set();
}

/** Checks or records the embedder, then makes sure the three collections and their indexes exist. */
export async function ensureCollections(client: QdrantClient, prefix: string, embedder: Embedder): Promise<void> {
  const meta = `${prefix}${META_COLLECTION}`;
  await ensureCollection(client, meta, 1);
  const [found] = await client.retrieve(meta, { ids: [META_ID], with_payload: true });
  const recorded = found?.payload as { embedder?: string; dimension?: number } | undefined;
  if (recorded && (recorded.embedder !== embedder.name || recorded.dimension !== embedder.dimension)) {
    throw new EmbedderMismatchError(
      `this Qdrant history was filled by the embedder "${recorded.embedder}" (${recorded.dimension} dimensions); this store was opened with "${embedder.name}" (${embedder.dimension} dimensions). Their vectors do not compare: open it with "${recorded.embedder}", or use another collection prefix for a new history`,
    );
  }
  for (const collection of Object.values(COLLECTIONS)) {
    const name = `${prefix}${collection}`;
    const indexed = await ensureCollection(client, name, embedder.dimension);
    // Every missing index, so a collection left half-made (or made by the original) is completed.
    for (const index of PAYLOAD_INDEXES) {
      if (!indexed.has(index.field_name)) await client.createPayloadIndex(name, { ...index, wait: true });
    }
  }
  if (!recorded) {
    await client.upsert(meta, {
      wait: true,
      points: [{ id: META_ID, vector: [1], payload: { embedder: embedder.name, dimension: embedder.dimension } }],
    });
  }
}
