/**
 * @module AgentHub: one Durable Object per agent. Holds the agent's WebSocket (hibernation
 * API; heartbeats are answered without waking it), sends jobs and gathers their answers.
 * A dropped connection does not end a job: the agent has RECONNECT_GRACE_MS to come back
 * and claim it in its `hello`. Background jobs live in the hub's SQLite (see JobStore).
 */
import { DurableObject } from "cloudflare:workers";
import {
  AGENT_INSTANCE_HEADER,
  CLOSE_DUPLICATE_AGENT,
  type Message,
  PING_FRAME,
  PONG_FRAME,
  PROTOCOL_VERSION,
  parseMessage,
} from "@telecommande/shared";
import type { EdgeEnv } from "../env.js";
import { log } from "../log.js";
import { HubActivity } from "./activity.js";
import { admit } from "./admission.js";
import { type BackgroundStart, type JobPart, partOf, startRecord } from "./background.js";
import { helloVerdict } from "./hello.js";
import { JobStore } from "./job-store.js";
import { CANCELLED_BY_CLIENT, JobTable } from "./job-table.js";
import { hubMaxBytes, overLimit } from "./limits.js";
import { failure, type JobOutcome, type JobSpec, type JobWatcher } from "./outcome.js";
import { jobDeadlineMs, newPending } from "./pending.js";
import { type Attachment, attachment, send } from "./sockets.js";
import { buildReport, type HubAttachment, type HubReport, probeSpec, VmProbes } from "./status-report.js";
import { HeartbeatWatchdog } from "./watchdog.js";

/** Header by which the Worker tells the hub which agent its token authenticated. */
export const AGENT_HEADER = "X-Telecommande-Agent";

/** While background jobs run, the hub checks their deadlines and connections this often. */
const ALARM_EVERY_MS = 5_000;

export class AgentHub extends DurableObject<EdgeEnv> {
  private readonly jobs: JobTable;
  private readonly lastSeen = new WeakMap<WebSocket, number>();
  private readonly store: JobStore;
  /** Recent jobs and error events, for the status page. */
  private readonly activity: HubActivity;
  private readonly probes = new VmProbes();
  /** While calls wait, an agent silent for three heartbeats is treated as gone. */
  private readonly watchdog: HeartbeatWatchdog;
  /** Answer bytes this hub holds for jobs in flight, at most. */
  private readonly maxBytes: number;

