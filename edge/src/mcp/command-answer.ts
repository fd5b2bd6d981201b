/** @module ssh_run_command's answer from an exec result: the original's fields plus how it ended. */
import type { ExecResult, RunCommand } from "@telecommande/shared";

export function commandAnswer(command: string, vm: string, r: ExecResult): RunCommand {
  return {
    command,
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    return_code: r.return_code,
    vm,
    duration_ms: r.duration_ms,
    signal: r.signal,
    error: r.error,
    stdout_truncated: r.stdout_truncated,
    stderr_truncated: r.stderr_truncated,
  };
}

/** Succeeded: it ran to the end and exited 0. */
export function commandSucceeded(r: ExecResult): boolean {
  return r.status === "executed" && r.return_code === 0;
}
