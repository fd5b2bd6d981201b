/**
 * @module The step every VM tool shares: authorize the VM for the caller, dispatch the job
 * to its agent, and turn a failure into a safe tool error naming the tool and the VM.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { JobKind, JobResult } from "@telecommande/shared";
import { permittedVm } from "../auth/caller.js";
import type { EdgeVm } from "../config/edge-config.js";
import type { ToolDeps } from "./deps.js";
import { denied, toolError } from "./result.js";

export type RunOnVm<K extends JobKind> =
  | { ok: true; vm: EdgeVm; result: Extract<JobResult, { kind: K }> }
  | { ok: false; error: CallToolResult };

export async function runOnVm<K extends JobKind>(
  deps: ToolDeps,
  tool: string,
  vmName: string,
  job: { kind: K; timeout_ms: number; command?: string },
): Promise<RunOnVm<K>> {
  const vm = permittedVm(deps.caller, vmName);
  if (!vm) return { ok: false, error: denied() };
  const outcome = await deps.runJob(vm, { ...job, caller: deps.caller.name });
  if (!outcome.ok) return { ok: false, error: toolError(`${tool} on ${vm.name} failed: ${outcome.message}`) };
  if (outcome.result.kind !== job.kind) {
    return { ok: false, error: toolError("the agent answered with the wrong kind of result") };
  }
  return { ok: true, vm, result: outcome.result as Extract<JobResult, { kind: K }> };
}
