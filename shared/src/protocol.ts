/**
 * @module The edge ⇄ agent protocol: JSON messages over one WebSocket per agent.
 * Both sides parse every message on arrival with `parseMessage`, which returns an
 * error value on bad input and never throws.
 */
import { z } from "zod";
import { ERROR_CODES, type ErrorCode } from "./errors.js";
import { HistoryQuerySchema } from "./history.js";
import { FileModeSchema, MAX_READ_BYTES, OpsReportSchema, OpsTaskSchema, RemotePathSchema } from "./ops/index.js";
import { ExecResultSchema, type JobResult, JobResultSchema } from "./results.js";

export * from "./results.js";

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

/**
 * Header of the agent's connect request: a random id of the agent process, the same across
 * its reconnects, so the hub tells a reconnect (replace the stale socket) from a second
 * process started under the same name (refused while the first heartbeats).
 */
export const AGENT_INSTANCE_HEADER = "X-Telecommande-Instance";
/** Close code of the socket of a refused second agent process; the agent backs off long on it. */
export const CLOSE_DUPLICATE_AGENT = 4009;
/** How long an agent refused as a duplicate waits before it tries again. */
export const DUPLICATE_BACKOFF_MS = 60_000;

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

export const JobKindSchema = z.enum([
  "exec",
  "probe",
  "distro",
  "fanout",
  "history",
  "file_read",
  "file_write",
  "file_copy",
]);
export type JobKind = z.infer<typeof JobKindSchema>;

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
  /**
   * A check of the connection only (`telecommande-agent doctor`): the hub answers welcome
   * but takes no job to it and leaves the jobs held for the real agent alone.
   */
  probe: z.boolean().optional(),
  /**
   * How long the agent process has been running, in seconds, as it says hello: the hub
   * dates the start on its own clock, so the status page's uptime needs no synced clocks.
   */
  uptime_s: z.number().nonnegative().optional(),
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
/**
 * One command on many VMs of one agent; `timeout_ms` bounds each VM's work. With a `task`
 * (install packages, health, logs) the agent builds each VM's commands itself and answers
 * each VM with a structured `report`; `command` is then only the job's label.
 */
export const FanoutJobSchema = z.object({
  ...jobFields,
  kind: z.literal("fanout"),
  vms: z.array(vmName).min(1).max(MAX_FANOUT_VMS),
  command: z.string().min(1),
  task: OpsTaskSchema.optional(),
  /** VMs worked on at once, at most. */
  max_parallel: z.number().int().min(1).max(MAX_FANOUT_VMS),
  /** Per VM and stream: the edge shares its answer budget among the VMs. */
  output_limit_bytes: z.number().int().min(1),
});
/** A question about the operations this agent recorded (see history.ts). */
export const HistoryJobSchema = z.object({ ...jobFields, kind: z.literal("history"), query: HistoryQuerySchema });
/** A slice of one file, read over SFTP. */
export const FileReadJobSchema = z.object({
  ...jobFields,
  kind: z.literal("file_read"),
  vm: vmName,
  path: RemotePathSchema,
  offset: z.number().int().nonnegative(),
  max_bytes: z.number().int().min(1).max(MAX_READ_BYTES),
});
/** A whole file written atomically over SFTP (a temporary file beside it, then a rename). */
export const FileWriteJobSchema = z.object({
  ...jobFields,
  kind: z.literal("file_write"),
  vm: vmName,
  path: RemotePathSchema,
  /** Base64 of the bytes to write, whatever the caller sent. */
  content_base64: z.string(),
  mode: FileModeSchema.optional(),
  backup: z.boolean(),
  /** Write through a symbolic link at `path` (refused otherwise). */
  follow_symlinks: z.boolean(),
});
/** One file streamed from `vm` to `to_vm` (both served by this agent), never held whole. */
export const FileCopyJobSchema = z.object({
  ...jobFields,
  kind: z.literal("file_copy"),
  vm: vmName,
  path: RemotePathSchema,
  to_vm: vmName,
  to_path: RemotePathSchema,
  overwrite: z.boolean(),
});
export const JobSchema = z.discriminatedUnion("kind", [
  ExecJobSchema,
  ProbeJobSchema,
  DistroJobSchema,
  FanoutJobSchema,
  HistoryJobSchema,
  FileReadJobSchema,
  FileWriteJobSchema,
  FileCopyJobSchema,
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
  z.object({
    ok: z.literal(true),
    /** The VM's command (a task's main command), its output capped as the job asked. */
    result: ExecResultSchema,
    /** A task's structured answer for this VM. */
    report: OpsReportSchema.optional(),
  }),
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
