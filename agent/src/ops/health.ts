/**
 * @module The `health` task of `ssh_fleet_health`: one read-only POSIX sh script per VM (one
 * round trip) prints marked sections, parsed here into a HealthReport with findings.
 * Missing pieces become null or empty: a VM without systemd, busybox tools or an old kernel
 * still gets a report, never a crash.
 */
import type { ExecResult, HealthReport } from "@telecommande/shared";
import { parseSections } from "../distro.js";
import { parseDf, parseProcMounts, realDisks } from "./health-disks.js";
import { findingsOf } from "./health-findings.js";
import { memoryOf, parseCpus, parseFailedUnits, parseLoad, parseMeminfo, parseUptime, swapOf } from "./health-proc.js";
import type { TaskRunner } from "./task.js";

/** How the run is named in the history. */
export const HEALTH_LABEL = "fleet health check";

/**
 * Sections use distro.ts's `@@tc:` marker so its `parseSections` reads them. Runs on dash,
 * bash and busybox ash; reads only, always exits 0.
 * - LC_ALL=C: sshd passes the client's LANG on, and a translated df header or number
 *   format would not parse.
 * - `timeout` bounds df, which hangs on a dead NFS server; it is used only when it takes
 *   the coreutils syntax (old busybox wants `-t`).
 * - busybox df may lack -T (no "Type" in its header): then plain df, and /proc/mounts for
 *   the types.
 */
export const HEALTH_SCRIPT = `export LC_ALL=C
s() { printf '\\n@@tc:%s\\n' "$1"; }
T=
if timeout 5 true >/dev/null 2>&1; then T="timeout 10"; fi
s hostname; hostname 2>/dev/null || uname -n 2>/dev/null || cat /proc/sys/kernel/hostname 2>/dev/null
s uptime; cat /proc/uptime 2>/dev/null
s loadavg; cat /proc/loadavg 2>/dev/null
s cpus; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || grep -c '^processor' /proc/cpuinfo 2>/dev/null
s meminfo; grep -E '^(MemTotal|MemFree|MemAvailable|Buffers|Cached|SwapTotal|SwapFree):' /proc/meminfo 2>/dev/null
d=$($T df -P -T -k 2>/dev/null)
case $d in
  *Type*) s df-T; printf '%s\\n' "$d" ;;
  *) s df; $T df -P -k 2>/dev/null; s mounts; cat /proc/mounts 2>/dev/null ;;
esac
s systemd
if [ -d /run/systemd/system ]; then
  echo yes
  s failed-units; systemctl list-units --state=failed --no-legend --plain 2>/dev/null
else echo no; fi
s end
exit 0
`;

/** The sections that hold a measurement: with none of them parsed the check did not run. */
function measuredAnything(report: HealthReport): boolean {
  return (
    report.hostname !== null ||
    report.uptime_s !== null ||
    report.load !== null ||
    report.cpus !== null ||
    report.memory !== null ||
    report.disks.length > 0
  );
}

/** Builds a HealthReport from the script's stdout. Never throws. */
export function parseHealth(stdout: string): HealthReport {
  const sections = parseSections(stdout);
  const lines = (name: string): string[] => sections.get(name) ?? [];

  const meminfo = parseMeminfo(lines("meminfo"));
  const typed = sections.has("df-T");
  const disks = realDisks(
    typed ? parseDf(lines("df-T"), true) : parseDf(lines("df"), false, parseProcMounts(lines("mounts"))),
  );
  const systemd = lines("systemd")[0] === "yes";
  const parts = {
    hostname: lines("hostname")[0] ?? null,
    uptime_s: parseUptime(lines("uptime")),
    load: parseLoad(lines("loadavg")),
    cpus: parseCpus(lines("cpus")),
    memory: memoryOf(meminfo),
    swap: swapOf(meminfo),
    disks,
    systemd,
    failed_units: systemd ? parseFailedUnits(lines("failed-units")) : [],
  };
  return { op: "health", ...parts, findings: findingsOf(parts) };
}

/** One line on why a run gave nothing to parse: exit code and the first line of stderr. */
function noOutputReason(result: ExecResult): string {
  const stderr = result.stderr.trim().split("\n")[0]?.trim();
  const exit = result.signal ? `signal ${result.signal}` : `exit ${result.return_code}`;
  return `health check printed nothing parseable (${exit}${stderr ? `: ${stderr.slice(0, 200)}` : ""})`;
}

export const runHealth: TaskRunner<"health"> = async (_task, ctx) => {
  const result = await ctx.run(HEALTH_SCRIPT, HEALTH_LABEL);
  const report = parseHealth(result.stdout);
  if (result.error || measuredAnything(report)) return { report, result };
  return { report, result: { ...result, error: noOutputReason(result) } };
};
