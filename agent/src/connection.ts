/**
 * @module The one WebSocket to the edge: dial out, `hello` → `welcome`, heartbeats,
 * and reconnect forever with capped, jittered backoff. Every frame is parsed with
 * `parseMessage`; garbage is logged and answered, never fatal.
 */
import { randomUUID } from "node:crypto";
import {
  AGENT_INSTANCE_HEADER,
  CLOSE_DUPLICATE_AGENT,
  DUPLICATE_BACKOFF_MS,
  encodeMessage,
  type Job,
  type Message,
  PONG_FRAME,
  PROTOCOL_VERSION,
  parseMessage,
} from "@telecommande/shared";
import WebSocket from "ws";
import { Backoff, type BackoffOptions } from "./backoff.js";
import { agentConnectUrl, displayUrl } from "./edge-url.js";
import { FailureLog } from "./failure-log.js";
import { Heartbeat } from "./heartbeat.js";
import type { Logger } from "./log.js";

export interface EdgeConnectionOptions {
  edgeUrl: string;
  token: string;
  agent: string;
  version: string;
  vms: string[];
  log: Logger;
  onJob: (job: Job) => void;
  onCancel: (id: string) => void;
  /** The edge has a job's whole answer (or gave up on it). */
  onAck: (id: string) => void;
  /** Jobs this process still holds, announced in every `hello` so the hub keeps them. */
  heldJobs: () => string[];
  /**
   * The edge welcomed this socket: from now on the hub routes the held jobs to it, and
   * `send` sends. Anything a job must resend after a reconnect goes out here, first.
   */
  onReady: () => void;
  /** A socket closed, or an attempt to open one failed: `send` drops until the next `onReady`. */
  onDisconnect: (reason: string) => void;
  heartbeatMs?: number;
  backoff?: BackoffOptions;
  welcomeTimeoutMs?: number;
  /** Repeated connect failures are logged at most this often (the first always is). */
  failureLogEveryMs?: number;
  /** The wait after the edge refused this process as a second agent of the same name. */
  duplicateBackoffMs?: number;
}

export type ConnectionState = "connecting" | "handshake" | "ready" | "waiting" | "stopped";

/** At most this many ids in `hello.jobs`: the edge refuses a longer list. */
const HELLO_JOBS_MAX = 10_000;

export class EdgeConnection {
  private readonly url: URL;
  private readonly backoff: Backoff;
  private ws: WebSocket | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private welcomeTimer: NodeJS.Timeout | undefined;
  private heartbeat: Heartbeat | undefined;
  private readonly failureLog: FailureLog;
  private stateValue: ConnectionState = "waiting";
  /** This process, the same across reconnects: the hub tells a reconnect from a second agent by it. */
  private readonly instance = randomUUID();
  /** Times a `welcome` was received, for tests and diagnostics. */
  welcomes = 0;
  /** Times the edge refused this process because another one holds the agent's name. */
  duplicateRefusals = 0;

  constructor(private readonly options: EdgeConnectionOptions) {
    this.url = agentConnectUrl(options.edgeUrl);
    this.backoff = new Backoff(options.backoff);
    this.failureLog = new FailureLog(options.log, options.failureLogEveryMs ?? 30_000);
  }

  get state(): ConnectionState {
    return this.stateValue;
  }

  start(): void {
    if (this.stateValue === "stopped" || this.ws) return;
    this.open();
  }

  /**
   * Sends on the socket once the edge has welcomed it; false otherwise. Not before: the hub
   * only routes a job's messages to a new socket once it has read that socket's `hello`.
   */
  send(message: Message): boolean {
    return this.stateValue === "ready" && this.sendRaw(encodeMessage(message));
  }

