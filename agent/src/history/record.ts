/**
 * @module One recorded SSH operation: what the history stores, searches and exports. The
 * original's Qdrant payload fields (job_id, host, user, command, stdout, stderr,
 * return_code, timestamp) plus who asked (caller), the VM, and how long it took.
 */

/** Characters kept per stream, as the original (its embedding limit). */
export const HISTORY_OUTPUT_CHARS = 30_000;

export interface OperationRecord {
  /** Unique per record: a fan-out records one operation per VM (`${job_id}:${vm}`). */
  id: string;
  job_id: string;
  /** The MCP user who ran it ("" when unknown, e.g. imported from the original). */
  caller: string;
  /** The VM's name in the config. */
  vm: string;
  /** The VM's host as the config gives it (the original's `host`). */
  host: string;
  /** The SSH user it ran as (the original's `user`). */
  user: string;
  command: string;
  /** Masked and cut at HISTORY_OUTPUT_CHARS. */
  stdout: string;
  stderr: string;
  /** The exit status; null when there is none (killed, timed out, never ran). */
  return_code: number | null;
  /** Epoch seconds, fractional (the original's). */
  timestamp: number;
  duration_ms: number;
}

/** What truncateForHistory appends after the text it keeps. */
const CUT_MARKER = /^\n\[truncated: \d+ characters, first (\d+) kept\]$/;

/**
 * Cuts one stream for the history, saying so, as the original did for its embeddings. A
 * text it already cut is left as it is, so records exported and imported again come back
 * unchanged.
 */
export function truncateForHistory(text: string, max = HISTORY_OUTPUT_CHARS): string {
  if (text.length <= max) return text;
  if (CUT_MARKER.exec(text.slice(max))?.[1] === String(max)) return text;
  return `${text.slice(0, max)}\n[truncated: ${text.length} characters, first ${max} kept]`;
}
