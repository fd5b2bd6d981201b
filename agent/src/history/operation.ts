/**
 * @module From a command's result to the operation the history records: the whole output
 * (the chunks streamed while it ran plus the rest), and an exit status only where there is
 * one.
 */
import type { ExecResult } from "@telecommande/shared";
import type { ServedVm } from "../config.js";
import type { StreamName } from "../ssh/exec.js";
import { HISTORY_OUTPUT_CHARS } from "./record.js";
import type { Operation } from "./recorder.js";

/** The first HISTORY_OUTPUT_CHARS (and a little more, for the cut marker) of each stream sent in chunks. */
export class OutputCapture {
  private readonly text: Record<StreamName, string> = { stdout: "", stderr: "" };

  push = (stream: StreamName, data: string): void => {
    const room = HISTORY_OUTPUT_CHARS + 1 - this.text[stream].length;
    if (room > 0) this.text[stream] += data.slice(0, room);
  };

  of(stream: StreamName): string {
    return this.text[stream];
  }
}

/** The history's view of one command on one VM; `captured`: what went out in chunks before the result. */
export function operationOf(
  vm: ServedVm,
  command: string,
  result: ExecResult,
  captured?: OutputCapture,
): Omit<Operation, "job_id" | "caller"> {
  return {
    vm,
    command,
    stdout: (captured?.of("stdout") ?? "") + result.stdout,
    stderr: (captured?.of("stderr") ?? "") + result.stderr,
    return_code: result.status === "executed" && result.signal === null ? result.return_code : null,
    duration_ms: result.duration_ms,
    startedAtMs: Date.now() - result.duration_ms,
  };
}
