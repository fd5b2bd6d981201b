/**
 * @module Test harness for the logs scripts run for real on this machine (no SSH): a temporary
 * folder of log files, PATH folders holding only chosen tools (to play a VM without journalctl
 * or awk, or with busybox's), and `read`, which plans a task, runs its script with a local
 * shell and maps the output as the agent would. Used by the logs-*local tests only.
 */

import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ExecResult, LogsReportSchema } from "@telecommande/shared";
import { makeExecResult } from "../ssh/exec.js";
import { type LogsPlan, logsOutcome, planLogs } from "./logs.js";
import type { TaskOutput } from "./task.js";

export function which(command: string): string | null {
  try {
    return execFileSync("sh", ["-c", `command -v ${command}`], { encoding: "utf8" }).trim() || null;
  } catch {
    return null;
  }
}

export const linux = process.platform === "linux";
export const setpriv = which("setpriv");
export const asRoot = process.getuid?.() === 0;
export const busybox = which("busybox");
/** What the scripts call besides the reader. */
export const BASE_TOOLS = ["tail", "grep", "cut", "cat", "ls", "awk"] as const;

export const numbered = (count: number) => Array.from({ length: count }, (_, i) => `line ${i + 1}`);

export interface RunOptions {
  /** The shell and its arguments before `-c`. */
  shell?: string[];
  /** PATH for the script; the shell itself is found on the test's own PATH. */
  path?: string;
  /** Run as `nobody` (root can read anything, so permission errors need another user). */
  nobody?: boolean;
}

export interface LocalLogs {
  /** The temporary folder, searchable by `nobody`; also the scripts' working folder. */
  root: string;
  /** Writes a file under root and returns its path. */
  file: (name: string, content: string, mode?: number) => string;
  /** A PATH folder under root holding links to these tools only. */
  toolbox: (name: string, tools: Record<string, string | null>) => string;
  /** This machine's BASE_TOOLS, but those in `except`. */
  baseTools: (except?: string[]) => Record<string, string | null>;
  /** Plans the task, runs its script, maps the output; throws if the report breaks the schema. */
  read: (fields: Record<string, unknown>, options?: RunOptions) => TaskOutput<"logs">;
  cleanup: () => void;
}

export function localLogs(): LocalLogs {
  const root = mkdtempSync(join(tmpdir(), "tc-logs-"));
  chmodSync(root, 0o755);

  const execute = (plan: LogsPlan, options: RunOptions): ExecResult => {
    const shell = options.shell ?? ["sh"];
    const argv = options.nobody
      ? ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", ...shell, "-c", plan.script]
      : [...shell, "-c", plan.script];
    const [name = "sh", ...args] = argv;
    // Found on the test's PATH: the script's own PATH may hold only a few tools.
    const file = name.startsWith("/") ? name : (which(name) ?? name);
    // A UTF-8 locale like a VM's: the script must set C itself where it matters.
    const env = { PATH: options.path ?? process.env.PATH ?? "/usr/bin:/bin", LC_ALL: "C.UTF-8" };
    // In root, so a relative `touch MARKER` that ran would land where the tests look.
    const run = spawnSync(file, args, { encoding: "utf8", env, cwd: root, timeout: 20_000, input: "" });
    if (run.error) throw run.error;
    return makeExecResult({
      stdout: run.stdout,
      stderr: run.stderr,
      return_code: run.status ?? -1,
      signal: run.signal,
    });
  };

  return {
    root,
    file: (name, content, mode = 0o644) => {
      const path = join(root, name);
      writeFileSync(path, content);
      chmodSync(path, mode);
      return path;
    },
    toolbox: (name, tools) => {
      const dir = join(root, name);
      mkdirSync(dir);
      for (const [tool, target] of Object.entries(tools)) if (target) symlinkSync(target, join(dir, tool));
      return dir;
    },
    baseTools: (except = []) =>
      Object.fromEntries(BASE_TOOLS.filter((t) => !except.includes(t)).map((t) => [t, which(t)])),
    read: (fields, options = {}) => {
      const plan = planLogs({ op: "logs", lines: 100, ...fields });
      const out = logsOutcome(plan, execute(plan, options));
      LogsReportSchema.parse(out.report);
      return out;
    },
    cleanup: () => rmSync(root, { recursive: true, force: true }),
  };
}
