/**
 * @module The real agent daemon (`agent/bin/agent.mjs`) dialing the local edge. Its
 * stderr carries JSON log lines; `waitForEvent` watches their `event` field.
 */
import path from "node:path";
import { REPO_ROOT } from "./edge.js";
import { waitFor } from "./ports.js";
import { type ExitInfo, ManagedProcess, withTail } from "./proc.js";

export const AGENT_BIN = path.join(REPO_ROOT, "agent/bin/agent.mjs");

export interface AgentOptions {
  dir: string;
  /** The full config (with keys), YAML, mode 0600. */
  configPath: string;
  edgeUrl: string;
  token: string;
  name: string;
  /** Extra environment (e.g. LOG_LEVEL). */
  env?: NodeJS.ProcessEnv;
  /** The agent's entry point (default AGENT_BIN, the sources through tsx). */
  bin?: string;
}

export interface AgentEvent {
  event: string;
  [field: string]: unknown;
}

export interface Agent {
  readonly pid: number | undefined;
  readonly running: boolean;
  /** When the current process was spawned (epoch ms), to time a start or a restart. */
  readonly launchedAt: number;
  /** Every JSON event seen, across restarts, in order. */
  readonly events: readonly AgentEvent[];
  /** The position in `events` now: pass it to waitForEvent to see only later events. */
  mark(): number;
  /**
   * Resolves with the first event named `event` at or after `since` (default: the start
   * of the current process). Rejects on timeout, or at once if the agent exits.
   */
  waitForEvent(event: string, timeoutMs: number, since?: number): Promise<AgentEvent>;
  /** Sends `signal` to the agent's process group and waits for it to exit. */
  kill(signal?: NodeJS.Signals): Promise<ExitInfo>;
  /** Stops the agent (if running) and starts it again; resolves once connected. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  logTail(): string;
}

export const CONNECT_TIMEOUT_MS = 30_000;

export async function startAgent(options: AgentOptions): Promise<Agent> {
  const events: AgentEvent[] = [];
  let proc: ManagedProcess | undefined;
  let startMark = 0;
  let launchedAt = 0;

  const launch = () => {
    startMark = events.length;
    launchedAt = Date.now();
    proc = new ManagedProcess(
      "agent",
      process.execPath,
      [
        options.bin ?? AGENT_BIN,
        "--config",
        options.configPath,
        "--edge",
        options.edgeUrl,
        "--name",
        options.name,
        "--data-dir",
        path.join(options.dir, "agent-data"),
      ],
      {
        cwd: REPO_ROOT,
        logFile: path.join(options.dir, "agent.log"),
        env: { ...process.env, ...options.env, AGENT_TOKEN: options.token },
        onLine: (line) => {
          if (!line.startsWith("{")) return;
          try {
            const parsed = JSON.parse(line) as unknown;
            if (parsed && typeof parsed === "object" && typeof (parsed as AgentEvent).event === "string") {
              events.push(parsed as AgentEvent);
            }
          } catch {
            // not a log event
          }
        },
      },
    );
  };

  const waitForEvent = async (event: string, timeoutMs: number, since = startMark) => {
    const current = proc;
    try {
      return await waitFor(
        `agent event "${event}"`,
        () => {
          const found = events.slice(since).find((e) => e.event === event);
          if (found) return found;
          if (!current?.running) throw new Error("the agent process exited");
          return undefined;
        },
        timeoutMs,
        25,
      );
    } catch (error) {
      throw withTail((error as Error).message, current);
    }
  };

  const stop = async () => {
    await proc?.stop();
  };

  const start = async () => {
    launch();
    try {
      await waitForEvent("connected", CONNECT_TIMEOUT_MS);
    } catch (error) {
      await stop();
      throw error;
    }
  };

  await start();
  return {
    get pid() {
      return proc?.pid;
    },
    get running() {
      return proc?.running ?? false;
    },
    get launchedAt() {
      return launchedAt;
    },
    events,
    mark: () => events.length,
    waitForEvent,
    kill: async (signal = "SIGKILL") => {
      if (!proc) return { code: null, signal: null };
      proc.signal(signal);
      return proc.exited;
    },
    restart: async () => {
      await stop();
      await start();
    },
    stop,
    logTail: () => proc?.logTail() ?? "",
  };
}
