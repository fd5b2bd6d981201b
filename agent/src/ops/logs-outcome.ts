/**
 * @module Turns what the logs script printed into a LogsReport: its lines in time order under
 * the line and size caps, and a one-line reason when the log could not be read. The script
 * (logs.ts) prints its verdicts as marker lines on stderr, because a reader's own failure is
 * otherwise lost in a pipe; the readers' messages are mapped too, as a fallback for races
 * (a file removed between the check and the read) and for outputs recorded elsewhere.
 */
import type { ExecResult, LogsReport } from "@telecommande/shared";
import type { TaskOutput } from "./task.js";

/** Longest line kept, in UTF-16 units (a surrogate pair is never split). */
export const MAX_LINE_CHARS = 4096;
/** Total UTF-8 bytes of lines kept, newlines counted: the runner's own per-stream default. */
export const MAX_TOTAL_BYTES = 1_048_576;

/** Prefix of the script's verdict lines on stderr. */
export const MARKER_PREFIX = "telecommande-logs: ";
export const MARKERS = {
  noJournalctl: "no journalctl",
  missing: "no such file",
  directory: "is a directory",
  notRegular: "not a regular file",
  denied: "permission denied",
  /** No awk on the VM: lines arrive oldest first, so a size cut by the runner keeps the oldest. */
  oldestFirst: "oldest first",
} as const;

export const NO_JOURNAL_ERROR = "no systemd journal on this VM; read a log file with `path` instead";
export const JOURNAL_DENIED_ERROR =
  "permission denied: this SSH user cannot read the system journal (it needs root or the systemd-journal or adm group)";

/** What the outcome needs to know about the read that ran (a subset of LogsPlan). */
export interface LogsRead {
  source: "journal" | "file";
  /** The unit or the path. */
  target: string;
  command: string;
  /** The program whose status the script reports, named in generic failures. */
  reader: "journalctl" | "tail" | "grep";
  lines: number;
}

/** What collectExec appends to a stream cut at its byte limit (see ssh/output.ts). */
const RUNNER_TRUNCATION = /\n\[output truncated: \d+ bytes, first \d+ shown\]$/;
/** journalctl's informational lines, not log entries: short-iso entries start with a timestamp. */
const JOURNAL_NOTICE = /^-- (?:No entries|Logs begin at .*|Journal begins at .*) --$/;

const NO_JOURNAL = [
  /No journal files were found/,
  /System has not been booted with systemd/,
  /journalctl: (?:command )?not found/,
  /journalctl: No such file or directory/,
];
const JOURNAL_DENIED = [/No journal files were opened due to insufficient permissions/, /Permission denied/];
/** journalctl's hint to a user outside the journal groups: only the user's own entries are shown. */
const JOURNAL_PARTIAL_VIEW = /not seeing messages from other users and the system/;

export interface LogLines {
  lines: string[];
  truncated: boolean;
}

export interface SplitOptions {
  /** The script printed the newest line first (it does whenever the VM has awk). */
  newestFirst: boolean;
  /** The runner cut stdout at its byte limit and appended its marker. */
  stdoutTruncated: boolean;
  /** Drop journalctl's `-- No entries --` style notices. */
  journal: boolean;
  /** Lines asked for: never more are returned. */
  maxLines: number;
}

/**
 * Splits the script's stdout into lines, oldest first, capping each line at MAX_LINE_CHARS
 * and the whole at MAX_TOTAL_BYTES. When something must go it is the oldest lines: the
 * newest are what a reader of logs wants.
 */
export function splitLogLines(stdout: string, options: SplitOptions): LogLines {
  let truncated = options.stdoutTruncated;
  const text = truncated ? stdout.replace(RUNNER_TRUNCATION, "") : stdout;
  const raw = text.split("\n");
  if (raw[raw.length - 1] === "") raw.pop();
  const newestFirst = options.newestFirst ? raw : raw.reverse();

  const kept: string[] = [];
  let bytes = 0;
  for (const line of newestFirst) {
    if (options.journal && JOURNAL_NOTICE.test(line)) continue;
    if (kept.length >= options.maxLines) {
      truncated = true;
      break;
    }
    const capped = capLine(line);
    if (capped !== line) truncated = true;
    bytes += Buffer.byteLength(capped, "utf8") + 1;
    if (bytes > MAX_TOTAL_BYTES) {
      truncated = true;
      break;
    }
    kept.push(capped);
  }
  return { lines: kept.reverse(), truncated };
}

