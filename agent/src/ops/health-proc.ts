/**
 * @module The small sections of the health script (/proc/uptime, /proc/loadavg, the CPU
 * count, /proc/meminfo, failed systemd units) parsed one by one. Each parser answers null
 * (or an empty list) for a missing or unreadable section instead of throwing: one odd VM
 * must not sink the report of the fleet.
 */
import type { HealthReport } from "@telecommande/shared";

/** `part` of `whole` in percent, one decimal; 0 when there is no whole. */
export function percent(part: number, whole: number): number {
  if (!(whole > 0)) return 0;
  return Math.round((part / whole) * 1000) / 10;
}

/** A finite non-negative number, or null (`NaN`, `-1`, `abc` and `""` are not values). */
function num(text: string | undefined): number | null {
  if (text === undefined || !/^\d+(\.\d+)?$/.test(text)) return null;
  return Number(text);
}

/** /proc/uptime: `seconds-up seconds-idle`; whole seconds. */
export function parseUptime(lines: string[]): number | null {
  const up = num(lines[0]?.split(/\s+/)[0]);
  return up === null ? null : Math.floor(up);
}

/** /proc/loadavg: `0.52 0.58 0.59 1/467 12345`; null unless all three averages are there. */
export function parseLoad(lines: string[]): HealthReport["load"] {
  const [one, five, fifteen] = (lines[0] ?? "").split(/\s+/).map(num);
  if (one == null || five == null || fifteen == null) return null;
  return { one, five, fifteen };
}

/** The first of nproc, getconf and the count of /proc/cpuinfo's `processor` lines to answer. */
export function parseCpus(lines: string[]): number | null {
  const text = lines[0] ?? "";
  const cpus = /^\d+$/.test(text) ? Number(text) : 0;
  return cpus >= 1 ? cpus : null;
}

/** The /proc/meminfo lines the script keeps, in bytes by key (`MemTotal: 16318452 kB`). */
export function parseMeminfo(lines: string[]): Map<string, number> {
  const values = new Map<string, number>();
  for (const line of lines) {
    const m = /^(\w+):\s*(\d+)(?:\s*kB)?$/.exec(line);
    if (m?.[1] && m[2]) values.set(m[1], Number(m[2]) * 1024);
  }
  return values;
}

/**
 * Memory as the kernel's MemAvailable sees it. Kernels before 3.14 lack MemAvailable: then
 * free + buffers + page cache, the estimate `free` itself used on them.
 */
export function memoryOf(meminfo: Map<string, number>): HealthReport["memory"] {
  const total = meminfo.get("MemTotal");
  if (!total) return null;
  let available = meminfo.get("MemAvailable");
  if (available === undefined) {
    const free = meminfo.get("MemFree");
    if (free === undefined) return null;
    available = free + (meminfo.get("Buffers") ?? 0) + (meminfo.get("Cached") ?? 0);
  }
  available = Math.min(available, total);
  const used = total - available;
  return { total_bytes: total, used_bytes: used, available_bytes: available, used_percent: percent(used, total) };
}

/** Swap; a VM without swap answers zeros (known to be none), a missing meminfo null. */
export function swapOf(meminfo: Map<string, number>): HealthReport["swap"] {
  const total = meminfo.get("SwapTotal");
  const free = meminfo.get("SwapFree");
  if (total === undefined || free === undefined) return null;
  const used = Math.max(0, total - free);
  return { total_bytes: total, used_bytes: used, used_percent: percent(used, total) };
}

const UNIT_NAME = /^[\w@:.-]+\.(service|socket|target|mount|automount|swap|timer|path|slice|scope|device)$/;

/**
 * `systemctl list-units --state=failed --no-legend --plain`: the unit is the first column.
 * The `●` marker older systemd prints despite --plain, and any legend line, are skipped.
 */
export function parseFailedUnits(lines: string[]): string[] {
  const units: string[] = [];
  for (const line of lines) {
    const name = line.replace(/^[●*]\s*/, "").split(/\s+/)[0] ?? "";
    if (UNIT_NAME.test(name) && !units.includes(name)) units.push(name);
  }
  return units;
}
