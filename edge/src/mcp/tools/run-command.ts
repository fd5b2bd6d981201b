/** @module ssh_run_command: runs a shell command on one VM (bash -lc) and returns its output. */
import { DEFAULT_TIMEOUT_S, type RunCommand, runCommandTool } from "@telecommande/shared";
import { failedOnVm, structured } from "../result.js";
import { runOnVm } from "../run-on-vm.js";
import type { ToolHandler } from "../tool-handler.js";

export const runCommand: ToolHandler<typeof runCommandTool> = async ({ command, vm_name, timeout_s }, deps, call) => {
  const timeout_ms = (timeout_s ?? DEFAULT_TIMEOUT_S) * 1000;
  const { progress } = call;
  // Watched: the agent sends the latest output lines while the command runs.
  const run = await runOnVm(
    deps,
    vm_name,
    { kind: "exec", command, timeout_ms, ...(progress ? { live: true } : {}) },
    progress && ((event) => (event.kind === "tail" ? progress.report({ message: event.text }) : undefined)),
  );
  if (!run.ok) return failedOnVm(runCommandTool.name, run);
  const r = run.result;
  const answer: RunCommand = {
    command,
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    return_code: r.return_code,
    vm: run.vm.name,
    duration_ms: r.duration_ms,
    signal: r.signal,
    error: r.error,
    stdout_truncated: r.stdout_truncated,
    stderr_truncated: r.stderr_truncated,
  };
  return structured(answer, r.status !== "executed" || r.return_code !== 0);
};