/** Cuts a line to MAX_LINE_CHARS without leaving half a surrogate pair at its end. */
export function capLine(line: string): string {
  if (line.length <= MAX_LINE_CHARS) return line;
  const cut = line.slice(0, MAX_LINE_CHARS);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** The script's verdicts, read from its stderr. */
export function markersIn(stderr: string): Set<string> {
  const found = new Set<string>();
  for (const line of stderr.split("\n")) {
    if (line.startsWith(MARKER_PREFIX)) found.add(line.slice(MARKER_PREFIX.length).trim());
  }
  return found;
}

/** The first stderr line that is not one of the script's markers, for a generic failure. */
function firstMessage(stderr: string): string {
  const line = stderr
    .split("\n")
    .map((l) => l.trim())
    .find((l) => l !== "" && !l.startsWith(MARKER_PREFIX));
  return line ?? "no message";
}

/** Why the journal could not be read, or null when it was (zero lines included). */
export function journalError(result: ExecResult, markers: Set<string>, lineCount: number): string | null {
  const { stderr, return_code: code } = result;
  if (markers.has(MARKERS.noJournalctl) || NO_JOURNAL.some((re) => re.test(stderr))) return NO_JOURNAL_ERROR;
  if (code === 127) return NO_JOURNAL_ERROR;
  // Some unreadable journal files next to readable ones still give lines: that is a read.
  const blind = code !== 0 || lineCount === 0;
  if (blind && JOURNAL_DENIED.some((re) => re.test(stderr))) return JOURNAL_DENIED_ERROR;
  if (code !== 0) return `journalctl failed (exit ${code}): ${firstMessage(stderr)}`;
  // Zero lines with this hint means "cannot see the unit", not "the unit logged nothing".
  if (lineCount === 0 && JOURNAL_PARTIAL_VIEW.test(stderr)) return JOURNAL_DENIED_ERROR;
  return null;
}

/** Why the file could not be read, or null when it was (grep finding nothing included). */
export function fileError(read: LogsRead, result: ExecResult, markers: Set<string>): string | null {
  const path = read.target;
  if (markers.has(MARKERS.missing)) return `no such file: ${path}`;
  if (markers.has(MARKERS.directory)) return `is a directory: ${path}`;
  if (markers.has(MARKERS.notRegular)) {
    return `not a regular file: ${path} (a device, FIFO or socket: reading it could block or never end)`;
  }
  if (markers.has(MARKERS.denied)) return `permission denied: ${path}`;
  const { stderr, return_code: code } = result;
  if (code === 0) return null;
  if (/No such file or directory/.test(stderr)) return `no such file: ${path}`;
  if (/Is a directory/.test(stderr)) return `is a directory: ${path}`;
  if (/Permission denied/.test(stderr)) return `permission denied: ${path}`;
  return `${read.reader} failed (exit ${code}): ${firstMessage(stderr)}`;
}

/**
 * The report and result of one read. A run that did not end by itself (timeout, lost channel)
 * keeps the runner's own error and the lines it got so far.
 */
export function logsOutcome(read: LogsRead, result: ExecResult): TaskOutput<"logs"> {
  const markers = markersIn(result.stderr);
  const journal = read.source === "journal";
  const { lines, truncated } = splitLogLines(result.stdout, {
    newestFirst: !markers.has(MARKERS.oldestFirst),
    stdoutTruncated: result.stdout_truncated,
    journal,
    maxLines: read.lines,
  });
  const executed = result.status === "executed";
  const report: LogsReport = {
    op: "logs",
    source: read.source,
    target: read.target,
    command: read.command,
    lines,
    truncated,
    return_code: executed ? result.return_code : null,
  };
  let error: string | null = result.error;
  if (executed && error === null) {
    error = journal ? journalError(result, markers, lines.length) : fileError(read, result, markers);
  }
  return { report, result: error === result.error ? result : { ...result, error } };
}
