/** @module Wires one running agent together: config → SSH pool → job runner → edge connection. */
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { AUDIT_FILE, AuditLog } from "./audit/audit-log.js";
import type { BackoffOptions } from "./backoff.js";
import type { ServedVm } from "./config.js";
import { type ConnectionState, EdgeConnection } from "./connection.js";
import { type OpenHistoryOptions, openHistory } from "./history/open.js";
import { DEFAULT_MAX_AGE_DAYS, DEFAULT_MAX_RECORDS, startRetention } from "./history/retention.js";
import { JobRunner } from "./jobs.js";
import { createLogger, type Logger } from "./log.js";
import { drainJobs, SHUTTING_DOWN } from "./shutdown.js";
import { HostKeyStore } from "./ssh/host-keys.js";
import { SshPool } from "./ssh/pool.js";

export interface StartAgentOptions {
  /** Edge base URL, e.g. http://127.0.0.1:8787 (http→ws, https→wss, path /agent/connect). */
  edgeUrl: string;
  /** The agent's bearer token. Never logged. */
  token: string;
  /** Agent name: it serves the VMs whose `agent` is this name. */
  name: string;
  /** The served VMs with their keys, as `loadAgentConfig(...).vms` returns them. */
  vms: ServedVm[];
  /** Holds `known_hosts` (first-use host keys). Default `~/.la-telecommande`. */
  dataDir?: string;
  /** Extra read-only known_hosts file. */
  knownHostsFile?: string;
  /** Refuse hosts that are neither pinned nor in a known_hosts file (no trust on first use). */
  strictHostKeys?: boolean;
  log?: Logger;
  /** Tunables, mostly for tests. */
  heartbeatMs?: number;
  backoff?: BackoffOptions;
  welcomeTimeoutMs?: number;
  /** The wait after the edge refused this process as a second agent of its name. */
  duplicateBackoffMs?: number;
  /** How long running jobs may take to finish on stop() before they are stopped. */
  shutdownGraceMs?: number;
  /** Sessions at once on one SSH connection (see SshPool). */
  maxChannelsPerConnection?: number;
  /** SSH connections at once to one VM. */
  maxConnectionsPerVm?: number;
  sshReadyTimeoutMs?: number;
  /** How long jobs keep running while the edge is away (default AGENT_HOLD_MS). */
  holdMs?: number;
  /**
   * The history's retention: records older than `maxAgeDays` and the oldest beyond
   * `maxRecords` are removed at start and every `intervalMs` (an hour); 0 is no limit.
   */
  historyRetention?: { maxAgeDays?: number; maxRecords?: number; intervalMs?: number };
  /**
   * Read for QDRANT_URL (copy the history to Qdrant), QDRANT_API_KEY and MISTRAL_API_KEY.
   * The daemon passes its environment; none by default, so an embedding program's own
   * environment never sends its agent's history anywhere.
   */
  env?: Record<string, string | undefined>;
  /** Tunables of the copy to Qdrant, for tests. */
  historySync?: OpenHistoryOptions["sync"];
}

export interface AgentHandle {
  readonly name: string;
  /** Connection state: "ready" once the edge has sent `welcome`. */
  readonly state: ConnectionState;
  /** SSH connections opened so far (one per VM while they stay up). */
  readonly sshConnectionsOpened: number;
  /** Cancels running jobs (killing their remote processes), closes SSH and the WebSocket. */
  stop(): Promise<void>;
}

let version: string | undefined;

/** The version in agent/package.json, sent in `hello`. */
export function agentVersion(): string {
  if (version) return version;
  try {
    const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as { version?: unknown };
    version = typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    version = "0.0.0";
  }
  return version;
}

export function defaultDataDir(): string {
  return join(homedir(), ".la-telecommande");
}

export function startAgent(options: StartAgentOptions): AgentHandle {
  const log = options.log ?? createLogger({ agent: options.name });
  log.addSecret(options.token);
  for (const vm of options.vms) log.addSecret(vm.passphrase);

  const dataDir = options.dataDir ?? defaultDataDir();
  const hostKeys = new HostKeyStore({
    ownFile: join(dataDir, "known_hosts"),
    extraFiles: options.knownHostsFile ? [options.knownHostsFile] : [],
    strict: options.strictHostKeys === true,
  });
  const pool = new SshPool({
    hostKeys,
    log,
    maxChannels: options.maxChannelsPerConnection,
    maxConnections: options.maxConnectionsPerVm,
    readyTimeoutMs: options.sshReadyTimeoutMs,
  });
  // The runner sends through the connection created just below; jobs only arrive once it exists.
  let connection: EdgeConnection | undefined;
  const history = openHistory(dataDir, log, {
    ...(options.env ? { env: options.env } : {}),
    ...(options.historySync ? { sync: options.historySync } : {}),
  });
  const retention = options.historyRetention;
  const pruning = history.available
    ? startRetention({
        store: history.store,
        maxAgeDays: retention?.maxAgeDays ?? DEFAULT_MAX_AGE_DAYS,
        maxRecords: retention?.maxRecords ?? DEFAULT_MAX_RECORDS,
        intervalMs: retention?.intervalMs,
        log,
      })
    : undefined;
  const secrets = [options.token, ...options.vms.map((vm) => vm.passphrase ?? "")].filter(Boolean);
  const audit = new AuditLog({ file: join(dataDir, AUDIT_FILE), log, secrets });
  const jobs = new JobRunner({
    agent: options.name,
    vms: options.vms,
    pool,
    log,
    history,
    audit,
    send: (message) => connection?.send(message),
    holdMs: options.holdMs,
  });
  connection = new EdgeConnection({
    edgeUrl: options.edgeUrl,
    token: options.token,
    agent: options.name,
    version: agentVersion(),
    vms: options.vms.map((vm) => vm.name),
    log,
    onJob: (job) => jobs.handle(job),
    onCancel: (id) => jobs.cancel(id),
    onAck: (id) => jobs.ack(id),
    heldJobs: () => jobs.heldJobs(),
    onReady: () => jobs.connected(),
    // Jobs outlive a dropped connection: they run on while the agent reconnects.
    onDisconnect: (reason) => jobs.disconnected(reason),
    heartbeatMs: options.heartbeatMs,
    backoff: options.backoff,
    welcomeTimeoutMs: options.welcomeTimeoutMs,
    duplicateBackoffMs: options.duplicateBackoffMs,
  });
  const edge = connection;

  log.info("starting", {
    version: agentVersion(),
    edge_url: options.edgeUrl,
    vms: options.vms.map((vm) => vm.name),
    data_dir: dataDir,
  });
  if (!options.vms.length) log.warn("no_vms", { message: `no VM in the config is served by agent "${options.name}"` });
  edge.start();

  let stopping: Promise<void> | undefined;
  return {
    name: options.name,
    get state() {
      return edge.state;
    },
    get sshConnectionsOpened() {
      return pool.connectionsOpened;
    },
    stop() {
      stopping ??= (async () => {
        log.info("stopping", { running_jobs: jobs.size });
        await drainJobs(jobs, log, options.shutdownGraceMs);
        jobs.cancelAll(SHUTTING_DOWN);
        await edge.stop();
        await audit.flush();
        await pool.close();
        await pruning?.stop();
        await history.recorder.flush();
        // What Qdrant has not received stays in the local file, sent after the next start.
        await history.sync?.stop();
        await history.store.close();
        log.info("stopped");
      })();
      return stopping;
    },
  };
}
