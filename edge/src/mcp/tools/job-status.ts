/**
 * @module ssh_job_status and ssh_job_cancel: a background job read (or stopped) on every
 * agent's hub that holds a part of it, for the caller who started it only.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { jobCancelTool, jobStatusTool } from "@telecommande/shared";
import type { JobPart } from "../../hub/background.js";
import { log } from "../../log.js";
import type { ToolDeps } from "../deps.js";
import { jobAnswer } from "../job-answer.js";
import { structured, toolError } from "../result.js";
import type { ToolHandler } from "../tool-handler.js";

/** The same answer for an unknown id and for another user's job: nothing leaks. */
function unknownJob(id: string): CallToolResult {
  return toolError(
    `no job "${id}" for you: a job id is valid 24 h after its job ends, and only for the user who started it`,
  );
}

type PartOp = "part" | "cancel";

/** Every part of the job on every agent's hub; null when a hub failed (the caller may retry). */
async function parts(deps: ToolDeps, id: string, op: PartOp): Promise<JobPart[] | null> {
  try {
    const found = await Promise.all(deps.jobs.agents.map((agent) => deps.jobs[op](agent, id, deps.caller.name)));
    return found.filter((p): p is JobPart => p !== null);
  } catch (e) {
    log("error", "job_lookup_failed", { op, error: (e as Error).message });
    return null;
  }
}

export const jobStatus: ToolHandler<typeof jobStatusTool> = async ({ job_id }, deps) => {
  const found = await parts(deps, job_id, "part");
  if (!found) return toolError(`ssh_job_status could not reach every agent's hub; try again`);
  if (!found.length) return unknownJob(job_id);
  return structured(jobAnswer(job_id, found, Date.now()));
};

export const jobCancel: ToolHandler<typeof jobCancelTool> = async ({ job_id }, deps) => {
  const before = await parts(deps, job_id, "part");
  if (!before) return toolError(`ssh_job_cancel could not reach every agent's hub; try again`);
  if (!before.length) return unknownJob(job_id);
  const wasRunning = before.some((p) => p.endedAt === null);
  const after = wasRunning ? await parts(deps, job_id, "cancel") : before;
  if (!after?.length) return toolError(`ssh_job_cancel could not reach every agent's hub; try again`);
  return structured({ ...jobAnswer(job_id, after, Date.now()), cancelled: wasRunning });
};
