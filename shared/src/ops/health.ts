/** @module Fleet health: one round trip per VM, parsed into structured fields and findings. */
import { z } from "zod";

export const HealthTaskSchema = z.object({ op: z.literal("health") });
export type HealthTask = z.infer<typeof HealthTaskSchema>;

const usage = {
  total_bytes: z.number(),
  used_bytes: z.number(),
  used_percent: z.number(),
};

export const DiskUsageSchema = z.object({
  mount: z.string(),
  filesystem: z.string(),
  fstype: z.string(),
  size_bytes: z.number(),
  used_bytes: z.number(),
  available_bytes: z.number(),
  used_percent: z.number(),
});

export const FindingSchema = z.object({
  kind: z.enum(["disk", "load", "memory", "swap", "unit"]),
  severity: z.enum(["warning", "critical"]),
  message: z.string(),
});

export const HealthReportSchema = z.object({
  op: z.literal("health"),
  hostname: z.string().nullable(),
  uptime_s: z.number().nullable(),
  load: z.object({ one: z.number(), five: z.number(), fifteen: z.number() }).nullable(),
  cpus: z.number().int().nullable(),
  memory: z.object({ ...usage, available_bytes: z.number() }).nullable(),
  swap: z.object(usage).nullable(),
  /** Real mounts only: no tmpfs, overlay, squashfs or other pseudo filesystems. */
  disks: z.array(DiskUsageSchema),
  /** Whether systemd runs on the VM; failed_units is empty without it. */
  systemd: z.boolean(),
  failed_units: z.array(z.string()),
  /** Disk ≥ 90 %, load above the CPU count, failed units, memory or swap nearly full. */
  findings: z.array(FindingSchema),
});
export type HealthReport = z.infer<typeof HealthReportSchema>;
export type DiskUsage = z.infer<typeof DiskUsageSchema>;
export type Finding = z.infer<typeof FindingSchema>;
