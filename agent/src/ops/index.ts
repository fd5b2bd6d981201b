/** @module The operations tasks by name: what a fan-out job with a `task` runs on each VM. */
import type { OpName, OpsTask } from "@telecommande/shared";
import { runHealth } from "./health.js";
import { runInstall } from "./install.js";
import { runLogs } from "./logs.js";
import type { TaskContext, TaskOutput, TaskRunner } from "./task.js";

const RUNNERS: { [O in OpName]: TaskRunner<O> } = {
  install: runInstall,
  health: runHealth,
  logs: runLogs,
};

export function runTask(task: OpsTask, ctx: TaskContext): Promise<TaskOutput<OpName>> {
  return (RUNNERS[task.op] as TaskRunner<OpName>)(task as never, ctx);
}
