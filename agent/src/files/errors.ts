/**
 * @module SFTP failures as job errors a caller can act on: one `file_error` with a plain
 * reason (no such file, permission denied, a directory, disk full, too large), or the SSH
 * connection lost under the operation. The job's own abort (timeout, cancel) passes through.
 */
import { ERROR_CODES } from "@telecommande/shared";
import { JobError } from "../errors.js";
import {
  BAD_MESSAGE,
  FAILURE,
  NO_SUCH_FILE,
  OP_UNSUPPORTED,
  PERMISSION_DENIED,
  type SftpSession,
  sftpCode,
} from "../ssh/sftp.js";

/** What the failed request was doing: a FAILURE while writing is most likely a full disk. */
export type FileStep = "read" | "write" | "other";

/** A file error about `where` (a path, or `vm:path` in a copy). */
export function fileError(where: string, reason: string): JobError {
  return new JobError(ERROR_CODES.file, `${where}: ${reason}`);
}

/** The reason for one SFTP status, as a caller reads it. */
export function reasonOf(err: unknown, step: FileStep): string {
  const code = sftpCode(err);
  const detail = err instanceof Error ? err.message : String(err);
  switch (code) {
    case NO_SUCH_FILE:
      return "no such file or directory";
    case PERMISSION_DENIED:
      return "permission denied";
    case FAILURE:
      // SFTP v3 has no ENOSPC: sshd answers a write that hit a full disk or a quota with FAILURE.
      return step === "write" ? "write failed (disk full or quota?)" : `failed (${detail})`;
    case BAD_MESSAGE:
      return "the server rejected the request (a name too long, or an invalid path?)";
    case OP_UNSUPPORTED:
      return "operation not supported by the server";
    default:
      return detail;
  }
}

/**
 * Any failure of a file operation as a JobError: the job's abort reason and JobErrors as
 * they are, a lost connection as `ssh_connect`, an SFTP status as `file_error`.
 */
export function toFileError(
  err: unknown,
  where: string,
  step: FileStep,
  session?: SftpSession,
  signal?: AbortSignal,
): JobError {
  if (signal?.aborted && signal.reason instanceof JobError) return signal.reason;
  if (err instanceof JobError) return err;
  if (session?.connectionLost()) {
    return new JobError(ERROR_CODES.sshConnect, `lost the SSH connection to ${session.label} during the transfer`);
  }
  if (sftpCode(err) === undefined && session) {
    return new JobError(ERROR_CODES.file, `${where}: SFTP failed on ${session.label}: ${reasonOf(err, step)}`);
  }
  return fileError(where, reasonOf(err, step));
}
