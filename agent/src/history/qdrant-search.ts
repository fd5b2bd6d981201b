/**
 * @module Searches of the Qdrant store: nearest vectors of a question in one collection,
 * or in all three fused by reciprocal rank (k = 60) into one hit per operation; and
 * suggestions, from the successful commands nearest the context, counted over the filter.
 */
import type { QdrantClient } from "@qdrant/js-client-rest";
import type { Embedder } from "./embedder.js";
import { COLLECTIONS, qdrantFilter, recordFrom } from "./qdrant-payload.js";
import type { PointId } from "./qdrant-summary.js";
import type { OperationRecord } from "./record.js";
import type { Collection, SearchHit, SearchQuery, Suggestion, SuggestQuery } from "./store.js";

/** Reciprocal rank fusion's constant, as its paper and Qdrant's own fusion use. */
export const RRF_K = 60;
/** Candidates asked of each collection beyond the limit: ties at the cut go to the newer. */
const SLACK = 10;
const PAGE = 1_000;

interface Scored {
  id: PointId;
  score: number;
  payload: Record<string, unknown>;
}

function isZero(vector: readonly number[]): boolean {
  return vector.every((x) => x === 0);
}

async function nearest(
  client: QdrantClient,
  collection: string,
  vector: number[],
  filter: unknown,
  limit: number,
  minScore: number | undefined,
  withPayload: boolean | string[],
): Promise<Scored[]> {
  const { points } = await client.query(collection, {
    query: vector,
    filter: filter as Record<string, unknown>,
    limit,
    with_payload: withPayload,
    ...(minScore !== undefined ? { score_threshold: minScore } : {}),
  });
  return points.map((p) => ({ id: p.id, score: p.score, payload: (p.payload ?? {}) as Record<string, unknown> }));
}

/** Best first; equal scores to the newer operation. */
function byScore(a: { score: number; record: OperationRecord }, b: { score: number; record: OperationRecord }): number {
  return b.score - a.score || b.record.timestamp - a.record.timestamp;
}

export async function rankedSearch(
  client: QdrantClient,
  prefix: string,
  embedder: Embedder,
  query: SearchQuery,
): Promise<SearchHit[]> {
  const [vector] = await embedder.embed([query.text]);
  if (!vector || isZero(vector)) return [];
  const filter = qdrantFilter(query);
  const want = query.limit + SLACK;
  const ask = (c: Collection, payload: boolean | string[]) =>
    nearest(client, `${prefix}${COLLECTIONS[c]}`, vector, filter, want, embedder.minScore, payload);
  if (query.collection === "commands") {
    const hits = (await ask("commands", true)).map((p) => ({ record: recordFrom(p.payload), score: p.score }));
    return hits.sort(byScore).slice(0, query.limit);
  }
  if (query.collection) {
    const found = await ask(query.collection, ["timestamp"]);
    const records = await fetchRecords(
      client,
      prefix,
      found.map((p) => p.id),
    );
    const hits = found.flatMap((p) => {
      const record = records.get(String(p.id));
      return record ? [{ record, score: p.score }] : [];
    });
    return hits.sort(byScore).slice(0, query.limit);
  }
  const lists = await Promise.all((["commands", "stdout", "stderr"] as const).map((c) => ask(c, ["timestamp"])));
  const fused = new Map<string, { id: PointId; score: number; timestamp: number }>();
  for (const list of lists) {
    // Equal similarities share a rank, so identical operations keep equal fused scores.
    let rank = 0;
    list.forEach((p, i) => {
      if (i === 0 || p.score !== (list[i - 1] as Scored).score) rank = i + 1;
      const entry = fused.get(String(p.id)) ?? { id: p.id, score: 0, timestamp: Number(p.payload.timestamp) };
      entry.score += 1 / (RRF_K + rank);
      fused.set(String(p.id), entry);
    });
  }
  const best = [...fused.values()].sort((a, b) => b.score - a.score || b.timestamp - a.timestamp).slice(0, query.limit);
  const records = await fetchRecords(
    client,
    prefix,
    best.map((b) => b.id),
  );
  return best.flatMap((b) => {
    const record = records.get(String(b.id));
    return record ? [{ record, score: b.score }] : [];
  });
}

/** Whole records from ssh_commands, by point id. */
async function fetchRecords(
  client: QdrantClient,
  prefix: string,
  ids: PointId[],
): Promise<Map<string, OperationRecord>> {
  const out = new Map<string, OperationRecord>();
  for (let i = 0; i < ids.length; i += PAGE) {
    const points = await client.retrieve(`${prefix}${COLLECTIONS.commands}`, {
      ids: ids.slice(i, i + PAGE),
      with_payload: true,
    });
    for (const p of points) out.set(String(p.id), recordFrom(p.payload));
  }
  return out;
}

/** Commands nearest the context among successful runs, how often each ran and succeeded in the filter. */
export async function suggestFrom(
  client: QdrantClient,
  prefix: string,
  embedder: Embedder,
  query: SuggestQuery,
): Promise<Suggestion[]> {
  const [vector] = await embedder.embed([query.context]);
  if (!vector || isZero(vector)) return [];
  const collection = `${prefix}${COLLECTIONS.commands}`;
  const ok = { key: "return_code", match: { value: 0 } };
  // Runs of one command share a vector, so asking for many more than the limit finds enough distinct ones.
  const found = await nearest(
    client,
    collection,
    vector,
    qdrantFilter(query, [ok]),
    Math.max(100, query.limit * 20),
    embedder.minScore,
    ["command"],
  );
  const best = new Map<string, number>();
  for (const p of found) {
    const command = recordFrom(p.payload).command;
    best.set(command, Math.max(best.get(command) ?? -Infinity, p.score));
  }
  if (best.size === 0) return [];
  const commands = [...best.keys()];
  const runs = new Map<string, { runs: number; successes: number; last_used: number; host: string }>();
  let offset: PointId | undefined;
  do {
    const page = await client.scroll(collection, {
      filter: qdrantFilter(query, [{ key: "command", match: { any: commands } }]),
      limit: PAGE,
      ...(offset !== undefined ? { offset } : {}),
      with_payload: ["command", "return_code", "timestamp", "host"],
    });
    for (const p of page.points) {
      const r = recordFrom(p.payload);
      const t = runs.get(r.command) ?? { runs: 0, successes: 0, last_used: -Infinity, host: "" };
      t.runs += 1;
      // Its latest successful run: when and where it last worked.
      if (r.return_code === 0) {
        t.successes += 1;
        if (r.timestamp > t.last_used) Object.assign(t, { last_used: r.timestamp, host: r.host });
      }
      runs.set(r.command, t);
    }
    const next = page.next_page_offset;
    offset = typeof next === "string" || typeof next === "number" ? next : undefined;
  } while (offset !== undefined);
  return commands
    .flatMap((command) => {
      const t = runs.get(command);
      if (!t || t.successes === 0) return [];
      return [
        {
          command,
          relevance_score: best.get(command) as number,
          host: t.host,
          last_used: t.last_used,
          success_rate: t.successes / t.runs,
          runs: t.runs,
          successes: t.successes,
        },
      ];
    })
    .sort((a, b) => b.relevance_score - a.relevance_score || b.last_used - a.last_used)
    .slice(0, query.limit);
}
