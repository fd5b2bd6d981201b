/**
 * @module Records for the history store contract (store-contract.ts): a record with
 * plausible defaults, and everything a store holds, read back through its export.
 */
import type { OperationRecord } from "./record.js";
import type { HistoryStore } from "./store.js";

/** Epoch seconds the contract's records are placed around. */
export const T0 = 1_767_225_600;

let seq = 0;

/** A record with plausible defaults; `id` unique unless given. */
export function rec(fields: Partial<OperationRecord> = {}): OperationRecord {
  seq += 1;
  return {
    id: `job-${seq}:${fields.vm ?? "web1"}`,
    job_id: `job-${seq}`,
    caller: "alice@example.com",
    vm: "web1",
    host: "10.0.0.1",
    user: "deploy",
    command: "true",
    stdout: "",
    stderr: "",
    return_code: 0,
    timestamp: T0 + seq,
    duration_ms: 12,
    ...fields,
  };
}

/** Everything a store keeps, oldest first. */
export async function exported(store: HistoryStore, since?: number): Promise<OperationRecord[]> {
  const out: OperationRecord[] = [];
  for await (const r of store.export(since)) out.push(r);
  return out;
}
