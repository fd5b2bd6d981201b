/**
 * @module ssh_run_parallel: one command on many VMs. One fan-out job per agent, all agents
 * at once; each agent streams back every VM's outcome as it finishes.
 */
import { DEFAULT_MAX_PARALLEL, DEFAULT_TIMEOUT_S, type runParallelTool, type VmOutcome } from "@telecommande/shared";
import type { JobSpec, JobWatcher } from "../../hub/outcome.js";
import { startInBackground } from "../background.js";
import { fillMissing, outputLimitFor, summarize } from "../fanout-result.js";
import { denied, structured, toolError } from "../result.js";
import { byAgent, resolveTargets } from "../targets.js";
import type { ToolHandler } from "../tool-handler.js";

export const runParallel: ToolHandler<typeof runParallelTool> = async (args, deps, { progress }) => {
  const { command, vm_names = [], groups = [] } = args;
  if (!vm_names.length && !groups.length) {
    return toolError("ssh_run_parallel needs at least one VM in vm_names or one group in groups");
  }
  const targets = resolveTargets(deps, vm_names, groups);
  if (!targets) return denied();

  const started = Date.now();
  const fields = {
    caller: deps.caller.name,
    command,
    timeout_ms: (args.timeout_s ?? DEFAULT_TIMEOUT_S) * 1000,
    max_parallel: args.max_parallel ?? DEFAULT_MAX_PARALLEL,
    output_limit_bytes: outputLimitFor(targets.length),
  };
  const parts = [...byAgent(targets)].map(([agent, vms]): [string, JobSpec] => [
    agent,
    { kind: "fanout", vms: vms.map((vm) => vm.name), ...fields },
  ]);
  const names = targets.map((vm) => vm.name);
  if (args.background) return startInBackground.fanout(deps, command, names, parts);

  const outcomes = new Map<string, VmOutcome>();
  // Done counts add up across agents; each agent's hub reports its own VMs.
  let done = 0;
  let failed = 0;
  const watch: JobWatcher | undefined =
    progress &&
    ((event) => {
      if (event.kind !== "vm") return;
      done++;
      if (!event.ok) failed++;
      const total = targets.length;
      const message = `${done}/${total} VMs done${failed ? `, ${failed} could not run` : ""} (last: ${event.vm})`;
      progress.report({ progress: done, total, message, force: done === total });
    });
  await Promise.all(
    parts.map(async ([agent, spec]) => {
      const outcome = await deps.runJob(agent, spec, watch);
      fillMissing(outcomes, spec.kind === "fanout" ? spec.vms : [], agent, outcome, Date.now() - started);
    }),
  );
  const answers = names.map((vm) => ({ vm, outcome: outcomes.get(vm) as VmOutcome }));
  const { answer, allSucceeded } = summarize(command, answers, Date.now() - started);
  return structured(answer, !allSucceeded);
};
