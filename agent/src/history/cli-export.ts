/**
 * @module `telecommande-agent history export`: the records as JSONL, oldest first, in the
 * format `history import` reads (the original's payload fields, then the agent's own), so
 * an export imported into another data dir exports again byte for byte.
 */
import { once } from "node:events";
import type { Writable } from "node:stream";
import { parseTimestamp } from "./import-line.js";
import type { OperationRecord } from "./record.js";

const UNIT_S: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `--since`: epoch seconds, an ISO 8601 date, or an age (`90m`, `24h`, `7d`, `2w`); the problem as a message otherwise. */
export function parseSince(text: string, nowS: number): number | string {
  const age = /^(\d+)\s*([smhdw])$/i.exec(text.trim());
  if (age) return nowS - Number(age[1]) * (UNIT_S[(age[2] ?? "s").toLowerCase()] ?? 1);
  const at = parseTimestamp(text);
  return typeof at === "number"
    ? at
    : `--since must be epoch seconds, an ISO 8601 date or an age like 24h or 7d, got "${text}"`;
}

/** One record as an export line: the original's fields first, in its order. */
export function exportLine(r: OperationRecord): string {
  const { host, user, command, stdout, stderr, return_code, timestamp, vm, job_id, caller, duration_ms } = r;
  return `${JSON.stringify({ host, user, command, stdout, stderr, return_code, timestamp, vm, job_id, caller, duration_ms })}\n`;
}

/** Writes, waiting while the reader is behind; rejects when the stream fails (a closed pipe). */
export async function writeText(out: Writable, text: string): Promise<void> {
  if (!out.write(text)) await once(out, "drain");
}

/** Writes every record to `out`; how many. Rejects with the stream's error (a reader gone: `| head`). */
export async function exportJsonl(records: AsyncIterable<OperationRecord>, out: Writable): Promise<number> {
  // Kept for the stream's life: an error arriving between two writes must not go unhandled.
  let failure: Error | undefined;
  out.on("error", (error) => {
    failure = error;
  });
  let n = 0;
  for await (const record of records) {
    if (failure) throw failure;
    await writeText(out, exportLine(record));
    n++;
  }
  if (failure) throw failure;
  return n;
}
