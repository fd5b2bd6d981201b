/**
 * @module The step every VM tool shares: authorize the VM for the caller and dispatch the
 * job to its agent. It returns data — the result, a denial, or a coded failure — and each
 * tool's own file turns that into its MCP result, so fan-out and history can reuse it.
 */
import type { ErrorCode, JobKind, ResultOf } from "@telecommande/shared";
import { permittedVm } from "../auth/caller.js";
import type { EdgeVm } from "../config/edge-config.js";
import type { DistributiveOmit, JobSpec, JobWatcher } from "../hub/outcome.js";
import type { ToolDeps } from "./deps.js";

/** A job on one VM as a tool asks for it: the VM and the caller are filled in here. */
export type VmJob = DistributiveOmit<Exclude<JobSpec, { kind: "fanout" }>, "vm" | "caller">;

export type VmRun<K extends JobKind> =
  | { ok: true; vm: EdgeVm; result: ResultOf<K> }
  | { ok: false; denied: true }
  | { ok: false; denied: false; vm: EdgeVm; code: ErrorCode; message: string };

export type VmFailure = Extract<VmRun<JobKind>, { ok: false }>;

export async function runOnVm<J extends VmJob>(
  deps: ToolDeps,
  vmName: string,
  job: J,
  watch?: JobWatcher,
): Promise<VmRun<J["kind"]>> {
  const vm = permittedVm(deps.caller, vmName);
  if (!vm) return { ok: false, denied: true };
  const outcome = await deps.runJob(vm.agent, { ...job, vm: vm.name, caller: deps.caller.name } as JobSpec, watch);
  if (!outcome.ok) return { ok: false, denied: false, vm, code: outcome.code, message: outcome.message };
  if (outcome.result.kind !== job.kind) {
    return {
      ok: false,
      denied: false,
      vm,
      code: "internal",
      message: "the agent answered with the wrong kind of result",
    };
  }
  return { ok: true, vm, result: outcome.result as ResultOf<J["kind"]> };
}
