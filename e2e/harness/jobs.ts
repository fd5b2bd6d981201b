/**
 * @module Background jobs from a test's side: start one with a command tool's
 * `background: true`, poll ssh_job_status until it leaves `running`, and find a remote
 * command among this machine's processes (the VMs run here).
 */
import { execFileSync } from "node:child_process";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { type JobStatus, TOOL_NAMES } from "@telecommande/shared";
import { callTool, structuredOf } from "./mcp.js";
import { waitFor } from "./ports.js";

/** Starts `tool` in the background; its job id. */
export async function startJob(client: Client, tool: string, args: Record<string, unknown>): Promise<string> {
  const started = structuredOf<{ job_id?: string; state?: string }>(
    await callTool(client, tool, { ...args, background: true }),
  );
  if (!started.job_id || started.state !== "running") throw new Error(`no job started: ${JSON.stringify(started)}`);
  return started.job_id;
}

export async function jobStatus(client: Client, jobId: string): Promise<JobStatus> {
  return structuredOf<JobStatus>(await callTool(client, TOOL_NAMES.jobStatus, { job_id: jobId }));
}

/** Polls every 200 ms until `check` holds (default: the job ended); the last status. */
export async function pollJob(
  client: Client,
  jobId: string,
  timeoutMs: number,
  check: (s: JobStatus) => boolean = (s) => s.state !== "running",
): Promise<JobStatus> {
  let last: JobStatus | undefined;
  await waitFor(
    `job ${jobId} to reach the expected state`,
    async () => {
      last = await jobStatus(client, jobId);
      return check(last);
    },
    timeoutMs,
    200,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; last status: ${JSON.stringify(last)}`);
  });
  return last as JobStatus;
}

/** Processes on this machine (the VMs' machine) whose command line holds `token`. */
export function processesWith(token: string): string[] {
  const lines = execFileSync("ps", ["-eo", "pid=,args="], { encoding: "utf8" }).split("\n");
  return lines.filter((line) => line.includes(token) && !line.includes("ps -eo"));
}
