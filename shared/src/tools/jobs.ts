/**
 * @module Background jobs: ssh_run_command and ssh_run_parallel with `background: true`
 * answer at once with a job id; these tools follow and stop such a job. A job is visible
 * only to the user who started it, and kept 24 h after it ends.
 */
import { z } from "zod";
import { defineTool, type ToolOutput } from "./define.js";
import { RunParallelOutput } from "./run-parallel.js";
import { RunCommandOutput } from "./schemas.js";

export const JOB_STATES = ["running", "succeeded", "failed", "cancelled", "timed_out"] as const;

export const JobIdInput = {
  job_id: z.string().min(1).max(128).describe("The job_id a background ssh_run_command or ssh_run_parallel returned"),
};

export const JobStatusOutput = {
  job_id: z.string(),
  /** The tool that started it: ssh_run_command or ssh_run_parallel. */
  tool: z.string(),
  state: z.enum(JOB_STATES),
  command: z.string(),
  /** The VMs it runs on, in the order of the call. */
  vms: z.array(z.string()),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  duration_ms: z.number(),
  /** VMs done out of all of them (a single command: 0 or 1 of 1). */
  progress: z.object({ done: z.number().int(), total: z.number().int() }),
  /** The latest output lines of a running single command; null once it ended (see result). */
  output_tail: z.string().nullable(),
  /** Why the job ended without a result (cancelled, agent lost, …); null otherwise. */
  error: z.string().nullable(),
  /**
   * The starting tool's own answer: final once the job ended; for a running ssh_run_parallel,
   * the VMs done so far; null for a running single command.
   */
  result: z.union([z.object(RunCommandOutput), z.object(RunParallelOutput)]).nullable(),
};

export const jobStatusTool = defineTool({
  name: "ssh_job_status",
  title: "Background job status",
  description:
    "State of a background job started with `background: true` (running, succeeded, failed, cancelled, timed_out), its progress (VMs done of total), the latest output while a single command runs, and the final result once it ended — the same fields ssh_run_command or ssh_run_parallel would have returned. Poll it every few seconds while the state is running. Jobs are kept 24 h after they end.",
  input: JobIdInput,
  output: JobStatusOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: false },
  job: null,
});

export const jobCancelTool = defineTool({
  name: "ssh_job_cancel",
  title: "Cancel background job",
  description:
    "Stop a running background job: its remote commands get SIGTERM, then SIGKILL after a short grace. Returns the job's status afterwards; `cancelled` is false when it had already ended.",
  input: JobIdInput,
  output: { ...JobStatusOutput, cancelled: z.boolean() },
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  job: null,
});

export type JobState = (typeof JOB_STATES)[number];
export type JobStatus = ToolOutput<typeof jobStatusTool>;
export type JobCancel = ToolOutput<typeof jobCancelTool>;
