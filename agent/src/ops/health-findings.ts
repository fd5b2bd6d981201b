/**
 * @module What deserves attention in a parsed health report, as findings a model can relay
 * as is: each message names the thing (mount, unit) and the measured value, so a fleet
 * summary does not need the raw fields to be understood.
 */
import type { Finding, HealthReport } from "@telecommande/shared";

/** Thresholds, in percent of the resource or in multiples of the CPU count. */
export const THRESHOLDS = {
  diskWarning: 90,
  diskCritical: 95,
  /** 1-minute load above the CPU count: runnable work is queueing. */
  loadWarningPerCpu: 1,
  loadCriticalPerCpu: 2,
  memoryWarning: 90,
  swapWarning: 80,
} as const;

const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];

/** 1536 → "1.5 KiB": one decimal below 10 of a unit, whole numbers above. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const text = unit === 0 || value >= 10 ? Math.round(value).toString() : value.toFixed(1).replace(/\.0$/, "");
  return `${text} ${UNITS[unit]}`;
}

type Parts = Pick<HealthReport, "disks" | "load" | "cpus" | "memory" | "swap" | "failed_units">;

/** Findings in a fixed order: disks, load, memory, swap, units. */
export function findingsOf(report: Parts): Finding[] {
  const findings: Finding[] = [];

  for (const disk of report.disks) {
    if (disk.used_percent < THRESHOLDS.diskWarning) continue;
    findings.push({
      kind: "disk",
      severity: disk.used_percent >= THRESHOLDS.diskCritical ? "critical" : "warning",
      message: `disk ${disk.mount} is ${disk.used_percent}% full (${formatBytes(disk.available_bytes)} free of ${formatBytes(disk.size_bytes)})`,
    });
  }

  const { load, cpus } = report;
  if (load && cpus && load.one > cpus * THRESHOLDS.loadWarningPerCpu) {
    findings.push({
      kind: "load",
      severity: load.one > cpus * THRESHOLDS.loadCriticalPerCpu ? "critical" : "warning",
      message: `load ${load.one} over the last minute on ${cpus} CPU${cpus === 1 ? "" : "s"} (5 min ${load.five}, 15 min ${load.fifteen})`,
    });
  }

  const { memory, swap } = report;
  if (memory && memory.used_percent >= THRESHOLDS.memoryWarning) {
    findings.push({
      kind: "memory",
      severity: "warning",
      message: `memory ${memory.used_percent}% used (${formatBytes(memory.available_bytes)} available of ${formatBytes(memory.total_bytes)})`,
    });
  }
  if (swap && swap.total_bytes > 0 && swap.used_percent >= THRESHOLDS.swapWarning) {
    findings.push({
      kind: "swap",
      severity: "warning",
      message: `swap ${swap.used_percent}% used (${formatBytes(swap.used_bytes)} of ${formatBytes(swap.total_bytes)})`,
    });
  }

  // One finding per unit: each is a separate thing to look at (`systemctl status <unit>`).
  for (const unit of report.failed_units) {
    findings.push({ kind: "unit", severity: "warning", message: `systemd unit ${unit} has failed` });
  }
  return findings;
}
