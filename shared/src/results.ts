/**
 * @module What a job answers, by kind: the result schemas of the edge ⇄ agent protocol
 * (protocol.ts re-exports them).
 */
import { z } from "zod";
import { HistoryResultSchema } from "./history.js";
import { FileCopyResultSchema, FileReadResultSchema, FileWriteResultSchema } from "./ops/index.js";

/**
 * How a command ended. `executed`: it reported an exit status or died of a signal.
 * `timeout`: it ran past its timeout and was killed; the output is what it wrote until then.
 * `error`: its channel closed without any exit status, so nobody knows how it ended.
 * In the last two, `return_code` is -1 (the original's "no exit status") and `error` says why.
 */
export const EXEC_STATUSES = ["executed", "timeout", "error"] as const;
export const ExecStatusSchema = z.enum(EXEC_STATUSES);
export type ExecStatus = z.infer<typeof ExecStatusSchema>;

export const ExecResultSchema = z.object({
  kind: z.literal("exec"),
  status: ExecStatusSchema.default("executed"),
  /** Output not already sent in `progress` chunks; the receiver appends it. */
  stdout: z.string(),
  stderr: z.string(),
  return_code: z.number().int(),
  signal: z.string().nullable(),
  error: z.string().nullable().default(null),
  duration_ms: z.number(),
  stdout_truncated: z.boolean(),
  stderr_truncated: z.boolean(),
});

export const ProbeResultSchema = z.object({
  kind: z.literal("probe"),
  reachable: z.boolean(),
  latency_ms: z.number().nullable(),
  reason: z.string().nullable(),
});

export const DistroResultSchema = z.object({
  kind: z.literal("distro"),
  status: z.string(),
  distro: z.object({
    id: z.string().nullable(),
    name: z.string().nullable(),
    version: z.string().nullable(),
    pretty_name: z.string().nullable(),
    id_like: z.array(z.string()),
  }),
  platform: z.object({
    kernel: z.string().nullable(),
    kernel_release: z.string().nullable(),
    arch: z.string().nullable(),
    init: z.string().nullable(),
    package_manager: z.string().nullable(),
  }),
  network: z.object({
    hostname: z.string().nullable(),
    addresses: z.array(z.string()),
  }),
  user: z.object({
    name: z.string().nullable(),
    uid: z.number().int().nullable(),
    is_root: z.boolean(),
    passwordless_sudo: z.boolean(),
  }),
  notes: z.array(z.string()),
});

/** The end of a fan-out job: every VM's outcome went before it, one `vm_result` each. */
export const FanoutResultSchema = z.object({
  kind: z.literal("fanout"),
  /** Number of `vm_result` messages sent for this job before the result. */
  count: z.number().int().nonnegative(),
});

export const JobResultSchema = z.discriminatedUnion("kind", [
  ExecResultSchema,
  ProbeResultSchema,
  DistroResultSchema,
  FanoutResultSchema,
  HistoryResultSchema,
  FileReadResultSchema,
  FileWriteResultSchema,
  FileCopyResultSchema,
]);

export type ExecResult = z.infer<typeof ExecResultSchema>;
export type ProbeResult = z.infer<typeof ProbeResultSchema>;
export type DistroResult = z.infer<typeof DistroResultSchema>;
export type FanoutResult = z.infer<typeof FanoutResultSchema>;
export type JobResult = z.infer<typeof JobResultSchema>;
