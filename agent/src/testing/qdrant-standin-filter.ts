/**
 * @module Qdrant's filter semantics for the stand-in (qdrant-standin.ts), from its REST
 * reference: `must` (all), `should` (at least one, when given), `must_not` (none), each a
 * condition or a list; field conditions `match` (value, any, except, text), `range`
 * (gt, gte, lt, lte), `is_empty`, `is_null`, `has_id`, nested filters. A key's value that
 * is an array matches when any element does, as in Qdrant.
 */

export type PointId = string | number;
export type Payload = Record<string, unknown>;
type Condition = Record<string, unknown>;

export class FilterError extends Error {}

function list(value: unknown): Condition[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]) as Condition[];
}

/** Values at a dotted key (`a.b`), arrays flattened as Qdrant does for `a[].b`. */
function valuesAt(payload: Payload, key: string): unknown[] {
  let current: unknown[] = [payload];
  for (const part of key.replace(/\[\]/g, "").split(".")) {
    const next: unknown[] = [];
    for (const value of current) {
      if (value && typeof value === "object" && !Array.isArray(value) && part in value) {
        const v = (value as Payload)[part];
        if (Array.isArray(v)) next.push(...v);
        else next.push(v);
      }
    }
    current = next;
  }
  return current;
}

function matches(match: Condition, value: unknown): boolean {
  if ("value" in match) return value === match.value;
  if ("any" in match) return (match.any as unknown[]).includes(value);
  if ("except" in match) return !(match.except as unknown[]).includes(value);
  // Without a full-text index Qdrant matches `text` as a substring.
  if ("text" in match) return typeof value === "string" && value.includes(String(match.text));
  throw new FilterError(`unsupported match: ${JSON.stringify(match)}`);
}

function inRange(range: Condition, value: unknown): boolean {
  if (typeof value !== "number") return false;
  const { gt, gte, lt, lte } = range as {
    gt?: number | null;
    gte?: number | null;
    lt?: number | null;
    lte?: number | null;
  };
  if (gt !== undefined && gt !== null && !(value > gt)) return false;
  if (gte !== undefined && gte !== null && !(value >= gte)) return false;
  if (lt !== undefined && lt !== null && !(value < lt)) return false;
  if (lte !== undefined && lte !== null && !(value <= lte)) return false;
  return true;
}

function conditionHolds(condition: Condition, id: PointId, payload: Payload): boolean {
  if ("must" in condition || "should" in condition || "must_not" in condition) {
    return filterHolds(condition, id, payload);
  }
  if ("has_id" in condition) return (condition.has_id as PointId[]).some((x) => normaliseId(x) === id);
  if ("is_empty" in condition) {
    const values = valuesAt(payload, (condition.is_empty as { key: string }).key);
    return values.length === 0 || values.every((v) => v === null);
  }
  if ("is_null" in condition) {
    const key = (condition.is_null as { key: string }).key;
    return valuesAt(payload, key).some((v) => v === null);
  }
  if ("nested" in condition) {
    const { key, filter } = condition.nested as { key: string; filter: Condition };
    return valuesAt(payload, key).some(
      (element) => element && typeof element === "object" && filterHolds(filter, id, element as Payload),
    );
  }
  if (typeof condition.key === "string") {
    const values = valuesAt(payload, condition.key);
    if (condition.match) return values.some((v) => matches(condition.match as Condition, v));
    if (condition.range) return values.some((v) => inRange(condition.range as Condition, v));
    throw new FilterError(`unsupported field condition: ${JSON.stringify(condition)}`);
  }
  throw new FilterError(`unsupported condition: ${JSON.stringify(condition)}`);
}

export function filterHolds(filter: Condition | null | undefined, id: PointId, payload: Payload): boolean {
  if (!filter) return true;
  const must = list(filter.must);
  const should = list(filter.should);
  const mustNot = list(filter.must_not);
  if (!must.every((c) => conditionHolds(c, id, payload))) return false;
  if (should.length > 0 && !should.some((c) => conditionHolds(c, id, payload))) return false;
  return !mustNot.some((c) => conditionHolds(c, id, payload));
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** Qdrant's ids: unsigned integers, or UUIDs (any accepted spelling, answered hyphenated, lower case). */
export function normaliseId(id: unknown): PointId {
  if (typeof id === "number" && Number.isInteger(id) && id >= 0) return id;
  if (typeof id === "string" && UUID.test(id)) {
    const hex = id.replace(/-/g, "").toLowerCase();
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  throw new FilterError(`Unable to parse UUID: ${String(id)}`);
}
