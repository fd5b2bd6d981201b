/**
 * @module ssh_run_parallel: one command on many VMs. One fan-out job per agent, all agents
 * at once; each agent streams back every VM's outcome as it finishes.
 */
import { DEFAULT_MAX_PARALLEL, DEFAULT_TIMEOUT_S, type runParallelTool } from "@telecommande/shared";
import { startInBackground } from "../background.js";
import { dispatchFanout, fanoutParts } from "../fanout-dispatch.js";
import { outputLimitFor, summarize } from "../fanout-result.js";
import { denied, structured, toolError } from "../result.js";
import { resolveTargets } from "../targets.js";
import type { ToolHandler } from "../tool-handler.js";

export const runParallel: ToolHandler<typeof runParallelTool> = async (args, deps, { progress }) => {
  const { command, vm_names = [], groups = [] } = args;
  if (!vm_names.length && !groups.length) {
    return toolError("ssh_run_parallel needs at least one VM in vm_names or one group in groups");
  }
  const targets = resolveTargets(deps, vm_names, groups);
  if (!targets) return denied();

  const started = Date.now();
  const parts = fanoutParts(targets, {
    caller: deps.caller.name,
    command,
    timeout_ms: (args.timeout_s ?? DEFAULT_TIMEOUT_S) * 1000,
    max_parallel: args.max_parallel ?? DEFAULT_MAX_PARALLEL,
    output_limit_bytes: outputLimitFor(targets.length),
  });
  const names = targets.map((vm) => vm.name);
  if (args.background) return startInBackground.fanout(deps, command, names, parts);

  const answers = await dispatchFanout(deps, targets, parts, progress);
  const { answer, allSucceeded } = summarize(command, answers, Date.now() - started);
  return structured(answer, !allSucceeded);
};
