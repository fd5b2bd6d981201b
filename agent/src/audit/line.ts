/**
 * @module One audit line: what a job was, who asked, whether the agent ran it and how it
 * ended. The command is masked (history patterns, bearer tokens, private keys, the agent's
 * own secrets) and then cut; a file job is described (`sftp write /etc/x`), never its
 * content; a history job says its op only.
 */
import { ERROR_CODES, type ErrorCode, type ExecResult, type Job, type JobResult } from "@telecommande/shared";
import { maskSecrets as maskHistorySecrets } from "../history/mask.js";
import { maskSecrets as maskLogSecrets } from "../log.js";
import { roundMs } from "../ssh/exec.js";

/** Characters of a command (or a reason) an audit line keeps. */
export const AUDIT_COMMAND_CHARS = 500;

/** Codes of a job (or a fan-out's VM) that the agent refused before anything ran. */
const DENIED: ReadonlySet<string> = new Set<ErrorCode>([
  ERROR_CODES.unknownVm,
  ERROR_CODES.invalidInput,
  ERROR_CODES.agentUnavailable,
  ERROR_CODES.badMessage,
]);

export function isDenial(code: string): boolean {
  return DENIED.has(code);
}

/** The line, keys in this order (JSON.stringify keeps insertion order). */
export interface AuditLine {
  ts: string;
  job_id: string;
  caller: string;
  kind: Job["kind"];
  vms: string[];
  decision: "allow" | "deny";
  reason: string | null;
  command: string | null;
  status: string;
  return_code: number | null;
  duration_ms: number;
}

/** How a job, or one VM of a fan-out, ended. */
export type AuditOutcome = { status: string; return_code: number | null } | { code: string; message: string };

/** Masks every secret the agent knows how to find, then cuts to AUDIT_COMMAND_CHARS. */
export function maskAndCut(text: string, secrets: Iterable<string> = []): string {
  const masked = maskLogSecrets(maskHistorySecrets(text), secrets);
  return masked.length > AUDIT_COMMAND_CHARS ? `${masked.slice(0, AUDIT_COMMAND_CHARS - 1)}…` : masked;
}

/** What the job does, readable: the command, or a description for the kinds that have none. */
export function describeJob(job: Job): string {
  switch (job.kind) {
    case "exec":
      return job.command;
    case "fanout":
      return job.task ? `task ${job.task.op}: ${job.command}` : job.command;
    case "probe":
      return "tcp probe";
    case "distro":
      return "distro detection";
    case "history":
      return `history ${job.query.op}`;
    case "file_read":
      return `sftp read ${job.path}`;
    case "file_write":
      return `sftp write ${job.path}`;
    case "file_copy":
      return `sftp copy ${job.vm}:${job.path} -> ${job.to_vm}:${job.to_path}`;
  }
}

/** The VMs a job works on (a history job reads the agent's own store: none). */
export function jobVms(job: Job): string[] {
  if (job.kind === "fanout") return [...new Set(job.vms)];
  if (job.kind === "file_copy") return job.to_vm === job.vm ? [job.vm] : [job.vm, job.to_vm];
  if ("vm" in job) return [job.vm];
  return [];
}

/** An exec result's outcome: `ok` when the command reported how it ended, else its status. */
export function execOutcome(result: ExecResult): AuditOutcome {
  return { status: result.status === "executed" ? "ok" : result.status, return_code: result.return_code };
}

export function resultOutcome(result: JobResult): AuditOutcome {
  return result.kind === "exec" ? execOutcome(result) : { status: "ok", return_code: null };
}

export function lineOf(
  job: Job,
  vms: string[],
  outcome: AuditOutcome,
  duration_ms: number,
  secrets: Iterable<string> = [],
  now = new Date(),
): AuditLine {
  const failed = "code" in outcome;
  const denied = failed && isDenial(outcome.code);
  return {
    ts: now.toISOString(),
    job_id: job.id,
    caller: job.caller,
    kind: job.kind,
    vms,
    decision: denied ? "deny" : "allow",
    reason: denied ? maskAndCut(outcome.message, secrets) : null,
    command: maskAndCut(describeJob(job), secrets),
    status: failed ? outcome.code : outcome.status,
    return_code: failed ? null : outcome.return_code,
    duration_ms: roundMs(Math.max(0, duration_ms)),
  };
}
