/**
 * @module The operations tools on many VMs: ssh_install_packages, ssh_fleet_health and
 * ssh_read_logs. Each is a fan-out whose job carries a task instead of a command: the
 * agent builds every VM's commands itself and answers each VM with a structured report.
 */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import {
  DEFAULT_LOG_LINES,
  DEFAULT_MAX_PARALLEL,
  type fleetHealthTool,
  type installPackagesTool,
  type OpName,
  type OpsTask,
  type readLogsTool,
} from "@telecommande/shared";
import type { EdgeVm } from "../../config/edge-config.js";
import type { ToolDeps } from "../deps.js";
import { dispatchFanout, fanoutParts } from "../fanout-dispatch.js";
import { outputLimitFor } from "../fanout-result.js";
import { fleetSummary, opsEntries, type ReportFields } from "../ops-result.js";
import type { Progress } from "../progress.js";
import { denied, structured, toolError } from "../result.js";
import { resolveTargets } from "../targets.js";
import type { ToolHandler } from "../tool-handler.js";

const INSTALL_TIMEOUT_S = 600;
const CHECK_TIMEOUT_S = 30;
/** Logs are the answer itself: a VM may use up to 1 MiB of the answer's budget. */
const LOGS_MAX_BYTES = 1_048_576;

interface FleetCall {
  tool: string;
  vm_names?: string[];
  groups?: string[];
  max_parallel?: number;
  timeoutS: number;
  task: OpsTask;
  /** The job's label in logs and background listings. */
  label: string;
  limitBytes?: (vms: number) => number;
}

type Dispatched =
  | { ok: true; answers: Awaited<ReturnType<typeof dispatchFanout>>; durationMs: number }
  | { ok: false; error: CallToolResult };

async function dispatchTask(deps: ToolDeps, call: FleetCall, progress: Progress | undefined): Promise<Dispatched> {
  const { vm_names = [], groups = [] } = call;
  if (!vm_names.length && !groups.length) {
    return { ok: false, error: toolError(`${call.tool} needs at least one VM in vm_names or one group in groups`) };
  }
  const targets: EdgeVm[] | null = resolveTargets(deps, vm_names, groups);
  if (!targets) return { ok: false, error: denied() };
  const started = Date.now();
  const parts = fanoutParts(targets, {
    caller: deps.caller.name,
    command: call.label,
    task: call.task,
    timeout_ms: call.timeoutS * 1000,
    max_parallel: call.max_parallel ?? DEFAULT_MAX_PARALLEL,
    output_limit_bytes: (call.limitBytes ?? outputLimitFor)(targets.length),
  });
  const answers = await dispatchFanout(deps, targets, parts, progress);
  return { ok: true, answers, durationMs: Date.now() - started };
}

function answer<O extends OpName>(
  op: O,
  dispatched: Extract<Dispatched, { ok: true }>,
  empty: (why: string) => ReportFields<O>,
) {
  const results = opsEntries(op, dispatched.answers, empty);
  const summary = fleetSummary(results, dispatched.durationMs);
  return { results, summary, allOk: summary.ok === summary.total };
}

export const installPackages: ToolHandler<typeof installPackagesTool> = async (args, deps, { progress }) => {
  const dry_run = args.dry_run === true;
  const task: OpsTask = { op: "install", packages: args.packages, dry_run, update_index: args.update_index === true };
  const label = `${dry_run ? "dry run: " : ""}install ${args.packages.join(" ")}`;
  const timeoutS = args.timeout_s ?? INSTALL_TIMEOUT_S;
  const sent = await dispatchTask(deps, { ...args, tool: "ssh_install_packages", task, label, timeoutS }, progress);
  if (!sent.ok) return sent.error;
  const { results, summary, allOk } = answer("install", sent, (why) => ({
    manager: null,
    installed: [],
    already_present: [],
    failed: args.packages.map((name) => ({ package: name, error: why })),
    command: null,
    commands: [],
    dry_run,
    return_code: null,
  }));
  const entries = results.map(({ dry_run: _d, ...entry }) => entry);
  return structured({ packages: args.packages, dry_run, summary, results: entries }, !allOk);
};

export const fleetHealth: ToolHandler<typeof fleetHealthTool> = async (args, deps, { progress }) => {
  const timeoutS = args.timeout_s ?? CHECK_TIMEOUT_S;
  const call = { ...args, tool: "ssh_fleet_health", task: { op: "health" } as const, label: "fleet health", timeoutS };
  const sent = await dispatchTask(deps, call, progress);
  if (!sent.ok) return sent.error;
  const { results, summary, allOk } = answer("health", sent, () => ({
    hostname: null,
    uptime_s: null,
    load: null,
    cpus: null,
    memory: null,
    swap: null,
    disks: [],
    systemd: false,
    failed_units: [],
    findings: [],
  }));
  const with_findings = results.filter((r) => r.findings.length > 0).length;
  return structured({ summary: { ...summary, with_findings }, results }, !allOk);
};

export const readLogs: ToolHandler<typeof readLogsTool> = async (args, deps, { progress }) => {
  const { unit, path, since, grep } = args;
  if ((unit === undefined) === (path === undefined)) {
    return toolError("ssh_read_logs needs exactly one of unit (a systemd unit's journal) or path (a log file)");
  }
  if (since !== undefined && path !== undefined) {
    return toolError("since works with unit (the journal) only; for a file, use grep or lines");
  }
  const lines = args.lines ?? DEFAULT_LOG_LINES;
  const task: OpsTask = {
    op: "logs",
    lines,
    ...(unit ? { unit } : { path }),
    ...(since ? { since } : {}),
    ...(grep ? { grep } : {}),
  };
  const source: "journal" | "file" = unit !== undefined ? "journal" : "file";
  const target = (unit ?? path) as string;
  // The lines are the answer: one stream, and up to LOGS_MAX_BYTES of the budget per VM.
  const limitBytes = (vms: number) => outputLimitFor(vms, LOGS_MAX_BYTES, 1);
  const call = {
    ...args,
    tool: "ssh_read_logs",
    task,
    label: `read logs ${target}`,
    timeoutS: args.timeout_s ?? CHECK_TIMEOUT_S,
    limitBytes,
  };
  const sent = await dispatchTask(deps, call, progress);
  if (!sent.ok) return sent.error;
  const { results, summary, allOk } = answer("logs", sent, () => ({
    source,
    target,
    command: null,
    lines: [],
    truncated: false,
    return_code: null,
  }));
  return structured({ source, target, summary, results }, !allOk);
};
