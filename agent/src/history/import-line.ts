/**
 * @module One line of a history import (JSONL): the original's Qdrant payload fields
 * (host, user, command, stdout, stderr, return_code, timestamp), plus the optional fields
 * an export adds (vm, job_id, caller, duration_ms). Checked, then turned into the record
 * the store keeps: masked and cut as the agent records its own operations, with the
 * line's host, user, job_id and timestamp kept as given.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { maskSecrets } from "./mask.js";
import { type OperationRecord, truncateForHistory } from "./record.js";

/** Later than this, an epoch is in milliseconds (or microseconds), not seconds: year 5138. */
const MAX_EPOCH_S = 1e11;

/** `2024-05-01`, `2024-05-01T10:00`, `2024-05-01 10:00:00.123456+02:00`, `…Z`. */
const ISO_8601 = /^(\d{4}-\d\d-\d\d)(?:[T ](\d\d:\d\d)(?::(\d\d)(?:[.,](\d+))?)?)?\s*(Z|[+-]\d\d(?::?\d\d)?)?$/i;

/**
 * Epoch seconds from epoch seconds (a number or its text) or an ISO 8601 date; a date
 * without an offset is UTC. Fractions of a second are kept to the digit (Python's
 * isoformat gives microseconds, which Date would cut to milliseconds). Returns the problem
 * as a message when it is neither.
 */
export function parseTimestamp(value: number | string): number | string {
  const text = typeof value === "string" ? value.trim() : "";
  const epoch = typeof value === "number" ? value : /^-?\d+(\.\d+)?$/.test(text) ? Number(text) : undefined;
  if (epoch !== undefined) {
    if (!Number.isFinite(epoch) || epoch < 0) return `timestamp must be epoch seconds, got ${value}`;
    if (epoch >= MAX_EPOCH_S) return `timestamp ${value} is not in epoch seconds (milliseconds?)`;
    return epoch;
  }
  const m = ISO_8601.exec(text);
  if (!m) return `timestamp must be epoch seconds or an ISO 8601 date, got ${JSON.stringify(value)}`;
  const [, day = "", minutes = "00:00", seconds = "00", fraction, zone = "Z"] = m;
  const ms = Date.parse(`${day}T${minutes}:${seconds}${offsetOf(zone)}`);
  // Date.parse rolls 2024-02-30 over to March: the day must come back as written.
  if (Number.isNaN(ms) || new Date(Date.parse(`${day}T00:00:00Z`)).toISOString().slice(0, 10) !== day) {
    return `timestamp ${JSON.stringify(value)} is not a valid date`;
  }
  return ms / 1000 + (fraction ? Number(`0.${fraction}`) : 0);
}

/** `Z`, `+02`, `+0200` or `+02:00` as Date.parse takes it. */
function offsetOf(zone: string): string {
  if (zone.toUpperCase() === "Z") return "Z";
  const digits = zone.slice(1).replace(":", "");
  return `${zone[0]}${digits.slice(0, 2)}:${digits.slice(2) || "00"}`;
}

/** Absent, null and "" are all "not given" for the optional text fields. */
const text = z
  .string()
  .nullish()
  .transform((v) => v ?? "");

export const ImportLineSchema = z.object({
  host: z.string().trim().min(1),
  user: text,
  command: z.string().min(1),
  stdout: text,
  stderr: text,
  return_code: z
    .number()
    .int()
    .nullish()
    .transform((v) => v ?? null),
  timestamp: z.union([z.number(), z.string()]),
  vm: text,
  job_id: text,
  caller: text,
  duration_ms: z
    .number()
    .min(0)
    .nullish()
    .transform((v) => v ?? 0),
});

export type ImportLine = z.output<typeof ImportLineSchema>;

/** A line checked: the fields, or why it cannot be imported (one line, no input echoed beyond a field name). */
export function parseImportLine(line: string): { line: ImportLine; timestamp: number } | { problem: string } {
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch (error) {
    // The parser's message quotes the line, which may hold a secret the import would have masked.
    const at = /at position (\d+)/.exec((error as Error).message)?.[1];
    return { problem: at ? `not JSON (error at character ${Number(at) + 1})` : "not JSON" };
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return { problem: "not a JSON object" };
  const parsed = ImportLineSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const field = issue?.path.join(".") || "line";
    const missing = (raw as Record<string, unknown>)[field] === undefined;
    return { problem: missing ? `${field} is missing` : `${field}: ${issue?.message ?? "invalid"}` };
  }
  const timestamp = parseTimestamp(parsed.data.timestamp);
  if (typeof timestamp === "string") return { problem: timestamp };
  return { line: parsed.data, timestamp };
}

/**
 * The record an import stores for a line on `vm`. Its id is what makes importing the same
 * file twice add nothing: with a job_id, the one the agent gives its own operations
 * (`job_id:vm`, so an export imported back into the same history adds nothing either);
 * without, a digest of the record's content, whatever the line's key order or spacing.
 */
export function importedRecord(line: ImportLine, timestamp: number, vm: string): OperationRecord {
  const fields = {
    job_id: line.job_id,
    caller: line.caller,
    vm,
    host: line.host,
    user: line.user,
    command: maskSecrets(line.command),
    stdout: truncateForHistory(maskSecrets(line.stdout)),
    stderr: truncateForHistory(maskSecrets(line.stderr)),
    return_code: line.return_code,
    timestamp,
    duration_ms: line.duration_ms,
  };
  const { host, user, command, stdout, stderr, return_code } = fields;
  const content = JSON.stringify([vm, host, user, command, stdout, stderr, return_code, timestamp]);
  const id = line.job_id ? `${line.job_id}:${vm}` : `import:${createHash("sha256").update(content).digest("hex")}`;
  return { id, ...fields };
}