  async stop(): Promise<void> {
    this.stateValue = "stopped";
    clearTimeout(this.retryTimer);
    clearTimeout(this.welcomeTimer);
    this.heartbeat?.stop();
    const ws = this.ws;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => {
        ws.terminate();
        resolve();
      }, 2000);
      ws.once("close", () => {
        clearTimeout(force);
        resolve();
      });
      if (ws.readyState === WebSocket.OPEN) ws.close(1001, "agent shutting down");
      else ws.terminate();
    });
  }

  private sendRaw(frame: string): boolean {
    const ws = this.ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return false;
    ws.send(frame);
    return true;
  }

  private open(): void {
    const { log, token, agent, version } = this.options;
    this.stateValue = "connecting";
    const ws = new WebSocket(this.url, {
      headers: {
        Authorization: `Bearer ${token}`,
        "User-Agent": `telecommande-agent/${version}`,
        [AGENT_INSTANCE_HEADER]: this.instance,
      },
      handshakeTimeout: 10_000,
      perMessageDeflate: false,
    });
    this.ws = ws;
    const session = { welcomed: false };
    let opened = false;
    let httpStatus: number | undefined;
    let lastError: Error | undefined;

    ws.on("unexpected-response", (_req, res) => {
      httpStatus = res.statusCode;
      res.resume();
      ws.terminate();
    });
    ws.on("open", () => {
      opened = true;
      this.stateValue = "handshake";
      this.heartbeat = new Heartbeat({
        periodMs: this.options.heartbeatMs,
        send: (frame) => this.sendRaw(frame),
        onDead: (silentMs) => {
          log.warn("heartbeat_timeout", { silent_ms: silentMs });
          ws.terminate();
        },
      });
      this.heartbeat.start();
      this.welcomeTimer = setTimeout(() => {
        log.warn("handshake_timeout", { message: "no welcome from the edge; reconnecting" });
        ws.terminate();
      }, this.options.welcomeTimeoutMs ?? 10_000);
      const { vms } = this.options;
      const uptime_s = Math.round(process.uptime());
      this.sendRaw(
        encodeMessage({ type: "hello", agent, version, protocol: PROTOCOL_VERSION, vms, jobs: this.held(), uptime_s }),
      );
    });
    ws.on("message", (data, isBinary) => {
      this.heartbeat?.received();
      this.onFrame(ws, session, isBinary ? data : data.toString());
    });
    ws.on("error", (err) => {
      lastError = err;
    });
    ws.on("close", (code, reasonBuf) => {
      const wasReady = session.welcomed;
      clearTimeout(this.welcomeTimer);
      this.heartbeat?.stop();
      this.heartbeat = undefined;
      if (this.ws === ws) this.ws = undefined;
      const reason = reasonBuf.toString();
      if (code === CLOSE_DUPLICATE_AGENT) {
        // Another process runs under this name: retrying fast cannot help, so wait long and say what to fix.
        this.duplicateRefusals++;
        const waitMs = this.options.duplicateBackoffMs ?? DUPLICATE_BACKOFF_MS;
        log.error("duplicate_agent", {
          reason,
          message: `another agent process is connected as "${agent}"; give each agent its own name (--name) and token. Retrying in ${Math.round(waitMs / 1000)} s`,
        });
        this.options.onDisconnect("the edge refused this agent: another process holds its name");
        this.scheduleReconnect(waitMs);
        return;
      }
      if (wasReady) log.info("disconnected", { code, reason });
      else if (this.stateValue === "stopped") log.debug("connect_aborted", { code });
      else if (opened) this.failure("handshake_failed", { code, reason });
      else if (httpStatus === 401 || httpStatus === 403) {
        this.failure("auth_failed", {
          status: httpStatus,
          message: "the edge rejected the agent token; check AGENT_TOKEN",
        });
      } else if (httpStatus) this.failure("connect_failed", { status: httpStatus });
      else this.failure("connect_failed", { error: lastError });
      this.options.onDisconnect(wasReady ? `the edge connection closed (code ${code})` : "the edge connection failed");
      this.scheduleReconnect();
    });
  }

  private onFrame(ws: WebSocket, session: { welcomed: boolean }, raw: unknown): void {
    // The heartbeat answer is by far the most common frame: skip the JSON parse.
    if (raw === PONG_FRAME) return;
    const { log } = this.options;
    const parsed = parseMessage(raw);
    if (!parsed.ok) {
      log.warn("bad_message", { error: parsed.error });
      this.sendRaw(encodeMessage({ type: "error", code: "bad_message", message: parsed.error }));
      return;
    }
    const msg = parsed.message;
    switch (msg.type) {
      case "welcome":
        this.onWelcome(ws, session, msg.protocol, msg.agent);
        return;
      case "job":
        this.options.onJob(msg);
        return;
      case "cancel":
        this.options.onCancel(msg.id);
        return;
      case "ack":
        this.options.onAck(msg.id);
        return;
      case "ping":
        this.sendRaw(PONG_FRAME);
        return;
      case "pong":
        return;
      case "error":
        // Never answer an error with an error: two confused peers would loop forever.
        log.warn("edge_error", { code: msg.code, message: msg.message, job_id: msg.id });
        return;
      default: {
        const message = `unexpected "${msg.type}" message from the edge`;
        log.warn("bad_message", { error: message });
        this.sendRaw(encodeMessage({ type: "error", code: "bad_message", message }));
      }
    }
  }

  private onWelcome(ws: WebSocket, session: { welcomed: boolean }, protocol: number, agent: string): void {
    clearTimeout(this.welcomeTimer);
    if (session.welcomed) return;
    if (protocol !== PROTOCOL_VERSION) {
      this.options.log.error("protocol_mismatch", { edge_protocol: protocol, agent_protocol: PROTOCOL_VERSION });
      ws.close(4002, "protocol version mismatch");
      return;
    }
    session.welcomed = true;
    if (this.stateValue !== "stopped") this.stateValue = "ready";
    this.welcomes++;
    this.backoff.reset();
    this.failureLog.reset();
    this.options.log.info("connected", {
      edge: displayUrl(this.url),
      welcomed_as: agent,
      protocol,
      vms: this.options.vms.length,
    });
    if (this.stateValue === "ready") this.options.onReady();
  }

  private held(): string[] {
    const ids = this.options.heldJobs();
    if (ids.length <= HELLO_JOBS_MAX) return ids;
    // The jobs left out are failed by the hub; still better than a refused hello.
    this.options.log.warn("too_many_held_jobs", { held: ids.length, announced: HELLO_JOBS_MAX });
    return ids.slice(0, HELLO_JOBS_MAX);
  }

  private failure(event: string, fields: Record<string, unknown>): void {
    this.failureLog.record(event, { ...fields, edge: displayUrl(this.url) });
  }

  /** `fixedMs`: a wait decided by why the socket closed, instead of the next backoff step. */
  private scheduleReconnect(fixedMs?: number): void {
    if (this.stateValue === "stopped") return;
    this.stateValue = "waiting";
    const delay = fixedMs ?? this.backoff.next();
    this.options.log.debug("reconnect_scheduled", { in_ms: delay });
    this.retryTimer = setTimeout(() => this.open(), delay);
  }
}
