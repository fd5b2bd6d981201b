/**
 * @module The tools' input and output schemas: parameters and result fields exactly as the
 * original La Télécommande, extended never changed.
 */
import { z } from "zod";
import { DistroResultSchema, ExecStatusSchema } from "../protocol.js";

/** Default and maximum time a command may run, in seconds. */
export const DEFAULT_TIMEOUT_S = 120;
export const MAX_TIMEOUT_S = 3600;

export const VmNameInput = { vm_name: z.string().min(1).describe("Name of the VM, as listed by ssh_list_vms") };

/** `timeout_s`, as every command tool takes it: whole seconds, 1 to MAX_TIMEOUT_S. */
export function timeoutSeconds(what: string) {
  return z
    .number()
    .int()
    .min(1)
    .max(MAX_TIMEOUT_S)
    .optional()
    .describe(`Seconds before ${what} (default ${DEFAULT_TIMEOUT_S})`);
}

/**
 * Longest command the tools take, in characters. The remote kernel takes at most 128 KiB in
 * one argument and the command travels quoted twice (bash, else sh), so the agent also
 * checks the quoted size and refuses what would not fit, with a clear error.
 */
export const MAX_COMMAND_CHARS = 65_536;

export const commandText = z
  .string()
  .min(1)
  .max(MAX_COMMAND_CHARS, `a command is at most ${MAX_COMMAND_CHARS} characters; put a longer script in a file`);

/** `background`, as the command tools take it. */
export const backgroundFlag = z
  .boolean()
  .optional()
  .describe(
    "Return at once with a job_id instead of waiting; follow the job with ssh_job_status and stop it with ssh_job_cancel",
  );

/**
 * `confirmation_token`, on the destructive tools that name VMs: where a group asks for confirmation, the
 * first call runs nothing and answers with a token; the same call again with it runs once.
 */
export const confirmationToken = z
  .string()
  .min(1)
  .max(4096)
  .optional()
  .describe(
    "Only after a call answered confirmation_required and the user confirmed: the token it gave. Repeat the call with the very same arguments plus this token; it runs once.",
  );

export const RunCommandInput = {
  command: commandText.describe("Shell command to run on the VM (executed with bash -lc)"),
  vm_name: z.string().min(1).describe("Name of the VM, as listed by ssh_list_vms"),
  timeout_s: timeoutSeconds("the command is killed"),
  background: backgroundFlag,
  confirmation_token: confirmationToken,
};

/** What a command tool adds to its answer when it started a background job. */
export const BackgroundFields = {
  /** Set when the call started a background job: follow it with ssh_job_status. */
  job_id: z.string().optional(),
  state: z.literal("running").optional(),
};

export const ListVmsOutput = { vms: z.array(z.string()) };

export const IsVmUpOutput = {
  vm: z.string(),
  host: z.string(),
  port: z.number().int(),
  reachable: z.boolean(),
  latency_ms: z.number().nullable(),
  reason: z.string().nullable(),
};

const { kind: _kind, ...distroFields } = DistroResultSchema.shape;
export const DistroInfoOutput = {
  vm: z.string(),
  host: z.string(),
  port: z.number().int(),
  ...distroFields,
};

export const RunCommandOutput = {
  command: z.string(),
  /**
   * `executed` as the original; `timeout` and `error` are how a command that gave no exit
   * status ended; `running` only in the answer of a background start.
   */
  status: z.enum([...ExecStatusSchema.options, "running"]),
  stdout: z.string(),
  stderr: z.string(),
  /** -1 when there is no exit status: died of `signal`, or `status` is not `executed`. */
  return_code: z.number().int(),
  vm: z.string(),
  duration_ms: z.number(),
  signal: z.string().nullable(),
  /** Why there is no exit status (timeout, channel closed without one); null otherwise. */
  error: z.string().nullable(),
  stdout_truncated: z.boolean(),
  stderr_truncated: z.boolean(),
  ...BackgroundFields,
};
