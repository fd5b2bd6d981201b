/**
 * @module Starting a command tool in the background: each agent's hub records its part of
 * the job under one public job id, and the call answers at once in the tool's own shape
 * with `job_id` and `state: "running"`.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { type RunCommand, type RunParallel, runCommandTool, runParallelTool } from "@telecommande/shared";
import { permittedVm } from "../auth/caller.js";
import type { JobMeta } from "../hub/job-store.js";
import type { JobSpec } from "../hub/outcome.js";
import type { ToolDeps } from "./deps.js";
import { denied, failedOnVm, structured } from "./result.js";

async function startParts(deps: ToolDeps, meta: JobMeta, parts: [string, JobSpec][]) {
  const id = crypto.randomUUID();
  const start = { id, caller: deps.caller.name, meta };
  const refusals = await Promise.all(parts.map(([agent, spec]) => deps.jobs.start(agent, spec, start)));
  return { id, refusals };
}

export const startInBackground = {
  async command(deps: ToolDeps, vmName: string, command: string, timeout_ms: number): Promise<CallToolResult> {
    const vm = permittedVm(deps.caller, vmName);
    if (!vm) return denied();
    const meta = { tool: runCommandTool.name, command, targets: [vm.name] };
    // `live`: the agent sends the latest output lines, which ssh_job_status shows while it runs.
    const spec: JobSpec = { kind: "exec", vm: vm.name, caller: deps.caller.name, command, timeout_ms, live: true };
    const { id, refusals } = await startParts(deps, meta, [[vm.agent, spec]]);
    const refusal = refusals[0];
    if (refusal && !refusal.ok) {
      return failedOnVm(runCommandTool.name, {
        ok: false,
        denied: false,
        vm,
        code: refusal.code,
        message: refusal.message,
      });
    }
    const answer: RunCommand = {
      command,
      status: "running",
      stdout: "",
      stderr: "",
      return_code: -1,
      vm: vm.name,
      duration_ms: 0,
      signal: null,
      error: null,
      stdout_truncated: false,
      stderr_truncated: false,
      job_id: id,
      state: "running",
    };
    return structured(answer);
  },

  /** A fan-out: one part per agent. An agent that cannot start its part records why, for ssh_job_status. */
  async fanout(
    deps: ToolDeps,
    command: string,
    targets: string[],
    parts: [string, JobSpec][],
  ): Promise<CallToolResult> {
    const { id } = await startParts(deps, { tool: runParallelTool.name, command, targets }, parts);
    const summary = { total: targets.length, succeeded: 0, failed: 0, timed_out: 0, unreachable: 0, duration_ms: 0 };
    const answer: RunParallel = { command, summary, results: [], job_id: id, state: "running" };
    return structured(answer);
  },
};
