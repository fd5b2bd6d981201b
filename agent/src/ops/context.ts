/**
 * @module The TaskContext of one VM of a fan-out job with a task: scripts run on the pooled
 * connection under the VM's own abort signal (its timeout and the job's cancel), each one
 * recorded in the history before the VM's outcome is sent.
 */
import type { ExecResult } from "@telecommande/shared";
import type { ServedVm } from "../config.js";
import { operationOf } from "../history/operation.js";
import type { JobContext } from "../job-context.js";
import { collectExec } from "../ssh/exec.js";
import { wrapScript } from "../ssh/quote.js";
import type { TaskContext } from "./task.js";

export interface VmRun {
  vm: ServedVm;
  signal: AbortSignal;
  /** Per VM and stream, as the job asked. */
  limitBytes: number;
  /** A script is running: a timeout from here kills it rather than failing the connect. */
  onRunning: () => void;
}

export function taskContext(ctx: JobContext, run: VmRun): TaskContext {
  // A task may run several scripts on the VM: each is its own history record.
  let step = 0;
  return {
    vm: run.vm,
    memo: ctx.memo(run.vm.name),
    run: async (script: string, label?: string): Promise<ExecResult> => {
      const startedAt = performance.now();
      const opened = await ctx.pool.open(run.vm, wrapScript(script), run.signal);
      run.onRunning();
      const result = await collectExec(opened, { signal: run.signal, startedAt, limitBytes: run.limitBytes });
      await ctx.record({ ...operationOf(run.vm, label ?? script, result), step: step++ });
      return result;
    },
  };
}
