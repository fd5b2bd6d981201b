/**
 * @module Third-party MCP command-line clients run against the edge: a program run to its
 * exit with a deadline (its whole process group killed when it runs over), and the MCP
 * Inspector's CLI (`mcp-inspector --cli URL --transport http --method …`).
 */
import path from "node:path";
import { REPO_ROOT } from "./edge.js";
import { authHeaders } from "./mcp.js";
import { assertLoopback } from "./ports.js";
import { ManagedProcess } from "./proc.js";

export interface ProgramRun {
  /** Exit code; null when it ended by a signal (or was killed at the deadline). */
  code: number | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface RunOptions {
  /** Where its log file goes. */
  dir: string;
  timeoutMs: number;
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs a program in its own process group to its exit, keeping all of its output. At the
 * deadline the group gets SIGTERM then SIGKILL; either way nothing it started outlives it.
 */
export async function runToExit(
  label: string,
  command: string,
  args: string[],
  options: RunOptions,
): Promise<ProgramRun> {
  const out: Record<"stdout" | "stderr", string[]> = { stdout: [], stderr: [] };
  const started = performance.now();
  const proc = new ManagedProcess(label, command, args, {
    cwd: REPO_ROOT,
    env: { ...(options.env ?? process.env), NO_COLOR: "1", FORCE_COLOR: "0" },
    logFile: path.join(options.dir, `${label}.log`),
    onLine: (line, stream) => out[stream].push(line),
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    void proc.stop(2_000);
  }, options.timeoutMs);
  const exit = await proc.exited;
  clearTimeout(timer);
  const ms = Math.round(performance.now() - started);
  // Also kills whatever it spawned that is still in its group, and waits for its pipes.
  await proc.stop();
  return { code: exit.code, timedOut, stdout: out.stdout.join("\n"), stderr: out.stderr.join("\n"), ms };
}

const INSPECTOR = path.join(REPO_ROOT, "node_modules/.bin/mcp-inspector");
const INSPECTOR_TIMEOUT_MS = 30_000;

/**
 * One Inspector CLI run: `method` and its flags (`--method tools/call --tool-name X
 * --tool-arg k=v …`), with `Authorization: Bearer <key>` when a key is given.
 */
export function runInspector(mcpUrl: string, dir: string, key: string | undefined, methodArgs: string[]) {
  assertLoopback(new URL(mcpUrl).hostname);
  const headers = Object.entries(authHeaders(key)).flatMap(([name, value]) => ["--header", `${name}: ${value}`]);
  // The URL comes first: --tool-arg takes every following word as another key=value pair.
  const args = ["--cli", mcpUrl, "--transport", "http", ...headers, ...methodArgs];
  return runToExit("mcp-inspector", INSPECTOR, args, { dir, timeoutMs: INSPECTOR_TIMEOUT_MS });
}
