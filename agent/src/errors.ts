/** @module The one typed failure a job can end with: a protocol error code plus a message safe to show a caller. */
import { ERROR_CODES, type ErrorCode } from "@telecommande/shared";

export class JobError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Worth one more try soon: e.g. sshd dropped a connection above its MaxStartups. */
    readonly transient = false,
  ) {
    super(message);
    this.name = "JobError";
  }
}

/** Turns anything thrown inside a job into a JobError; unknown failures become `internal`. */
export function toJobError(err: unknown): JobError {
  if (err instanceof JobError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new JobError(ERROR_CODES.internal, `internal agent error: ${message}`);
}

const NET_REASONS: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  EHOSTDOWN: "host is down",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed (temporary)",
  EADDRNOTAVAIL: "address not available",
  EPIPE: "connection closed by peer",
};

/** A short human reason for a socket error, e.g. `connection refused (ECONNREFUSED)`. */
export function describeNetError(err: unknown): string {
  const e = err as NodeJS.ErrnoException | undefined;
  const code = typeof e?.code === "string" ? e.code : undefined;
  if (code) return `${NET_REASONS[code] ?? e?.message ?? "socket error"} (${code})`;
  return e instanceof Error ? e.message : String(err);
}

/** `30 s`, `1.5 s`, `250 ms`: how a timeout reads in a message. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  const s = ms / 1000;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}

/** Why a job ran out of time: before its command started (still connecting) or while it ran. */
export function jobTimeoutMessage(
  job: { kind: string; timeout_ms: number },
  vm: string | undefined,
  started: boolean,
): string {
  const after = formatDuration(job.timeout_ms);
  if (!started) return `timed out after ${after} before the command could start (connecting to ${vm})`;
  const what = job.kind === "distro" ? "distro detection" : "command";
  return `${what} timed out after ${after} and was killed`;
}
