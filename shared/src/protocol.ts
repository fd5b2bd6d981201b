/**
 * @module The edge ⇄ agent protocol: JSON messages over one WebSocket per agent.
 * Both sides parse every message on arrival with `parseMessage`, which returns an
 * error value on bad input and never throws.
 */
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "./errors.js";
import { HistoryQuerySchema, HistoryResultSchema } from "./history.js";

/**
 * Bumped on any incompatible change; the edge refuses an agent that speaks another.
 * 2: `hello.jobs` and `ack`, so jobs outlive a dropped connection.
 */
export const PROTOCOL_VERSION = 2;

/**
 * How long a job outlives a dropped edge ⇄ agent connection. The hub waits this long for the
 * agent to come back and claim the job in its `hello`; the agent keeps running it a while
 * longer (AGENT_HOLD_MS), since either side may notice the drop first.
 */
export const RECONNECT_GRACE_MS = 10_000;
export const AGENT_HOLD_MS = 30_000;

/** Largest output chunk sent in one message; keeps every frame far below WebSocket limits. */
export const CHUNK_CHARS = 256 * 1024;

/** Most characters of output one `tail` message carries. */
export const TAIL_CHARS = 2_000;

/** Most VMs one fan-out job may name. */
export const MAX_FANOUT_VMS = 1000;

/** Agent heartbeat period; the edge treats an agent silent for 3 periods as gone. */
export const HEARTBEAT_MS = 5_000;

const id = z.string().min(1).max(128);
const errorCode = z.enum(Object.values(ERROR_CODES) as [ErrorCode, ...ErrorCode[]]);

export const JobKindSchema = z.enum(["exec", "probe", "distro", "fanout", "history"]);
export type JobKind = z.infer<typeof JobKindSchema>;

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
]);

export type ExecResult = z.infer<typeof ExecResultSchema>;
export type ProbeResult = z.infer<typeof ProbeResultSchema>;
export type DistroResult = z.infer<typeof DistroResultSchema>;
export type FanoutResult = z.infer<typeof FanoutResultSchema>;
export type JobResult = z.infer<typeof JobResultSchema>;

export const HelloSchema = z.object({
  type: z.literal("hello"),
  agent: z.string().min(1),
  version: z.string(),
  protocol: z.number().int(),
  vms: z.array(z.string()),
  /**
   * Jobs this agent process still holds: running, or ended with an answer the edge has not
   * acknowledged. After a reconnect the hub keeps these and fails the others of this agent
   * at once (they were lost with a restarted agent, or never reached it).
   */
  jobs: z.array(id).max(10_000).default([]),
});
export const WelcomeSchema = z.object({
  type: z.literal("welcome"),
  protocol: z.number().int(),
  agent: z.string(),
});
/** What every job carries, whatever its kind. */
const jobFields = {
  type: z.literal("job"),
  id,
  /** The MCP user the job runs for (history, logs). */
  caller: z.string(),
  timeout_ms: z.number().int().positive(),
};
const vmName = z.string().min(1);

/** One schema per kind: adding a kind is one schema here plus one agent handler. */
export const ExecJobSchema = z.object({
  ...jobFields,
  kind: z.literal("exec"),
  vm: vmName,
  command: z.string().min(1),
  /** Someone watches: send `tail` messages with the latest output while it runs. */
  live: z.boolean().optional(),
});
export const ProbeJobSchema = z.object({ ...jobFields, kind: z.literal("probe"), vm: vmName });
export const DistroJobSchema = z.object({ ...jobFields, kind: z.literal("distro"), vm: vmName });
/** One command on many VMs of one agent; `timeout_ms` bounds each VM's command. */
export const FanoutJobSchema = z.object({
  ...jobFields,
  kind: z.literal("fanout"),
  vms: z.array(vmName).min(1).max(MAX_FANOUT_VMS),
  command: z.string().min(1),
  /** VMs worked on at once, at most. */
  max_parallel: z.number().int().min(1).max(MAX_FANOUT_VMS),
  /** Per VM and stream: the edge shares its answer budget among the VMs. */
  output_limit_bytes: z.number().int().min(1),
});
/** A question about the operations this agent recorded (see history.ts). */
export const HistoryJobSchema = z.object({ ...jobFields, kind: z.literal("history"), query: HistoryQuerySchema });
export const JobSchema = z.discriminatedUnion("kind", [
  ExecJobSchema,
  ProbeJobSchema,
  DistroJobSchema,
  FanoutJobSchema,
  HistoryJobSchema,
]);
/**
 * Frames of one socket can reach the hub out of order (seen under load in workerd), so
 * output chunks carry a per-job sequence number and the result says how many were sent:
 * the hub reassembles in order and waits for stragglers.
 */
