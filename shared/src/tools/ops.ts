/**
 * @module The operations tools that run on many VMs at once: install packages, fleet
 * health, read logs. Each VM answers with structured fields, never raw text to parse.
 */
import { z } from "zod";
import {
  DEFAULT_LOG_LINES,
  GrepSchema,
  HealthReportSchema,
  InstallReportSchema,
  LogPathSchema,
  LogsReportSchema,
  MAX_LOG_LINES,
  MAX_PACKAGES,
  PackageNameSchema,
  SinceSchema,
  UnitNameSchema,
} from "../ops/index.js";
import { defineTool, type ToolOutput } from "./define.js";
import { FleetTargetInput, maxParallelInput } from "./run-parallel.js";
import { confirmationToken, timeoutSeconds } from "./schemas.js";

/** What every VM's entry of a fleet tool starts with. */
const vmEntry = {
  vm: z.string(),
  /** `ok`: the work ran and was understood; `failed`: it ran and failed; `unreachable`: it never ran. */
  status: z.enum(["ok", "failed", "unreachable"]),
  /** Why the VM is `failed` or `unreachable`; null when ok. */
  error: z.string().nullable(),
  duration_ms: z.number(),
};

const fleetSummary = z.object({
  total: z.number().int(),
  ok: z.number().int(),
  failed: z.number().int(),
  unreachable: z.number().int(),
  duration_ms: z.number(),
});

export const InstallPackagesInput = {
  packages: z
    .array(PackageNameSchema)
    .min(1)
    .max(MAX_PACKAGES)
    .describe("Package names, as the distro calls them (a version as the manager writes it: curl=7.88.1-10)"),
  ...FleetTargetInput,
  dry_run: z.boolean().optional().describe("Only return the exact commands each VM would run; change nothing"),
  update_index: z.boolean().optional().describe("Refresh the package index first (apt-get update, …); default false"),
  max_parallel: maxParallelInput,
  timeout_s: timeoutSeconds("each VM's install is stopped"),
  confirmation_token: confirmationToken,
};

/** A VM's entry: how it went, then its report's fields (a VM that never ran gets them empty). */
export const InstallVmResultSchema = z.object({
  ...vmEntry,
  ...InstallReportSchema.omit({ op: true, dry_run: true }).shape,
});

export const InstallPackagesOutput = {
  packages: z.array(z.string()),
  dry_run: z.boolean(),
  summary: fleetSummary,
  results: z.array(InstallVmResultSchema),
};

export const installPackagesTool = defineTool({
  name: "ssh_install_packages",
  title: "Install packages",
  description:
    "Install packages on one or many VMs, whatever their distro: detects the package manager per VM (apt, dnf, yum, zypper, pacman, apk), runs it non-interactively (with `sudo -n` when the SSH user is not root) and reports per VM what was installed, what was already present and what failed. Use `dry_run: true` to see the exact commands first. Runs on all named VMs in parallel.",
  input: InstallPackagesInput,
  output: InstallPackagesOutput,
  annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: true },
  job: "fanout",
});

export const HealthInput = {
  ...FleetTargetInput,
  max_parallel: maxParallelInput,
  timeout_s: timeoutSeconds("a VM's check is given up"),
};

export const HealthVmResultSchema = z.object({ ...vmEntry, ...HealthReportSchema.omit({ op: true }).shape });

export const HealthOutput = {
  summary: fleetSummary.extend({
    /** VMs with at least one finding. */
    with_findings: z.number().int(),
  }),
  results: z.array(HealthVmResultSchema),
};

export const fleetHealthTool = defineTool({
  name: "ssh_fleet_health",
  title: "Fleet health",
  description:
    "Health of one or many VMs in one call: uptime, load averages against the CPU count, memory and swap use, disk use per real mount, failed systemd units, and findings (disk ≥ 90 %, load above the CPU count, failed units, memory or swap nearly full). One round trip per VM, all in parallel; read-only.",
  input: HealthInput,
  output: HealthOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  job: "fanout",
});

export const ReadLogsInput = {
  ...FleetTargetInput,
  unit: UnitNameSchema.optional().describe("systemd unit whose journal to read (journalctl -u), e.g. nginx"),
  path: LogPathSchema.optional().describe("Log file to read instead of a unit, e.g. /var/log/syslog"),
  lines: z
    .number()
    .int()
    .min(1)
    .max(MAX_LOG_LINES)
    .optional()
    .describe(`Last lines to return per VM (default ${DEFAULT_LOG_LINES}, at most ${MAX_LOG_LINES})`),
  since: SinceSchema.optional().describe(
    "Journal only: entries since then (2026-12-01 10:00, today, -1h, '2 hours ago')",
  ),
  grep: GrepSchema.optional().describe("Keep only lines containing this exact text (not a pattern)"),
  timeout_s: timeoutSeconds("a VM's read is given up"),
};

export const LogsVmResultSchema = z.object({ ...vmEntry, ...LogsReportSchema.omit({ op: true }).shape });

export const ReadLogsOutput = {
  source: z.enum(["journal", "file"]),
  target: z.string(),
  summary: fleetSummary,
  results: z.array(LogsVmResultSchema),
};

export const readLogsTool = defineTool({
  name: "ssh_read_logs",
  title: "Read logs",
  description: `The last lines of a systemd unit's journal (\`unit\`, with optional \`since\`) or of a log file (\`path\`) on one or many VMs, optionally only lines containing \`grep\` (an exact text). ${DEFAULT_LOG_LINES} lines per VM by default, at most ${MAX_LOG_LINES}. Read-only; every parameter is validated and none reaches a shell as code.`,
  input: ReadLogsInput,
  output: ReadLogsOutput,
  annotations: { readOnlyHint: true, idempotentHint: true, openWorldHint: true },
  job: "fanout",
});

export type InstallPackages = ToolOutput<typeof installPackagesTool>;
export type FleetHealth = ToolOutput<typeof fleetHealthTool>;
export type ReadLogs = ToolOutput<typeof readLogsTool>;
export type InstallVmResult = z.infer<typeof InstallVmResultSchema>;
export type HealthVmResult = z.infer<typeof HealthVmResultSchema>;
export type LogsVmResult = z.infer<typeof LogsVmResultSchema>;
