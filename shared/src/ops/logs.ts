/**
 * @module Reading logs: the last lines of a systemd unit's journal or of a log file. Every
 * field is validated here, on both sides, so nothing a caller sends reaches a shell as code.
 */
import { z } from "zod";
import { hasControlCharacter } from "./text.js";

export const DEFAULT_LOG_LINES = 100;
export const MAX_LOG_LINES = 2000;

/** A systemd unit name (`nginx`, `nginx.service`, `getty@tty1.service`). */
export const UnitNameSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[A-Za-z0-9][A-Za-z0-9:_.@-]*$/, "a unit name is letters, digits and : _ . @ - only");

const KERNEL_TREES = new Set(["proc", "sys"]);

/**
 * An absolute path without `..` or control characters. Not under /proc or /sys: reading
 * /proc/kmsg or a tracing pipe blocks and consumes kernel messages, which a read-only tool
 * must never do.
 */
export const LogPathSchema = z
  .string()
  .min(2)
  .max(1024)
  .refine((p) => p.startsWith("/"), "the path must be absolute")
  .refine((p) => !hasControlCharacter(p), "the path must not contain control characters (newline, tab, escape)")
  .refine((p) => !p.split("/").includes(".."), "the path must not contain '..'")
  .refine((p) => !KERNEL_TREES.has(p.split("/").find((seg) => seg && seg !== ".") ?? ""), {
    message: "the path must not be under /proc or /sys: kernel files, not logs",
  });

/**
 * journalctl's `--since` forms: `2026-12-01`, `2026-12-01 10:00[:00]`, `10:00`, `today`,
 * `yesterday`, `now`, `-1h`, `-30min`, `2 hours ago`, `@1764590000`.
 */
export const SinceSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(
    /^(?:\d{4}-\d{2}-\d{2}(?:[ T]\d{2}:\d{2}(?::\d{2})?)?|\d{2}:\d{2}(?::\d{2})?|today|yesterday|now|@\d{1,12}|[-+]?\d{1,6} ?(?:s|sec|seconds?|m|min|minutes?|h|hours?|d|days?|w|weeks?)(?: ago)?)$/,
    "since must be a journald time: 2026-12-01, '2026-12-01 10:00', today, yesterday, -1h, '2 hours ago' or @epoch",
  );

/** A fixed string to keep lines with (never a pattern, never shell). */
export const GrepSchema = z
  .string()
  .min(1)
  .max(256)
  .regex(/^[^\0\n\r]*$/, "grep must be on one line");

export const LogsTaskSchema = z.object({
  op: z.literal("logs"),
  unit: UnitNameSchema.optional(),
  path: LogPathSchema.optional(),
  lines: z.number().int().min(1).max(MAX_LOG_LINES),
  since: SinceSchema.optional(),
  grep: GrepSchema.optional(),
});
export type LogsTask = z.infer<typeof LogsTaskSchema>;

export const LogsReportSchema = z.object({
  op: z.literal("logs"),
  source: z.enum(["journal", "file"]),
  /** The unit or the path read. */
  target: z.string(),
  /** The reader command as it ran; null when none could run. */
  command: z.string().nullable(),
  lines: z.array(z.string()),
  /** Fewer lines were kept than found (the line or size cap). */
  truncated: z.boolean(),
  return_code: z.number().int().nullable(),
});
export type LogsReport = z.infer<typeof LogsReportSchema>;
