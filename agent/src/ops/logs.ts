/**
 * @module The agent side of ssh_read_logs: checks a LogsTask again (the edge checked it, but
 * the agent is the one handing it to a shell), turns it into one POSIX sh script in which
 * every value is single-quoted, runs it and maps its output (logs-outcome.ts).
 *
 * The script, not only the command, because of what a pipe hides: `reader | grep | tail`
 * exits with tail's status, and dash has no pipefail. So the script checks a file before
 * reading it (printing a marker the outcome maps), and passes the reader's own status out of
 * the pipe on fd 4 to exit with it.
 */
import { ERROR_CODES, type LogsTask, LogsTaskSchema } from "@telecommande/shared";
import { JobError } from "../errors.js";
import { shellQuote } from "../ssh/quote.js";
import { type LogsRead, logsOutcome, MARKER_PREFIX, MARKERS, MAX_LINE_CHARS } from "./logs-outcome.js";
import type { TaskRunner } from "./task.js";

export {
  capLine,
  fileError,
  JOURNAL_DENIED_ERROR,
  journalError,
  logsOutcome,
  MAX_LINE_CHARS,
  MAX_TOTAL_BYTES,
  NO_JOURNAL_ERROR,
  splitLogLines,
} from "./logs-outcome.js";

export interface LogsPlan extends LogsRead {
  /** What runs on the VM: the checks, the reader with its status kept, the caps. */
  script: string;
}

/**
 * Bytes per line the VM sends at most. Four per character of the line cap plus one, so a line
 * cut here still decodes to more than MAX_LINE_CHARS and the outcome marks it truncated.
 */
export const LINE_CUT_BYTES = 4 * MAX_LINE_CHARS + 1;

/**
 * Kernel pseudo-files, not logs: /proc/kmsg and tracing pipes block and consume what they
 * return (stealing it from syslog), which a read-only tool must never do.
 */
const PSEUDO_ROOTS = new Set(["proc", "sys"]);

/**
 * Reverses the lines on the VM: the runner keeps the first bytes of a stream over the job's
 * limit (small when many VMs share an answer), so newest first makes that cut drop the
 * oldest lines. The outcome turns them back into time order.
 */
const NEWEST_FIRST = "LC_ALL=C awk '{ l[NR] = $0 } END { for (i = NR; i > 0; i--) print l[i] }'";

function refuse(message: string): JobError {
  return new JobError(ERROR_CODES.invalidInput, message);
}

/** Validates a task with the shared schemas and the rules across fields; throws invalid_input. */
export function checkLogsTask(task: unknown): LogsTask {
  const parsed = LogsTaskSchema.safeParse(task);
  if (!parsed.success) {
    const why = parsed.error.issues.map((i) => `${i.path.map(String).join(".") || "task"}: ${i.message}`);
    throw refuse(`invalid logs task: ${why.join("; ")}`);
  }
  const checked = parsed.data;
  if ((checked.unit === undefined) === (checked.path === undefined)) {
    throw refuse("read logs needs exactly one of unit (a systemd unit's journal) or path (a log file)");
  }
  if (checked.path !== undefined) {
    if (checked.since !== undefined) {
      throw refuse("since works with unit (the journal) only; for a file, use grep or lines");
    }
    // `//proc/./kmsg` is /proc/kmsg too: look at the first real segment.
    const first = checked.path.split("/").find((s) => s !== "" && s !== ".");
    if (first !== undefined && PSEUDO_ROOTS.has(first)) {
      throw refuse(`not a log file: ${checked.path} (paths under /proc and /sys are kernel files, not logs)`);
    }
  }
  return checked;
}

const marker = (reason: string) => `echo ${shellQuote(MARKER_PREFIX + reason)} >&2`;

/** Defines `newest_first`, falling back to plain order (and saying so) on a VM without awk. */
const ORDER = `if command -v awk >/dev/null 2>&1; then newest_first() { ${NEWEST_FIRST}; }; else ${marker(MARKERS.oldestFirst)}; newest_first() { cat; }; fi`;

/**
 * The reader runs with fd 4 closed, then its status goes to fd 4, which is what `$(…)`
 * captures; the filters write to fd 3, the script's real stdout.
 */
