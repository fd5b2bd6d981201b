/**
 * @module What an operations task (install, health, logs) gets to work on one VM, and what
 * it gives back. A task only builds scripts and parses their output: the fan-out runner
 * owns the connection, the VM's timeout, cancellation and the history.
 */
import type { ExecResult, OpName, ReportOf, TaskOf } from "@telecommande/shared";
import type { ServedVm } from "../config.js";

export interface TaskContext {
  vm: ServedVm;
  /**
   * Runs a POSIX `sh` script on the VM (no login profile, stdin /dev/null) and resolves with
   * its result: a non-zero exit is a result, not a throw. Throws a JobError when the VM
   * cannot be reached or the job is cancelled or timed out. Each run is recorded in the
   * history under `label` (default: the script itself); a label must name what ran.
   */
  run: (script: string, label?: string) => Promise<ExecResult>;
  /** Facts about this VM remembered for the agent's lifetime (its package manager, …). */
  memo: Map<string, string>;
}

export interface TaskOutput<O extends OpName> {
  report: ReportOf<O>;
  /**
   * The task's main command as it ran. Set `error` to a one-line reason when the VM's work
   * failed (a package that could not install, a log that cannot be read): the VM is then
   * reported `failed` with that reason.
   */
  result: ExecResult;
}

export type TaskRunner<O extends OpName> = (task: TaskOf<O>, ctx: TaskContext) => Promise<TaskOutput<O>>;
