/**
 * @module ssh_run_parallel: one command on many VMs at once (named VMs and the VMs of
 * named groups), each VM's outcome its own entry, with a summary.
 */
import { z } from "zod";
import { ExecStatusSchema, MAX_FANOUT_VMS } from "../protocol.js";
import { defineTool, type ToolOutput } from "./define.js";
import {
  BackgroundFields,
  backgroundFlag,
  commandText,
  confirmationToken,
  DEFAULT_TIMEOUT_S,
  timeoutSeconds,
} from "./schemas.js";

export const DEFAULT_MAX_PARALLEL = 100;
export const MAX_PARALLEL = 500;
/** Per VM and stream, at most; less when many VMs share the answer's budget. */
export const FANOUT_OUTPUT_MAX_BYTES = 65_536;
/** All VMs' stdout and stderr together, about: 500 VMs cannot make a huge answer. */
export const FANOUT_ANSWER_BUDGET_BYTES = 4 * 1_048_576;

/** The VMs a fleet tool works on: named VMs, the VMs of named groups, or both. */
export const FleetTargetInput = {
  vm_names: z
    .array(z.string().min(1))
    .max(MAX_FANOUT_VMS)
    .optional()
    .describe("VMs to work on, as listed by ssh_list_vms"),
  groups: z.array(z.string().min(1)).max(100).optional().describe("Groups whose VMs to work on"),
};

/** `max_parallel`, as every fleet tool takes it. */
export const maxParallelInput = z
  .number()
  .int()
  .min(1)
  .max(MAX_PARALLEL)
  .optional()
  .describe(`VMs worked on at once (default ${DEFAULT_MAX_PARALLEL})`);

export const RunParallelInput = {
  command: commandText.describe("Shell command to run on every VM (executed with bash -lc)"),
  ...FleetTargetInput,
  max_parallel: maxParallelInput,
  timeout_s: timeoutSeconds("each VM's command is killed"),
  background: backgroundFlag,
  confirmation_token: confirmationToken,
};

export const ParallelVmResultSchema = z.object({
  vm: z.string(),
  /** `executed`: it reported how it ended; `timeout`: killed at timeout_s; `error`: it could not run (see error). */
  status: ExecStatusSchema,
  stdout: z.string(),
  stderr: z.string(),
  /** null when there is no exit status: it did not run, was killed, or died of `signal`. */
  return_code: z.number().int().nullable(),
  signal: z.string().nullable(),
  duration_ms: z.number(),
  error: z.string().nullable(),
  stdout_truncated: z.boolean(),
  stderr_truncated: z.boolean(),
});

export const RunParallelOutput = {
  command: z.string(),
  summary: z.object({
    total: z.number().int(),
    /** Ran and exited 0. */
    succeeded: z.number().int(),
    /** Ran and exited non-zero, died of a signal, or ended without an exit status. */
    failed: z.number().int(),
    timed_out: z.number().int(),
    /** Never ran: connection refused or timed out, authentication, host key, agent offline. */
    unreachable: z.number().int(),
    duration_ms: z.number(),
  }),
  /** One entry per VM, in the order they were named (VMs first, then each group's), once each. */
  results: z.array(ParallelVmResultSchema),
  ...BackgroundFields,
};

export const runParallelTool = defineTool({
  name: "ssh_run_parallel",
  title: "Run command on many VMs",
  description: `Run one shell command on many VMs at once (as \`bash -lc\`): name VMs in \`vm_names\`, groups in \`groups\`, or both; each VM runs it once. Returns a summary (succeeded, failed, timed_out, unreachable) and one result per VM with its stdout, stderr, exit code and status, in the order named. A dead or silent VM becomes its own error entry and never delays the others. Each VM's output is capped (64 KiB per stream, less for very large fleets; marked when cut). \`isError\` is set when any VM did not succeed. Default timeout ${DEFAULT_TIMEOUT_S} s per VM (\`timeout_s\`), ${DEFAULT_MAX_PARALLEL} VMs at once (\`max_parallel\`). With \`background: true\` it answers at once with a \`job_id\` (follow it with ssh_job_status).`,
  input: RunParallelInput,
  output: RunParallelOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true },
  job: "fanout",
});

export type RunParallel = ToolOutput<typeof runParallelTool>;
export type ParallelVmResult = z.infer<typeof ParallelVmResultSchema>;
