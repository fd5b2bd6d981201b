/**
 * @module The history in Qdrant, as the original kept it: one point per operation in each
 * of `ssh_commands`, `ssh_stdout` and `ssh_stderr` (cosine, the embedder's dimension, the
 * original's payload fields and ours), created on first use. A search looks at one
 * collection's vectors, or at all three fused by reciprocal rank into one hit per
 * operation; statistics, suggestions' counts, export and pruning read the payload.
 */
import { QdrantClient } from "@qdrant/js-client-rest";
import type { Embedder } from "./embedder.js";
import { ensureCollections } from "./qdrant-collections.js";
import {
  COLLECTIONS,
  payloadFor,
  pointId,
  type QdrantFilter,
  qdrantFilter,
  recordFrom,
  textFor,
} from "./qdrant-payload.js";
import { rankedSearch, suggestFrom } from "./qdrant-search.js";
import { type PointId, scrollRows, statisticsFrom } from "./qdrant-summary.js";
import type { OperationRecord } from "./record.js";
import {
  type Collection,
  EMPTY_STATISTICS,
  type HistoryFilter,
  type HistoryStore,
  type SearchHit,
  type SearchQuery,
  type Statistics,
  type Suggestion,
  type SuggestQuery,
} from "./store.js";

export interface QdrantStoreOptions {
  url: string;
  apiKey?: string;
  embedder: Embedder;
  /** Put before every collection's name (tests, or several histories on one server); none by default. */
  prefix?: string;
  /** One request's time limit; the client's own (300 s) by default. */
  timeoutMs?: number;
}

const PAGE = 1_000;
/** Points per upsert: outputs of up to 30,000 characters each keep a request to a few MB. */
const UPSERT_BATCH = 64;
const ALL: Collection[] = ["commands", "stdout", "stderr"];

export class QdrantHistoryStore implements HistoryStore {
  private constructor(
    readonly client: QdrantClient,
    readonly prefix: string,
    readonly embedder: Embedder,
  ) {}

  static async open(options: QdrantStoreOptions): Promise<QdrantHistoryStore> {
    // Compatibility checking asks the server's version first; a store opened per agent start need not.
    const client = new QdrantClient({
      url: options.url,
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
      checkCompatibility: false,
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
    });
    const prefix = options.prefix ?? "";
    await ensureCollections(client, prefix, options.embedder);
    return new QdrantHistoryStore(client, prefix, options.embedder);
  }

  private name(collection: Collection): string {
    return `${this.prefix}${COLLECTIONS[collection]}`;
  }

  async add(records: readonly OperationRecord[]): Promise<number> {
    // The first of a repeated id wins, as an id already stored does.
    const unique = new Map<string, OperationRecord>();
    for (const r of records) if (!unique.has(r.id)) unique.set(r.id, r);
    const candidates = [...unique.values()];
    let added = 0;
    for (let i = 0; i < candidates.length; i += UPSERT_BATCH) {
      const batch = candidates.slice(i, i + UPSERT_BATCH);
      const stored = await this.client.retrieve(this.name("commands"), {
        ids: batch.map((r) => pointId(r.id)),
        with_payload: false,
      });
      const present = new Set(stored.map((p) => String(p.id)));
      const fresh = batch.filter((r) => !present.has(pointId(r.id)));
      if (fresh.length === 0) continue;
      // Outputs first, ssh_commands last: a record counts as stored once it is there, so a
      // failure half-way leaves it to be added again whole.
      for (const collection of ["stdout", "stderr", "commands"] as const) {
        // An empty output has nothing to be found by: its collection gets no point.
        const withText = collection === "commands" ? fresh : fresh.filter((r) => textFor(collection, r) !== "");
        if (withText.length === 0) continue;
        const vectors = await this.embedder.embed(withText.map((r) => textFor(collection, r)));
        await this.client.upsert(this.name(collection), {
          wait: true,
          points: withText.map((r, j) => ({
            id: pointId(r.id),
            vector: vectors[j] as number[],
            payload: payloadFor(collection, r),
          })),
        });
      }
      added += fresh.length;
    }
    return added;
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    if (query.vms.length === 0 || query.limit <= 0) return [];
    return rankedSearch(this.client, this.prefix, this.embedder, query);
  }

  async statistics(filter: HistoryFilter): Promise<Statistics> {
    if (filter.vms.length === 0) return { ...EMPTY_STATISTICS };
    return statisticsFrom(this.client, this.prefix, await scrollRows(this.client, this.prefix, qdrantFilter(filter)));
  }

  async suggest(query: SuggestQuery): Promise<Suggestion[]> {
    if (query.vms.length === 0 || query.limit <= 0) return [];
    return suggestFrom(this.client, this.prefix, this.embedder, query);
  }

  async count(): Promise<number> {
    return (await this.client.count(this.name("commands"), { exact: true })).count;
  }

  async *export(since?: number): AsyncIterable<OperationRecord> {
    for await (const page of this.oldestFirst({}, since, true)) {
      for (const point of page) yield recordFrom(point.payload);
    }
  }

  /**
   * Pages of ssh_commands by timestamp ascending. Qdrant does not page `order_by` with an
   * offset: each page starts from the last timestamp seen, leaving out the points already
   * given at that timestamp.
   */
  private async *oldestFirst(
    filter: QdrantFilter,
    since: number | undefined,
    withPayload: boolean,
  ): AsyncIterable<{ id: PointId; payload?: Record<string, unknown> | null }[]> {
    let from = since;
    let seenAtFrom: PointId[] = [];
    for (;;) {
      const mustNot = seenAtFrom.length > 0 ? [{ has_id: seenAtFrom }] : [];
      const page = await this.client.scroll(this.name("commands"), {
        filter: { ...filter, ...(mustNot.length ? { must_not: mustNot } : {}) },
        limit: PAGE,
        with_payload: withPayload ? true : ["timestamp"],
        order_by: { key: "timestamp", direction: "asc", ...(from !== undefined ? { start_from: from } : {}) },
      });
      const points = page.points as { id: PointId; payload?: Record<string, unknown> | null }[];
      if (points.length === 0) return;
      yield points;
      if (points.length < PAGE) return;
      const last = recordFrom((points[points.length - 1] as (typeof points)[number]).payload).timestamp;
      const atLast = points.filter((p) => recordFrom(p.payload).timestamp === last).map((p) => p.id);
      seenAtFrom = last === from ? [...seenAtFrom, ...atLast] : atLast;
      from = last;
    }
  }

  async prune(limits: { maxAgeS?: number; maxRecords?: number; now: number }): Promise<number> {
    let removed = 0;
    if (limits.maxAgeS !== undefined) {
      const old = { must: [{ key: "timestamp", range: { lt: limits.now - limits.maxAgeS } }] };
      const { count } = await this.client.count(this.name("commands"), { filter: old, exact: true });
      if (count > 0) {
        for (const collection of ALL) await this.client.delete(this.name(collection), { wait: true, filter: old });
        removed += count;
      }
    }
    if (limits.maxRecords !== undefined) {
      let excess = (await this.count()) - Math.max(0, limits.maxRecords);
      for await (const page of this.oldestFirst({}, undefined, false)) {
        if (excess <= 0) break;
        const ids = page.slice(0, excess).map((p) => p.id);
        for (const collection of ALL) await this.client.delete(this.name(collection), { wait: true, points: ids });
        excess -= ids.length;
        removed += ids.length;
      }
    }
    return removed;
  }

  async close(): Promise<void> {
    // The client holds no connection of its own to end.
  }
}
