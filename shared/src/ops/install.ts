/**
 * @module Package installs: what the edge asks of one VM (the task) and what the agent
 * reports back for it. The agent picks the package manager per VM and builds the command.
 */
import { z } from "zod";

export const PACKAGE_MANAGERS = ["apt", "dnf", "yum", "zypper", "pacman", "apk"] as const;
export const PackageManagerSchema = z.enum(PACKAGE_MANAGERS);
export type PackageManager = z.infer<typeof PackageManagerSchema>;

/** Most packages one call installs. */
export const MAX_PACKAGES = 50;

/**
 * A package name as any supported manager could spell it (with an optional version, as
 * `curl=7.88.1-10+deb12u5` or `nginx-1.24.0`). Never a shell metacharacter, a space, a
 * leading dash (an option) or a slash; each manager's own rules are checked on the agent.
 */
export const PackageNameSchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[A-Za-z0-9][A-Za-z0-9+._:=~@-]*$/, "a package name is letters, digits and + . _ : = ~ @ - only");

export const InstallTaskSchema = z.object({
  op: z.literal("install"),
  packages: z.array(PackageNameSchema).min(1).max(MAX_PACKAGES),
  /** Only report the commands that would run; change nothing. */
  dry_run: z.boolean(),
  /** Refresh the manager's package index first (apt-get update, …). */
  update_index: z.boolean(),
});
export type InstallTask = z.infer<typeof InstallTaskSchema>;

export const InstallReportSchema = z.object({
  op: z.literal("install"),
  manager: PackageManagerSchema.nullable(),
  /** Installed by this call. */
  installed: z.array(z.string()),
  /** Already installed before the call (nothing done for them). */
  already_present: z.array(z.string()),
  failed: z.array(z.object({ package: z.string(), error: z.string() })),
  /** The install command as run (or, with dry_run, as it would run); null when none was. */
  command: z.string().nullable(),
  /** Every command run or, with dry_run, that would run, in order (index refresh, install). */
  commands: z.array(z.string()),
  dry_run: z.boolean(),
  return_code: z.number().int().nullable(),
});
export type InstallReport = z.infer<typeof InstallReportSchema>;
