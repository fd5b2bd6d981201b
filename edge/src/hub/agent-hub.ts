/**
 * @module AgentHub: one Durable Object per agent. Holds the agent's WebSocket (hibernation
 * API; heartbeats are answered without waking it), sends jobs, gathers their output and
 * fails every pending job the moment the agent goes away.
 */

import { DurableObject } from "cloudflare:workers";
import {
  encodeMessage,
  HEARTBEAT_MS,
  type JobResult,
  type Message,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  parseMessage,
  type VmOutcome,
} from "@telecommande/shared";
import type { EdgeEnv } from "../env.js";
import { log } from "../log.js";
import { failure, type JobOutcome, type JobSpec, type JobWatcher, tell } from "./outcome.js";

/** Header by which the Worker tells the hub which agent its token authenticated. */
export const AGENT_HEADER = "X-Telecommande-Agent";

/** Extra time the edge waits beyond a job's own timeout, for the agent to report it. */
const GRACE_MS = 5_000;

/** Survives hibernation with the socket. */
interface Attachment {
  agent: string;
  ready: boolean;
  vms: string[];
}

interface Chunk {
  stream: "stdout" | "stderr";
  data: string;
}

interface Pending {
  ws: WebSocket;
  resolve: (outcome: JobOutcome) => void;
  timer: ReturnType<typeof setTimeout>;
  /** Output chunks by sequence number; they may arrive in any order. */
  chunks: Map<number, Chunk>;
  /** A fan-out's VM outcomes as they arrive. */
  vms: Map<string, VmOutcome>;
  /** VMs the fan-out names (for progress), 0 for other jobs. */
  total: number;
  /** Someone watching the job: hears its tail and each VM done. */
  watch?: JobWatcher;
  /** The MCP call it serves (see callKey): a cancellation of that call ends it. */
  call?: string;
  /** The result, held until all the chunks (and VM outcomes) it announces have arrived. */
  final?: { result: JobResult; chunks: number };
}

function attachment(ws: WebSocket): Attachment | null {
  return (ws.deserializeAttachment() as Attachment | null) ?? null;
}

function send(ws: WebSocket, message: Message): boolean {
  try {
    ws.send(encodeMessage(message));
    return true;
  } catch {
    return false;
  }
}

/** Output streamed in progress chunks comes first, in sequence order; the result carries the rest. */
function withOutput(result: JobResult, chunks: Map<number, Chunk>): JobResult {
  if (result.kind !== "exec" || !chunks.size) return result;
  const ordered = [...chunks.entries()].sort(([a], [b]) => a - b).map(([, chunk]) => chunk);
  const join = (stream: Chunk["stream"]) =>
    ordered
      .filter((c) => c.stream === stream)
      .map((c) => c.data)
      .join("");
  return { ...result, stdout: join("stdout") + result.stdout, stderr: join("stderr") + result.stderr };
}

/**
 * Slack per wave of a fan-out: each VM's own timer covers connecting and running, but a
 * timed-out command still gets its SIGTERM grace (up to 3 s) before it reports.
 */
const WAVE_SLACK_MS = 10_000;

/** How long the agent may take: a fan-out runs its VMs in waves of max_parallel, each bounded. */
function jobDeadlineMs(spec: JobSpec): number {
  if (spec.kind !== "fanout") return spec.timeout_ms;
  const waves = Math.ceil(new Set(spec.vms).size / spec.max_parallel);
  return waves * (spec.timeout_ms + WAVE_SLACK_MS);
}

