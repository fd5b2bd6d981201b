/**
 * @module Sending one fan-out to the VMs of a call: one job per agent, all agents at once,
 * each streaming back every VM's outcome as it finishes, with progress as VMs are done.
 * ssh_run_parallel and the operations tools (install, health, logs) share it.
 */
import type { VmOutcome } from "@telecommande/shared";
import type { EdgeVm } from "../config/edge-config.js";
import type { JobSpec, JobWatcher } from "../hub/outcome.js";
import type { ToolDeps } from "./deps.js";
import { fillMissing } from "./fanout-result.js";
import type { Progress } from "./progress.js";
import { byAgent } from "./targets.js";

/** A fan-out job's fields besides its VMs: the same for every agent. */
export type FanoutFields = Omit<Extract<JobSpec, { kind: "fanout" }>, "kind" | "vms">;

/** Each agent's part of the call, as it is sent (also what a background job stores). */
export function fanoutParts(targets: readonly EdgeVm[], fields: FanoutFields): [string, JobSpec][] {
  return [...byAgent(targets)].map(([agent, vms]) => [
    agent,
    { kind: "fanout", vms: vms.map((vm) => vm.name), ...fields },
  ]);
}

/** Every VM's outcome in the call's order; a VM whose agent failed gets that failure. */
export async function dispatchFanout(
  deps: ToolDeps,
  targets: readonly EdgeVm[],
  parts: [string, JobSpec][],
  progress: Progress | undefined,
): Promise<{ vm: string; outcome: VmOutcome }[]> {
  const started = Date.now();
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
  return targets.map((vm) => ({ vm: vm.name, outcome: outcomes.get(vm.name) as VmOutcome }));
}