  constructor(ctx: DurableObjectState, env: EdgeEnv) {
    super(ctx, env);
    this.store = new JobStore(ctx.storage.sql);
    this.activity = new HubActivity(ctx.storage.sql);
    this.maxBytes = hubMaxBytes(env.HUB_MAX_ANSWER_BYTES);
    this.watchdog = new HeartbeatWatchdog(
      () => ctx.getWebSockets(),
      (ws) => this.seenAt(ws),
      (ws) => {
        this.orphan(ws, "the agent stopped answering heartbeats during the job");
        ws.close(4008, "heartbeat timeout");
      },
    );
    this.jobs = new JobTable(this.store, () => this.watchdog.stop());
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING_FRAME, PONG_FRAME));
  }

  /** The Worker has authenticated the agent; take over its WebSocket. */
  override async fetch(request: Request): Promise<Response> {
    const agent = request.headers.get(AGENT_HEADER);
    if (!agent || request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an authenticated WebSocket upgrade", { status: 426 });
    }
    const instance = request.headers.get(AGENT_INSTANCE_HEADER)?.slice(0, 128) || null;
    const admission = admit(this.ctx.getWebSockets(), agent, instance, (ws) => this.seenAt(ws));
    const { 0: client, 1: server } = new WebSocketPair();
    if (!admission.ok) {
      // Refused after the upgrade, so the agent reads why in the close frame.
      log("warn", "agent_duplicate_refused", { agent, reason: admission.reason });
      this.activity.error("agent_refused", admission.reason);
      server.accept();
      server.close(CLOSE_DUPLICATE_AGENT, admission.reason);
      return new Response(null, { status: 101, webSocket: client });
    }
    // One live connection per agent: a reconnecting agent replaces its stale socket; its jobs
    // wait for the newcomer's hello to claim them.
    for (const old of admission.replace) {
      this.orphan(old, "the agent reconnected");
      old.close(4000, "replaced by a newer connection");
    }
    this.ctx.acceptWebSocket(server);
    const fresh: Attachment = { agent, conn: crypto.randomUUID(), ready: false, vms: [], instance };
    server.serializeAttachment(fresh);
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
        return this.onHello(ws, att, msg);
      case "ping":
        return ws.send(PONG_FRAME);
      case "pong":
        return;
      case "progress":
      case "vm_result":
      case "tail":
      case "result":
      case "error": {
        if (!msg.id) {
          log("warn", "agent_error", { agent: att.agent, code: (msg as { code?: string }).code, message: msg });
          return;
        }
        const job = this.jobs.jobOf(msg.id, att.conn);
        if (job) this.jobs.piece(ws, msg.id, job, msg);
        return;
      }
      default:
        send(ws, { type: "error", code: "bad_message", message: `unexpected "${msg.type}" message from an agent` });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    log("info", "agent_disconnected", { agent: attachment(ws)?.agent, code, reason });
    if (attachment(ws)?.ready) this.activity.error("agent_disconnected", `connection closed (code ${code}) ${reason}`);
    this.orphan(ws, `the agent disconnected during the job (WebSocket closed, code ${code})`);
    // Complete the closing handshake, so an agent that is shutting down is not kept waiting.
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closing");
    } catch {
      // already closed
    }
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    log("warn", "agent_socket_error", { agent: attachment(ws)?.agent, error: String(error) });
    this.activity.error("agent_socket_error", "the agent's connection failed");
    this.orphan(ws, "the agent's connection failed during the job");
  }

  /** RPC from the Worker: run one job on this agent and wait for it. Never throws; errors are values. */
  async runJob(agent: string, spec: JobSpec, watch?: JobWatcher, call?: string): Promise<JobOutcome> {
    const ws = this.readySocket();
    if (!ws) return failure("agent_unavailable", `agent "${agent}" is not connected`);
    const refused = overLimit(agent, spec.caller, this.jobs.inFlight(spec.caller), this.maxBytes);
    if (refused) return refused;
    const id = crypto.randomUUID();
    const deadline = jobDeadlineMs(spec);
    return new Promise<JobOutcome>((answer) => {
      // The status page lists the job and hears how it ends.
      const resolve = this.activity.track(id, spec, null, answer);
      const timer = setTimeout(() => {
        send(this.socketOf(this.jobs.get(id)?.conn), { type: "cancel", id });
        this.jobs.settle(
          id,
          failure("timeout", `no answer from agent "${agent}" within ${Math.round(deadline / 1000)} s`),
        );
      }, deadline);
      const conn = attachment(ws)?.conn ?? null;
      const fields = { conn, resolve, stored: false, deadline: Date.now() + deadline, timer, watch, call, spec };
      this.jobs.add(id, newPending(fields));
      this.dispatch(ws, id, spec, agent);
    });
  }

  /** RPC: start a background job; null once it runs, else why it could not start (also recorded). */
  async startJob(agent: string, spec: JobSpec, start: BackgroundStart): Promise<JobOutcome | null> {
    const ws = this.readySocket();
    const refused = ws && overLimit(agent, spec.caller, this.jobs.inFlight(spec.caller), this.maxBytes);
    if (refused) return refused;
    this.store.prune(Date.now());
    const { record, refusal } = startRecord(this.store, agent, spec, start, ws ? attachment(ws)?.conn : undefined);
    this.store.create(record);
    const resolve = this.activity.track(start.id, spec, start.meta.tool);
    if (refusal) {
      resolve(refusal);
      return refusal;
    }
    this.jobs.add(start.id, newPending({ conn: record.conn, stored: true, deadline: record.deadline, spec, resolve }));
    await this.keepAlarm();
    this.dispatch(ws as WebSocket, start.id, spec, agent);
    return null;
  }

  /** RPC: a background job's part on this agent, for its caller only. */
  async jobPart(id: string, caller: string): Promise<JobPart | null> {
    return partOf(this.store, id, caller);
  }

  /** RPC: cancel a background job of `caller`; its part afterwards (null: not the caller's, or unknown). */
  async cancelJob(id: string, caller: string): Promise<JobPart | null> {
    const stored = this.store.get(id);
    if (!stored || stored.caller !== caller) return null;
    if (stored.endedAt === null) {
      this.jobs.reviveAll();
      send(this.socketOf(this.jobs.get(id)?.conn), { type: "cancel", id });
      this.jobs.settle(id, failure("cancelled", CANCELLED_BY_CLIENT));
    }
    return partOf(this.store, id, caller);
  }

  /**
   * RPC from the Worker: the client cancelled call `call`. The agent stops each of its jobs
   * (SIGTERM to the remote process group, SIGKILL after a grace) and the call's answer says
   * it was cancelled. Returns how many jobs were running.
   */
  async cancelCall(call: string): Promise<number> {
    const cancelled = this.jobs.cancelCall(call, (id, conn) => send(this.socketOf(conn), { type: "cancel", id }));
    if (cancelled) log("info", "call_cancelled", { jobs: cancelled });
    return cancelled;
  }

  /** RPC from the status page: the agent's connection, `vms`' reachability, jobs and errors. Never throws. */
  async statusReport(agent: string, vms: string[]): Promise<HubReport> {
    const ws = this.readySocket();
    return buildReport(agent, vms, {
      socket: ws ? { att: attachment(ws) as HubAttachment, seenAt: this.seenAt(ws) } : null,
      probe: (vm) => this.runJob(agent, probeSpec(vm)),
      probes: this.probes,
      activity: this.activity,
      store: this.store,
      pending: (id) => this.jobs.get(id) !== undefined,
    });
  }

  /** Background jobs: deadlines, agents that never came back, and old records. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.jobs.reviewStored(
      now,
      (conn) => this.socketOf(conn) !== undefined,
      (id, conn) => send(this.socketOf(conn), { type: "cancel", id }),
    );
    this.store.prune(now);
    await this.keepAlarm();
  }

  private async keepAlarm(): Promise<void> {
    if (this.store.runningCount() && !(await this.ctx.storage.getAlarm())) {
      await this.ctx.storage.setAlarm(Date.now() + ALARM_EVERY_MS);
    }
  }

  private dispatch(ws: WebSocket, id: string, spec: JobSpec, agent: string): void {
    if (!this.lastSeen.has(ws)) this.lastSeen.set(ws, Date.now());
    this.watchdog.start();
    if (!send(ws, { type: "job", id, ...spec })) {
      this.jobs.settle(id, failure("agent_disconnected", `agent "${agent}" connection is closing`));
    }
  }

  private onHello(ws: WebSocket, att: Attachment, hello: Extract<Message, { type: "hello" }>) {
    const { agent, version, vms, jobs } = hello;
    const verdict = helloVerdict(att, hello);
    if (verdict.kind === "refuse") {
      send(ws, { type: "error", code: "bad_message", message: verdict.message });
      this.activity.error("agent_refused", `agent "${agent}" refused: ${verdict.message}`);
      ws.close(verdict.closeCode, verdict.closeReason);
      return;
    }
    if (verdict.kind === "accept") {
      ws.serializeAttachment(verdict.attachment);
      for (const id of this.jobs.claim(att.conn, new Set(jobs))) send(ws, { type: "cancel", id });
    }
    send(ws, { type: "welcome", protocol: PROTOCOL_VERSION, agent });
    const event = verdict.kind === "probe" ? "agent_probe" : "agent_connected";
    log("info", event, { agent, version, vms: vms.length, jobs: jobs.length });
  }

  private readySocket(): WebSocket | undefined {
    return this.ctx.getWebSockets().find((s) => s.readyState === WebSocket.OPEN && attachment(s)?.ready === true);
  }

  private socketOf(conn: string | null | undefined): WebSocket | undefined {
    if (!conn) return undefined;
    return this.ctx.getWebSockets().find((s) => s.readyState === WebSocket.OPEN && attachment(s)?.conn === conn);
  }

  /** The connection of `ws` is gone: its jobs wait for the agent to come back and claim them. */
  private orphan(ws: WebSocket, why: string): void {
    const conn = attachment(ws)?.conn;
    if (conn) this.jobs.orphan(conn, why);
  }

  /** When `ws` last showed life: its last message or the last heartbeat answered for it; 0 if never. */
  private seenAt(ws: WebSocket): number {
    const pinged = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
    return Math.max(pinged, this.lastSeen.get(ws) ?? 0);
  }
}