export class AgentHub extends DurableObject<EdgeEnv> {
  private readonly pending = new Map<string, Pending>();
  private readonly lastSeen = new WeakMap<WebSocket, number>();
  private watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(ctx: DurableObjectState, env: EdgeEnv) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** The Worker has authenticated the agent; take over its WebSocket. */
  override async fetch(request: Request): Promise<Response> {
    const agent = request.headers.get(AGENT_HEADER);
    if (!agent || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated WebSocket upgrade", { status: 426 });
    }
    // One live connection per agent: a reconnecting agent replaces its stale socket.
    for (const old of this.ctx.getWebSockets()) {
      this.drop(old, "the agent reconnected; the job was lost with its previous connection");
      old.close(4000, "replaced by a newer connection");
    }
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment({ agent, ready: false, vms: [] } satisfies Attachment);
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    this.lastSeen.set(ws, Date.now());
    const parsed = parseMessage(raw);
    const att = attachment(ws);
    if (!parsed.ok || !att) {
      const error = parsed.ok ? "no agent attached to this socket" : parsed.error;
      log("warn", "agent_bad_message", { agent: att?.agent, error });
      send(ws, { type: "error", code: "bad_message", message: error });
      return;
    }
    const msg = parsed.message;
    switch (msg.type) {
      case "hello":
        return this.onHello(ws, att, msg.agent, msg.protocol, msg.version, msg.vms);
      case "progress": {
        const job = this.jobOf(msg.id, ws);
        job?.chunks.set(msg.seq, { stream: msg.stream, data: msg.data });
        this.completeIfReady(msg.id);
        return;
      }
      case "vm_result": {
        const job = this.jobOf(msg.id, ws);
        if (job && !job.vms.has(msg.vm)) {
          job.vms.set(msg.vm, msg.outcome);
          tell(job.watch, { kind: "vm", vm: msg.vm, ok: msg.outcome.ok, done: job.vms.size, total: job.total });
        }
        this.completeIfReady(msg.id);
        return;
      }
      case "tail": {
        tell(this.jobOf(msg.id, ws)?.watch, { kind: "tail", text: msg.text });
        return;
      }
      case "result": {
        const job = this.jobOf(msg.id, ws);
        if (job) job.final = { result: msg.result, chunks: msg.chunks };
        this.completeIfReady(msg.id);
        return;
      }
      case "error":
        if (msg.id) this.settle(msg.id, failure(msg.code, msg.message));
        else log("warn", "agent_error", { agent: att.agent, code: msg.code, message: msg.message });
        return;
      case "ping":
        ws.send(PONG_FRAME);
        return;
      case "pong":
        return;
      default:
        send(ws, { type: "error", code: "bad_message", message: `unexpected "${msg.type}" message from an agent` });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    log("info", "agent_disconnected", { agent: attachment(ws)?.agent, code, reason });
    this.drop(ws, `the agent disconnected during the job (WebSocket closed, code ${code})`);
    // Complete the closing handshake, so an agent that is shutting down is not kept waiting.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    log("warn", "agent_socket_error", { agent: attachment(ws)?.agent, error: String(error) });
    this.drop(ws, "the agent's connection failed during the job");
  }

  /** RPC from the Worker: run one job on this agent. Never throws; errors are values. */
  async runJob(agent: string, spec: JobSpec, watch?: JobWatcher, call?: string): Promise<JobOutcome> {
    const ws = this.ctx.getWebSockets().find((s) => s.readyState === WebSocket.OPEN && attachment(s)?.ready === true);
    if (!ws) return failure("agent_unavailable", `agent "${agent}" is not connected`);
    const id = crypto.randomUUID();
    const deadline = jobDeadlineMs(spec) + GRACE_MS;
    return new Promise<JobOutcome>((resolve) => {
      const timer = setTimeout(() => {
        send(ws, { type: "cancel", id });
        this.settle(id, failure("timeout", `no answer from agent "${agent}" within ${Math.round(deadline / 1000)} s`));
      }, deadline);
      const total = spec.kind === "fanout" ? new Set(spec.vms).size : 0;
      this.pending.set(id, { ws, resolve, timer, chunks: new Map(), vms: new Map(), total, watch, call });
      if (!this.lastSeen.has(ws)) this.lastSeen.set(ws, Date.now());
      this.startWatchdog();
      if (!send(ws, { type: "job", id, ...spec })) {
        this.settle(id, failure("agent_disconnected", `agent "${agent}" connection is closing`));
      }
    });
  }

  /**
   * RPC from the Worker: the client cancelled call `call`. The agent stops each of its jobs
   * (SIGTERM to the remote process group, SIGKILL after a grace) and the call's answer says
   * it was cancelled. Returns how many jobs were running.
   */
  async cancelCall(call: string): Promise<number> {
    let cancelled = 0;
    for (const [id, job] of this.pending) {
      if (job.call !== call) continue;
      send(job.ws, { type: "cancel", id });
      this.settle(id, failure("cancelled", "cancelled by the client; the remote command was stopped"));
      cancelled++;
    }
    if (cancelled) log("info", "call_cancelled", { jobs: cancelled });
    return cancelled;
  }

  private onHello(ws: WebSocket, att: Attachment, agent: string, protocol: number, version: string, vms: string[]) {
    if (protocol !== PROTOCOL_VERSION) {
      send(ws, {
        type: "error",
        code: "bad_message",
        message: `protocol ${protocol} not supported; this edge speaks protocol ${PROTOCOL_VERSION}`,
      });
      ws.close(4002, "protocol version mismatch");
      return;
    }
    if (agent !== att.agent) {
      send(ws, { type: "error", code: "bad_message", message: `this token belongs to agent "${att.agent}"` });
      ws.close(4003, "agent name does not match its token");
      return;
    }
    ws.serializeAttachment({ agent, ready: true, vms } satisfies Attachment);
    send(ws, { type: "welcome", protocol: PROTOCOL_VERSION, agent });
    log("info", "agent_connected", { agent, version, vms: vms.length });
  }

  /** A pending job, if `ws` is the socket it was sent on: no other socket may answer for it. */
  private jobOf(id: string, ws: WebSocket): Pending | undefined {
    const job = this.pending.get(id);
    return job?.ws === ws ? job : undefined;
  }

  /** Settles a job once its result and every chunk and VM outcome the result announces are in. */
  private completeIfReady(id: string): void {
    const job = this.pending.get(id);
    if (!job?.final || job.chunks.size < job.final.chunks) return;
    const { result } = job.final;
    if (result.kind === "fanout" && job.vms.size < result.count) return;
    this.settle(id, { ok: true, result: withOutput(result, job.chunks) });
  }

  private settle(id: string, outcome: JobOutcome): void {
    const job = this.pending.get(id);
    if (!job) return;
    clearTimeout(job.timer);
    this.pending.delete(id);
    // A fan-out keeps the VMs that answered, also when the job as a whole failed.
    job.resolve(job.vms.size ? { ...outcome, vms: Object.fromEntries(job.vms) } : outcome);
    if (!this.pending.size && this.watchdog) {
      clearInterval(this.watchdog);
      this.watchdog = undefined;
    }
  }

  private drop(ws: WebSocket, message: string): void {
    for (const [id, job] of this.pending) {
      if (job.ws === ws) this.settle(id, failure("agent_disconnected", message));
    }
  }

  /** While jobs wait, an agent silent for three heartbeats is treated as gone. */
  private startWatchdog(): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => {
      const now = Date.now();
      for (const job of new Set([...this.pending.values()].map((p) => p.ws))) {
        const pinged = this.ctx.getWebSocketAutoResponseTimestamp(job)?.getTime() ?? 0;
        const seen = Math.max(pinged, this.lastSeen.get(job) ?? 0);
        if (now - seen > 3 * HEARTBEAT_MS) {
          this.drop(job, "the agent stopped answering heartbeats during the job");
          job.close(4008, "heartbeat timeout");
        }
      }
    }, 1_000);
  }
}
