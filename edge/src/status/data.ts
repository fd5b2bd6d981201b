/**
 * @module The status page's data (also served as /status.json): every agent's hub is asked
 * at once, each bounded by HUB_WAIT_MS, so an agent whose hub is slow or failing shows as
 * such and the page never hangs. Times are ISO strings, durations whole seconds.
 */
import type { EdgeConfig } from "../config/edge-config.js";
import { configOrigin } from "../config/source.js";
import { edgeErrors, noteEdgeError } from "../edge-errors.js";
import type { EdgeEnv } from "../env.js";
import type { ActivityJob } from "../hub/activity.js";
import { agentNames, hubStub } from "../hub/dispatch.js";
import { connectionOf, type HubReport, type VmState } from "../hub/status-report.js";
import { log } from "../log.js";

/** How long the page waits for one hub; the hub itself waits at most PROBE_WAIT_MS for probes. */
export const HUB_WAIT_MS = 4_000;
/** Most recent jobs and errors shown, fleet-wide. */
export const SHOW_RECENT = 20;

export interface StatusAgent {
  name: string;
  connected: boolean;
  version: string | null;
  instance: string | null;
  connected_at: string | null;
  /** Seconds since this connection's hello. */
  connected_s: number | null;
  /** Seconds since the agent process started; null when it did not say (older agents). */
  uptime_s: number | null;
  last_heartbeat_at: string | null;
  error: string | null;
}

export interface StatusVm {
  name: string;
  agent: string;
  state: VmState;
  latency_ms: number | null;
  checked_at: string | null;
  error: string | null;
}

export interface StatusJob {
  id: string;
  agent: string;
  kind: string;
  tool: string | null;
  summary: string;
  caller: string;
  vms: string[];
  background: boolean;
  state: ActivityJob["state"];
  detail: string | null;
  started_at: string;
  ended_at: string | null;
  duration_s: number;
}

export interface StatusError {
  at: string;
  /** The agent whose hub recorded it, or "edge". */
  source: string;
  kind: string;
  message: string;
}

export interface StatusData {
  generated_at: string;
  config: { source: string; loaded_at: string | null; age_s: number | null };
  agents: StatusAgent[];
  vms: StatusVm[];
  jobs: { running: StatusJob[]; recent: StatusJob[] };
  errors: StatusError[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const seconds = (ms: number) => Math.max(0, Math.round(ms / 1000));

/** Where the config came from, without anything secret: the secret's name, or the fetched URL. */
function describeSource(source: string): string {
  return source === "CONFIG_YAML" ? "CONFIG_YAML secret" : source.replace(/^config from /, "fetched from ");
}

function unanswered(vms: string[], why: string): HubReport {
  return {
    agent: connectionOf(null, null),
    vms: vms.map((name) => ({ name, state: "unknown", latencyMs: null, checkedAt: null, error: why })),
    running: [],
    recent: [],
    errors: [],
    error: why,
  };
}

/** One hub's report, or a report that says why there is none; never throws, never waits past HUB_WAIT_MS. */
async function askHub(env: EdgeEnv, agent: string, vms: string[]): Promise<HubReport> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<HubReport>((resolve) => {
    timer = setTimeout(
      () => resolve(unanswered(vms, `the hub of agent "${agent}" did not answer within ${HUB_WAIT_MS / 1000} s`)),
      HUB_WAIT_MS,
    );
  });
  const asked = hubStub(env, agent)
    .statusReport(agent, vms)
    .then((r) => r as HubReport)
    .catch((e: unknown) => {
      log("error", "hub_rpc_failed", { agent, error: (e as Error).message });
      return unanswered(vms, `the hub of agent "${agent}" failed; try again`);
    });
  const report = await Promise.race([asked, late]);
  if (timer) clearTimeout(timer);
  if (report.error) noteEdgeError("hub_unavailable", report.error);
  return report;
}

function jobOf(agent: string, job: ActivityJob, now: number): StatusJob {
  return {
    id: job.id,
    agent,
    kind: job.kind,
    tool: job.tool,
    summary: job.summary,
    caller: job.caller,
    vms: job.vms,
    background: job.background,
    state: job.state,
    detail: job.detail,
    started_at: iso(job.startedAt) as string,
    ended_at: iso(job.endedAt),
    duration_s: seconds((job.endedAt ?? now) - job.startedAt),
  };
}

export async function collectStatus(env: EdgeEnv, config: EdgeConfig, now = Date.now()): Promise<StatusData> {
  const agents = agentNames(config.agents);
  const vmsOf = (agent: string) => [...config.vms.values()].filter((vm) => vm.agent === agent).map((vm) => vm.name);
  const reports = await Promise.all(agents.map((agent) => askHub(env, agent, vmsOf(agent))));
  const data: StatusData = {
    generated_at: new Date(now).toISOString(),
    config: { source: "unknown", loaded_at: null, age_s: null },
    agents: [],
    vms: [],
    jobs: { running: [], recent: [] },
    errors: [],
  };
  const origin = configOrigin(config);
  if (origin) {
    data.config = {
      source: describeSource(origin.source),
      loaded_at: iso(origin.loadedAt),
      age_s: seconds(now - origin.loadedAt),
    };
  }
  reports.forEach((report, i) => {
    const name = agents[i] as string;
    const a = report.agent;
    data.agents.push({
      name,
      connected: a.connected,
      version: a.version,
      instance: a.instance,
      connected_at: iso(a.connectedAt),
      connected_s: a.connectedAt === null ? null : seconds(now - a.connectedAt),
      uptime_s: a.startedAt === null ? null : seconds(now - a.startedAt),
      last_heartbeat_at: iso(a.lastSeenAt),
      error: report.error,
    });
    for (const vm of report.vms) {
      data.vms.push({
        name: vm.name,
        agent: name,
        state: vm.state,
        latency_ms: vm.latencyMs,
        checked_at: iso(vm.checkedAt),
        error: vm.error,
      });
    }
    data.jobs.running.push(...report.running.map((j) => jobOf(name, j, now)));
    data.jobs.recent.push(...report.recent.map((j) => jobOf(name, j, now)));
    data.errors.push(
      ...report.errors.map((e) => ({ at: iso(e.at) as string, source: name, kind: e.kind, message: e.message })),
    );
  });
  for (const e of edgeErrors())
    data.errors.push({ at: iso(e.at) as string, source: "edge", kind: e.kind, message: e.message });
  const newest = <T>(list: T[], at: (t: T) => string) => list.sort((x, y) => at(y).localeCompare(at(x)));
  newest(data.jobs.running, (j) => j.started_at);
  data.jobs.recent = newest(data.jobs.recent, (j) => j.ended_at ?? j.started_at).slice(0, SHOW_RECENT);
  data.errors = newest(data.errors, (e) => e.at).slice(0, SHOW_RECENT);
  return data;
}
