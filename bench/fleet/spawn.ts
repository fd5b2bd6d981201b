/**
 * @module Runs one peer tool invocation in its own process group, collects its output,
 * and kills the whole group on abort, on exit, and when the bench itself is interrupted,
 * so no ssh the tool started outlives the bench.
 */
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { killGroup, onProcessExit } from "../../e2e/harness/proc.js";

export interface ProcessResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Written to stdin, which is then closed. */
  input?: string;
  signal?: AbortSignal;
}

export function runProcess(command: string, args: string[], options: RunOptions = {}): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    const pid = child.pid;
    if (pid === undefined) {
      child.once("error", reject);
      return;
    }
    const unregister = onProcessExit(() => killGroup(pid, "SIGKILL"));
    const onAbort = () => killGroup(pid, "SIGKILL");
    options.signal?.addEventListener("abort", onAbort, { once: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.stdin.on("error", () => undefined); // the tool may exit before reading it all
    child.stdin.end(options.input ?? "");
    child.once("error", (error) => {
      options.signal?.removeEventListener("abort", onAbort);
      unregister();
      reject(error);
    });
    child.once("close", (code, signal) => {
      options.signal?.removeEventListener("abort", onAbort);
      // Whatever the tool left behind in its group (a straggling ssh) goes with it.
      killGroup(pid, "SIGKILL");
      unregister();
      resolve({
        code,
        signal,
        stdout: Buffer.concat(stdout).toString("utf8"),
        stderr: Buffer.concat(stderr).toString("utf8"),
      });
    });
  });
}

/** The lines of `text` that start with `name: `, that prefix removed (pdsh's per-host output). */
export function linesOf(text: string, name: string): string[] {
  const prefix = `${name}: `;
  return text
    .split("\n")
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

/**
 * SIGKILLs every process whose command line contains `marker` (the bench's own temp dir):
 * what escaped a process group, like ssh's ControlPersist masters, which daemonize.
 */
export function killProcessesMentioning(marker: string): void {
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(marker)) process.kill(Number(entry), "SIGKILL");
    } catch {
      // gone meanwhile, or not ours to read
    }
  }
}
