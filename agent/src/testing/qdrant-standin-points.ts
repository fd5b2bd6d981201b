/**
 * @module The stand-in's points (qdrant-standin.ts): Qdrant's id order, payload selection,
 * scroll (by id with `offset`, or by a range-indexed field with `order_by`) and
 * nearest-vector queries scored by cosine on normalised vectors.
 */
import { filterHolds, normaliseId, type Payload, type PointId } from "./qdrant-standin-filter.js";

export interface StandinPoint {
  id: PointId;
  vector: number[];
  payload: Payload;
}

export interface StandinCollection {
  size: number;
  distance: string;
  /** Field name → its schema's type (keyword, integer, float…), as `payload_schema` shows them. */
  indexes: Map<string, string>;
  points: Map<PointId, StandinPoint>;
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export type Body = Record<string, unknown>;
const RANGE_TYPES = new Set(["integer", "float", "datetime"]);

export function normalised(vector: number[], distance: string): number[] {
  if (distance !== "Cosine") return vector;
  const norm = Math.sqrt(vector.reduce((s, x) => s + x * x, 0));
  return norm > 0 ? vector.map((x) => x / norm) : vector;
}

/** Qdrant's id order: integers first, numerically, then UUIDs by their bytes. */
export function compareIds(a: PointId, b: PointId): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "number") return -1;
  if (typeof b === "number") return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function selectPayload(payload: Payload, selector: unknown): Payload | undefined {
  if (selector === false || selector === undefined || selector === null) return undefined;
  if (selector === true) return payload;
  const pick = (keys: string[], keep: boolean) =>
    Object.fromEntries(Object.entries(payload).filter(([k]) => keys.includes(k) === keep));
  if (Array.isArray(selector)) return pick(selector as string[], true);
  const s = selector as { include?: string[]; exclude?: string[] };
  if (s.include) return pick(s.include, true);
  if (s.exclude) return pick(s.exclude, false);
  throw new HttpError(400, `Format error in JSON body: unsupported with_payload ${JSON.stringify(selector)}`);
}

export function record(point: StandinPoint, body: Body, payloadDefault: boolean): Body {
  const payload = selectPayload(point.payload, body.with_payload ?? payloadDefault);
  return {
    id: point.id,
    ...(payload ? { payload } : {}),
    ...(body.with_vector ? { vector: point.vector } : {}),
  };
}

export function matching(c: StandinCollection, filter: unknown): StandinPoint[] {
  return [...c.points.values()]
    .filter((p) => filterHolds(filter as Body | undefined, p.id, p.payload))
    .sort((a, b) => compareIds(a.id, b.id));
}

export function scrollPoints(c: StandinCollection, body: Body): Body {
  const limit = (body.limit as number | undefined) ?? 10;
  let points = matching(c, body.filter);
  if (body.order_by !== undefined && body.order_by !== null) {
    if (body.offset !== undefined && body.offset !== null) {
      throw new HttpError(400, "Bad request: Cannot use an `offset` when using `order_by`");
    }
    const order =
      typeof body.order_by === "string"
        ? { key: body.order_by }
        : (body.order_by as { key: string; direction?: string; start_from?: number });
    if (!RANGE_TYPES.has(c.indexes.get(order.key) ?? "")) {
      throw new HttpError(
        400,
        `Bad request: No range index for \`order_by\` key: \`${order.key}\`. Please create one to use \`order_by\`.`,
      );
    }
    const desc = order.direction === "desc";
    const start = order.start_from;
    // Points without a number at the key are left out, as Qdrant reads the order from its range index.
    const keyed = points.flatMap((p) => {
      const value = p.payload[order.key];
      if (typeof value !== "number") return [];
      if (start !== undefined && start !== null && (desc ? value > start : value < start)) return [];
      return [{ p, value }];
    });
    keyed.sort((a, b) => (desc ? b.value - a.value : a.value - b.value) || compareIds(a.p.id, b.p.id));
    return { points: keyed.slice(0, limit).map(({ p }) => record(p, body, true)), next_page_offset: null };
  }
  if (body.offset !== undefined && body.offset !== null) {
    const offset = normaliseId(body.offset);
    points = points.filter((p) => compareIds(p.id, offset) >= 0);
  }
  return {
    points: points.slice(0, limit).map((p) => record(p, body, true)),
    next_page_offset: points[limit]?.id ?? null,
  };
}

export function queryVector(query: unknown): number[] | undefined {
  if (query === undefined || query === null) return undefined;
  if (Array.isArray(query)) return query as number[];
  const nearest = (query as { nearest?: unknown }).nearest;
  if (Array.isArray(nearest)) return nearest as number[];
  throw new HttpError(400, `Bad request: the stand-in answers nearest-vector queries only: ${JSON.stringify(query)}`);
}

export function nearestPoints(c: StandinCollection, body: Body, vector: number[] | undefined): Body[] {
  const limit = (body.limit as number | undefined) ?? 10;
  const offset = (body.offset as number | undefined) ?? 0;
  const points = matching(c, body.filter);
  if (!vector) return points.slice(offset, offset + limit).map((p) => record(p, body, false));
  if (vector.length !== c.size) {
    throw new HttpError(400, `Wrong input: Vector dimension error: expected dim: ${c.size}, got ${vector.length}`);
  }
  const q = normalised(vector, c.distance);
  const threshold = body.score_threshold as number | undefined | null;
  const scored = points
    .map((p) => ({ p, score: p.vector.reduce((s, x, i) => s + x * (q[i] ?? 0), 0) }))
    .filter(({ score }) => threshold === undefined || threshold === null || score >= threshold)
    .sort((a, b) => b.score - a.score || compareIds(a.p.id, b.p.id));
  return scored.slice(offset, offset + limit).map(({ p, score }) => ({ ...record(p, body, false), version: 0, score }));
}