export const ProgressSchema = z.object({
  type: z.literal("progress"),
  id,
  seq: z.number().int().nonnegative(),
  stream: z.enum(["stdout", "stderr"]),
  data: z.string(),
});
export const ResultSchema = z.object({
  type: z.literal("result"),
  id,
  /** Number of `progress` messages sent for this job before the result. */
  chunks: z.number().int().nonnegative().default(0),
  result: JobResultSchema,
});
export const ErrorSchema = z.object({
  type: z.literal("error"),
  id: id.optional(),
  code: errorCode,
  message: z.string(),
});
/** One VM of a fan-out job is done: its command's result, or why it could not run. */
export const VmOutcomeSchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), result: ExecResultSchema }),
  z.object({ ok: z.literal(false), code: errorCode, message: z.string(), duration_ms: z.number() }),
]);
export const VmResultSchema = z.object({ type: z.literal("vm_result"), id, vm: vmName, outcome: VmOutcomeSchema });
/**
 * The latest output of a live job, for a progress display: at most 4 a second, not part of
 * the output (that still comes in `progress` chunks and the result).
 */
export const TailSchema = z.object({ type: z.literal("tail"), id, text: z.string().max(TAIL_CHARS) });
export const CancelSchema = z.object({ type: z.literal("cancel"), id });
/**
 * Edge → agent: the hub has the job's whole answer (or gave up on it); the agent forgets
 * it. Until then the agent keeps every `progress`, `vm_result`, `result` and `error` it
 * sent for the job and sends them again after a reconnect; the hub ignores repeats.
 */
export const AckSchema = z.object({ type: z.literal("ack"), id });
export const PingSchema = z.object({ type: z.literal("ping") });
export const PongSchema = z.object({ type: z.literal("pong") });

export const MessageSchema = z.discriminatedUnion("type", [
  HelloSchema,
  WelcomeSchema,
  JobSchema,
  ProgressSchema,
  ResultSchema,
  VmResultSchema,
  TailSchema,
  ErrorSchema,
  CancelSchema,
  AckSchema,
  PingSchema,
  PongSchema,
]);

export type Hello = z.infer<typeof HelloSchema>;
export type Welcome = z.infer<typeof WelcomeSchema>;
export type Job = z.infer<typeof JobSchema>;
export type JobOf<K extends JobKind> = Extract<Job, { kind: K }>;
export type ResultOf<K extends JobKind> = Extract<JobResult, { kind: K }>;
export type Progress = z.infer<typeof ProgressSchema>;
export type ResultMessage = z.infer<typeof ResultSchema>;
export type ErrorMessage = z.infer<typeof ErrorSchema>;
export type VmOutcome = z.infer<typeof VmOutcomeSchema>;
export type VmResultMessage = z.infer<typeof VmResultSchema>;
export type Message = z.infer<typeof MessageSchema>;
/** A message as written: fields with a default may be left out. */
export type OutgoingMessage = z.input<typeof MessageSchema>;

/** Exact frames for heartbeats, so the edge can answer them without waking up. */
export const PING_FRAME = '{"type":"ping"}';
export const PONG_FRAME = '{"type":"pong"}';

export type ParseResult = { ok: true; message: Message } | { ok: false; error: string };

/** Parses one frame from the wire. Never throws: bad input is an error value. */
export function parseMessage(raw: unknown): ParseResult {
  if (typeof raw !== "string") return { ok: false, error: "binary frames are not part of the protocol" };
  let data: unknown;
  try {
    data = JSON.parse(raw);
  } catch {
    return { ok: false, error: "frame is not valid JSON" };
  }
  const parsed = MessageSchema.safeParse(data);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first?.path.length ? ` at ${first.path.join(".")}` : "";
    return { ok: false, error: `malformed message${where}: ${first?.message ?? "invalid"}` };
  }
  return { ok: true, message: parsed.data };
}

/** Serializes a message; the type keeps callers from sending anything off-protocol. */
export function encodeMessage(message: OutgoingMessage): string {
  return JSON.stringify(message);
}

/** Splits text into chunks of at most CHUNK_CHARS characters. */
export function chunkText(text: string, size = CHUNK_CHARS): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out;
}
