/**
 * @module How an operation lives in Qdrant: its point id (a UUID derived from the record
 * id, so adding it again lands on the same point), the payload of each collection (the
 * original's fields, plus ours, and in ssh_commands the whole record so one collection
 * answers every field), and the history's filters as Qdrant filters.
 */
import { createHash } from "node:crypto";
import type { OperationRecord } from "./record.js";
import type { Collection, HistoryFilter } from "./store.js";

/** The original's collection names, by the store's collection names. */
export const COLLECTIONS: Record<Collection, string> = {
  commands: "ssh_commands",
  stdout: "ssh_stdout",
  stderr: "ssh_stderr",
};
export const META_COLLECTION = "telecommande_meta";

/** Payload indexes every history collection gets: what the filters and the export order use. */
export const PAYLOAD_INDEXES = [
  { field_name: "host", field_schema: "keyword" },
  { field_name: "user", field_schema: "keyword" },
  { field_name: "vm", field_schema: "keyword" },
  { field_name: "timestamp", field_schema: "float" },
  { field_name: "return_code", field_schema: "integer" },
] as const;

/** A fixed namespace for the record ids' UUIDs (RFC 9562 version 5). */
const NAMESPACE = Buffer.from("6f1c2a3e9b7d4c58a0e1f2d3c4b5a697", "hex");

/** The UUID (version 5) of a name in the history's namespace: Qdrant ids are integers or UUIDs. */
export function uuidFor(name: string): string {
  const hash = createHash("sha1").update(NAMESPACE).update(name, "utf8").digest();
  hash[6] = ((hash[6] as number) & 0x0f) | 0x50;
  hash[8] = ((hash[8] as number) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function pointId(recordId: string): string {
  return uuidFor(`record:${recordId}`);
}

/** The fields every collection's points carry: the original's base fields and ours. */
function base(r: OperationRecord): Record<string, unknown> {
  return {
    job_id: r.job_id,
    host: r.host,
    user: r.user,
    command: r.command,
    timestamp: r.timestamp,
    return_code: r.return_code,
    record_id: r.id,
    vm: r.vm,
    caller: r.caller,
    duration_ms: r.duration_ms,
  };
}

export function payloadFor(collection: Collection, r: OperationRecord): Record<string, unknown> {
  if (collection === "stdout") return { ...base(r), stdout: r.stdout };
  if (collection === "stderr") return { ...base(r), stderr: r.stderr };
  return { ...base(r), stdout: r.stdout, stderr: r.stderr };
}

/** The text each collection's vector is made from, as the original embedded them. */
export function textFor(collection: Collection, r: OperationRecord): string {
  return collection === "commands" ? r.command : collection === "stdout" ? r.stdout : r.stderr;
}

const str = (v: unknown): string => (typeof v === "string" ? v : "");
const num = (v: unknown): number => (typeof v === "number" ? v : 0);

/** The record an ssh_commands point holds. */
export function recordFrom(payload: Record<string, unknown> | null | undefined): OperationRecord {
  const p = payload ?? {};
  return {
    id: str(p.record_id),
    job_id: str(p.job_id),
    caller: str(p.caller),
    vm: str(p.vm),
    host: str(p.host),
    user: str(p.user),
    command: str(p.command),
    stdout: str(p.stdout),
    stderr: str(p.stderr),
    return_code: typeof p.return_code === "number" ? p.return_code : null,
    timestamp: num(p.timestamp),
    duration_ms: num(p.duration_ms),
  };
}

type Condition = Record<string, unknown>;
export interface QdrantFilter {
  must?: Condition[];
  should?: Condition[];
  must_not?: Condition[];
}

/**
 * The history's filter: the caller's VMs (required: callers with no VM get nothing, so
 * never call this with an empty list), a host matching the host or the VM's name, the SSH
 * user, and a time from which on.
 */
export function qdrantFilter(filter: HistoryFilter, extra: Condition[] = []): QdrantFilter {
  const must: Condition[] = [{ key: "vm", match: { any: [...filter.vms] } }];
  if (filter.host !== undefined) {
    must.push({
      should: [
        { key: "host", match: { value: filter.host } },
        { key: "vm", match: { value: filter.host } },
      ],
    });
  }
  if (filter.user !== undefined) must.push({ key: "user", match: { value: filter.user } });
  if (filter.since !== undefined) must.push({ key: "timestamp", range: { gte: filter.since } });
  return { must: [...must, ...extra] };
}
