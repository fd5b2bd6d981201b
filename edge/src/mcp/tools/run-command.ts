/** @module ssh_run_command: runs a shell command on one VM (bash -lc) and returns its output. */
import { DEFAULT_TIMEOUT_S, runCommandTool } from "@telecommande/shared";
import { startInBackground } from "../background.js";
import { commandAnswer, commandSucceeded } from "../command-answer.js";
import { failedOnVm, structured } from "../result.js";
import { runOnVm } from "../run-on-vm.js";
import type { ToolHandler } from "../tool-handler.js";

export const runCommand: ToolHandler<typeof runCommandTool> = async (args, deps, call) => {
  const { command, vm_name, timeout_s, background } = args;
  const timeout_ms = (timeout_s ?? DEFAULT_TIMEOUT_S) * 1000;
  if (background) return startInBackground.command(deps, vm_name, command, timeout_ms);
  const { progress } = call;
  // Watched: the agent sends the latest output lines while the command runs.
  const run = await runOnVm(
    deps,
    vm_name,
    { kind: "exec", command, timeout_ms, ...(progress ? { live: true } : {}) },
    progress && ((event) => (event.kind === "tail" ? progress.report({ message: event.text }) : undefined)),
  );
  if (!run.ok) return failedOnVm(runCommandTool.name, run);
  return structured(commandAnswer(command, run.vm.name, run.result), !commandSucceeded(run.result));
};
