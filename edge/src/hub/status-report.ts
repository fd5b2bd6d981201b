/**
 * @module What one hub tells the status page: its agent's connection, its VMs' reachability,
 * its jobs and its error events. Reachability comes from the same probe job ssh_is_vm_up
 * sends, made at most every PROBE_EVERY_MS per VM whoever asks, and the hub waits at most
 * PROBE_WAIT_MS for fresh answers: a slow probe shows the previous answer (or "unknown")
 * until it lands, so the page never waits on an unreachable host's timeout.
 */
import { log } from "../log.js";
import { type ActivityError, type ActivityJob, type HubActivity, STATUS_CALLER } from "./activity.js";
import type { JobStore } from "./job-store.js";
import type { JobOutcome, JobSpec } from "./outcome.js";
import type { Attachment } from "./sockets.js";

export const PROBE_EVERY_MS = 15_000;
export const PROBE_TIMEOUT_MS = 5_000;
export const PROBE_WAIT_MS = 2_500;

/** What the hub keeps of a connection beyond the socket's own attachment. */
export interface HubAttachment extends Attachment {
  /** The agent's version, from its hello. */
  version?: string;
  /** When the agent's hello was accepted. */
  connectedAt?: number;
  /** When the agent process started (its hello's uptime, on the hub's clock); unset if it did not say. */
  startedAt?: number;
}

export type VmState = "up" | "down" | "unknown" | "agent_offline";

export interface VmStatus {
  name: string;
  state: VmState;
  latencyMs: number | null;
  /** When the answer shown was probed; null before any. */
  checkedAt: number | null;
  error: string | null;
}

export interface AgentConnection {
  connected: boolean;
  version: string | null;
  instance: string | null;
  connectedAt: number | null;
  startedAt: number | null;
  /** The last message or heartbeat of the connection. */
  lastSeenAt: number | null;
}

export interface HubReport {
  agent: AgentConnection;
  vms: VmStatus[];
  running: ActivityJob[];
  recent: ActivityJob[];
  errors: ActivityError[];
  /** Set when the hub could not build part of the report. */
  error: string | null;
}

export function probeSpec(vm: string): JobSpec {
  return { kind: "probe", vm, caller: STATUS_CALLER, timeout_ms: PROBE_TIMEOUT_MS };
}

export function connectionOf(att: HubAttachment | null, lastSeenAt: number | null): AgentConnection {
  if (!att) {
    return { connected: false, version: null, instance: null, connectedAt: null, startedAt: null, lastSeenAt: null };
  }
  return {
    connected: true,
    version: att.version ?? null,
    instance: att.instance ?? null,
    connectedAt: att.connectedAt ?? null,
    startedAt: att.startedAt ?? null,
    lastSeenAt: lastSeenAt || null,
  };
}

export function offlineVms(vms: string[]): VmStatus[] {
  return vms.map((name) => ({
    name,
    state: "agent_offline",
    latencyMs: null,
    checkedAt: null,
    error: "the agent is not connected",
  }));
}

type Answer = Omit<VmStatus, "name">;

function answerOf(outcome: JobOutcome, at: number): Answer {
  if (outcome.ok && outcome.result.kind === "probe") {
    const r = outcome.result;
    return r.reachable
      ? { state: "up", latencyMs: r.latency_ms, checkedAt: at, error: null }
      : { state: "down", latencyMs: null, checkedAt: at, error: r.reason ?? "not reachable" };
  }
  const error = outcome.ok ? "the agent answered with the wrong kind of result" : outcome.message;
  return { state: "unknown", latencyMs: null, checkedAt: at, error };
}

/** The hub's latest probe answers, by VM, and the probes on their way. */
export class VmProbes {
  private readonly known = new Map<string, Answer>();
  private readonly inFlight = new Map<string, Promise<void>>();

  /** Each VM's state, probing those not probed within PROBE_EVERY_MS; waits at most PROBE_WAIT_MS. */
  async states(vms: string[], probe: (vm: string) => Promise<JobOutcome>, now = Date.now()): Promise<VmStatus[]> {
    const waits: Promise<void>[] = [];
    for (const vm of vms) {
      const seen = this.known.get(vm);
      if (seen?.checkedAt && now - seen.checkedAt < PROBE_EVERY_MS) continue;
      waits.push(this.start(vm, probe));
    }
    if (waits.length) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const waited = new Promise<void>((resolve) => {
        timer = setTimeout(resolve, PROBE_WAIT_MS);
      });
      await Promise.race([Promise.all(waits), waited]);
      if (timer) clearTimeout(timer);
    }
    return vms.map((name) => {
      const answer = this.known.get(name);
      if (answer) return { name, ...answer };
      return { name, state: "unknown", latencyMs: null, checkedAt: null, error: "being checked" };
    });
  }

  private start(vm: string, probe: (vm: string) => Promise<JobOutcome>): Promise<void> {
    let running = this.inFlight.get(vm);
    if (!running) {
      running = probe(vm)
        .then((outcome) => {
          this.known.set(vm, answerOf(outcome, Date.now()));
        })
        .catch((e: unknown) => {
          this.known.set(vm, { state: "unknown", latencyMs: null, checkedAt: Date.now(), error: String(e) });
        })
        .finally(() => this.inFlight.delete(vm));
      this.inFlight.set(vm, running);
    }
    return running;
  }
}

/** What a hub hands buildReport: its ready connection (if any) and its records. */
export interface ReportSources {
  socket: { att: HubAttachment; seenAt: number } | null;
  probe: (vm: string) => Promise<JobOutcome>;
  probes: VmProbes;
  activity: HubActivity;
  store: JobStore;
  /** The hub waits on this job in memory. */
  pending: (id: string) => boolean;
}

/** The hub's report; a failure becomes its `error`, never an exception across the RPC. */
export async function buildReport(agent: string, vms: string[], src: ReportSources): Promise<HubReport> {
  const report: HubReport = {
    agent: connectionOf(src.socket?.att ?? null, src.socket ? src.socket.seenAt : null),
    vms: src.socket ? [] : offlineVms(vms),
    running: [],
    recent: [],
    errors: [],
    error: null,
  };
  try {
    if (src.socket) report.vms = await src.probes.states(vms, src.probe);
    // A background job may be in the store only (the hub slept since it started).
    const alive = (id: string) => src.pending(id) || src.store.get(id)?.endedAt === null;
    const endOf = (id: string) => {
      const job = src.store.get(id);
      return job?.endedAt && job.outcome ? { at: job.endedAt, outcome: job.outcome } : null;
    };
    Object.assign(report, src.activity.jobs(alive, endOf), { errors: src.activity.errors() });
  } catch (e) {
    log("error", "status_report_failed", { agent, error: (e as Error).message });
    report.error = `the hub of agent "${agent}" could not report: ${(e as Error).message}`;
  }
  return report;
}