function pipeline(reader: string, filters: string[], grepIsReader: boolean): string[] {
  const stages = [...filters, `cut -b 1-${LINE_CUT_BYTES}`, "newest_first"].join(" | ");
  return [
    ORDER,
    "exec 3>&1",
    `status=$({ { ${reader} 4>&-; echo "$?" >&4; } | ${stages}; } 4>&1 >&3)`,
    // grep's 1 is "no line matched", which is an answer, not a failure.
    ...(grepIsReader ? ['case "$status" in 1) status=0 ;; esac'] : []),
    // Empty when the reader was killed before it could report.
    '[ -n "$status" ] || status=1',
    'exit "$status"',
  ];
}

const toScript = (script: string[]) => `${script.join("\n")}\n`;

/** `grep -a`: a log with a stray NUL byte is still text, not "binary file matches". */
const grepFixed = (text: string) => `grep -a -F -e ${shellQuote(text)}`;

function journalPlan(task: LogsTask, unit: string): LogsPlan {
  const n = String(task.lines);
  const since = task.since === undefined ? [] : ["--since", shellQuote(task.since)];
  const base = ["journalctl", "--no-pager", "-o", "short-iso", "-u", shellQuote(unit), ...since];
  let command: string;
  let script: string[];
  const check = `if ! command -v journalctl >/dev/null 2>&1; then ${marker(MARKERS.noJournalctl)}; exit 127; fi`;
  if (task.grep === undefined) {
    const reader = [...base, "-n", n].join(" ");
    command = reader;
    // A multi-line entry prints several lines: tail keeps the count asked for.
    script = [check, ...pipeline(reader, [`tail -n ${n}`], false)];
  } else {
    // journalctl's own --grep is a regex: read the unit and keep the fixed string with grep.
    const reader = base.join(" ");
    const grep = grepFixed(task.grep);
    command = `${reader} | ${grep} | tail -n ${n}`;
    script = [check, ...pipeline(reader, [`LC_ALL=C ${grep}`, `tail -n ${n}`], false)];
  }
  return {
    source: "journal",
    target: unit,
    command,
    reader: "journalctl",
    lines: task.lines,
    script: toScript(script),
  };
}

function filePlan(task: LogsTask, path: string): LogsPlan {
  const n = String(task.lines);
  const p = shellQuote(path);
  // -e is false for a missing file and for one under a directory this user cannot search:
  // ls tells them apart (in C, so the message is English whatever the VM's locale).
  const checks = [
    `if [ -d ${p} ]; then ${marker(MARKERS.directory)}; exit 66; fi`,
    `if [ ! -e ${p} ]; then`,
    `  case "$(LC_ALL=C ls -d -- ${p} 2>&1 >/dev/null)" in *'Permission denied'*) ${marker(MARKERS.denied)}; exit 77 ;; esac`,
    `  ${marker(MARKERS.missing)}; exit 66`,
    "fi",
    // A FIFO or a device would block or never end (tail -n of /dev/zero fills the memory).
    `if [ ! -f ${p} ]; then ${marker(MARKERS.notRegular)}; exit 66; fi`,
    `if [ ! -r ${p} ]; then ${marker(MARKERS.denied)}; exit 77; fi`,
  ];
  let command: string;
  let script: string[];
  if (task.grep === undefined) {
    command = `tail -n ${n} -- ${p}`;
    script = [...checks, ...pipeline(`LC_ALL=C ${command}`, [], false)];
  } else {
    const reader = `${grepFixed(task.grep)} -- ${p}`;
    command = `${reader} | tail -n ${n}`;
    script = [...checks, ...pipeline(`LC_ALL=C ${reader}`, [`tail -n ${n}`], true)];
  }
  const reader = task.grep === undefined ? "tail" : "grep";
  return { source: "file", target: path, command, reader, lines: task.lines, script: toScript(script) };
}

/**
 * The script and the readable command for a task, e.g. command
 * `journalctl --no-pager -o short-iso -u 'nginx' -n 100`. Pure; throws invalid_input.
 */
export function planLogs(task: unknown): LogsPlan {
  const checked = checkLogsTask(task);
  return checked.unit !== undefined ? journalPlan(checked, checked.unit) : filePlan(checked, checked.path as string);
}

export const runLogs: TaskRunner<"logs"> = async (task, ctx) => {
  const plan = planLogs(task);
  const result = await ctx.run(plan.script, plan.command);
  return logsOutcome(plan, result);
};
