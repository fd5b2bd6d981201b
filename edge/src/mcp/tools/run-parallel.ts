/**
 * @module ssh_run_parallel: one command on many VMs. One fan-out job per agent, all agents
 * at once; each agent streams back every VM's outcome as it finishes.
 */
import {
  DEFAULT_MAX_PARALLEL,
  DEFAULT_TIMEOUT_S,
  type ErrorCode,
  type runParallelTool,
  type VmOutcome,
} from "@telecommande/shared";
import type { JobWatcher } from "../../hub/outcome.js";
import { outputLimitFor, summarize } from "../fanout-result.js";
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
  const timeout_ms = (args.timeout_s ?? DEFAULT_TIMEOUT_S) * 1000;
  const max_parallel = args.max_parallel ?? DEFAULT_MAX_PARALLEL;
  const output_limit_bytes = outputLimitFor(targets.length);
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
    [...byAgent(targets)].map(async ([agent, vms]) => {
      const names = vms.map((vm) => vm.name);
      const outcome = await deps.runJob(
        agent,
        {
          kind: "fanout",
          caller: deps.caller.name,
          vms: names,
          command,
          timeout_ms,
          max_parallel,
          output_limit_bytes,
        },
        watch,
      );
      for (const [name, vmOutcome] of Object.entries(outcome.vms ?? {})) outcomes.set(name, vmOutcome);
      // VMs the agent never answered for share the job's failure (agent offline, disconnected, …).
      const missing: { code: ErrorCode; message: string } = outcome.ok
        ? { code: "internal", message: `agent "${agent}" finished without an answer for this VM` }
        : { code: outcome.code, message: outcome.message };
      for (const name of names) {
        if (!outcomes.has(name)) outcomes.set(name, { ok: false, ...missing, duration_ms: Date.now() - started });
      }
    }),
  );
  const answers = targets.map((vm) => ({ vm: vm.name, outcome: outcomes.get(vm.name) as VmOutcome }));
  const { answer, allSucceeded } = summarize(command, answers, Date.now() - started);
  return structured(answer, !allSucceeded);
};
