/**
 * @module A graceful stop (SIGTERM, as systemd sends it): new jobs are refused at once;
 * running ones get a grace to finish and answer as usual; those still running after it are
 * stopped on their VMs (SIGTERM, then SIGKILL) and each answers the edge that the agent is
 * shutting down, so no call is left to time out and none ends without a word.
 */
import type { JobRunner } from "./jobs.js";
import type { Logger } from "./log.js";
import { STOP_GRACE_MS } from "./ssh/exec.js";

/** How long running jobs may take to finish on a graceful stop (systemd waits 30 s). */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

export const SHUTTING_DOWN = "the agent is shutting down";

async function until(done: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 25));
}

/** Resolves once every job has answered (the edge connection is still up meanwhile). */
export async function drainJobs(jobs: JobRunner, log: Logger, graceMs = DEFAULT_SHUTDOWN_GRACE_MS): Promise<void> {
  jobs.refuseNew(`${SHUTTING_DOWN}; retry once it is back`);
  const running = jobs.size;
  if (!running) return;
  log.info("draining_jobs", { running_jobs: running, grace_ms: graceMs });
  await until(() => jobs.size === 0, graceMs);
  const left = jobs.stopRunning(`${SHUTTING_DOWN}: the job was stopped (SIGTERM, then SIGKILL on the VM)`);
  log.info("jobs_drained", { finished: running - left, stopped: left });
  // The stopped commands' SIGTERM, then SIGKILL, go out on their channels: let them land
  // before the SSH connections close.
  if (left) await new Promise((r) => setTimeout(r, STOP_GRACE_MS + 500));
}
