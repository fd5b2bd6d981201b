/**
 * @module The edge under `wrangler dev`, on loopback, with the edge's view of the config
 * as the CONFIG_YAML var. Restartable on the same port (the edge-restart test).
 */
import { mkdirSync } from "node:fs";
import path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { Config } from "@telecommande/shared";
import { wranglerArgs, wranglerEnv } from "../../agent/src/dev/edge-config.js";
import { freePort, portAccepts, waitFor } from "./ports.js";
import { ManagedProcess, withTail } from "./proc.js";

export const REPO_ROOT = path.resolve(import.meta.dirname, "../..");
const WRANGLER = path.join(REPO_ROOT, "node_modules/.bin/wrangler");
const READY_TIMEOUT_MS = 60_000;

export interface EdgeOptions {
  /** Working directory for logs and wrangler state. */
  dir: string;
  /** The edge's view (no private keys, hashed API keys, agents). JSON is YAML. */
  edgeConfig: Config;
  port?: number;
}

export interface Edge {
  port: number;
  /** `http://127.0.0.1:<port>` */
  url: string;
  /** `http://127.0.0.1:<port>/mcp` */
  mcpUrl: string;
  readonly pid: number | undefined;
  /**
   * Kills wrangler and starts it again on the same port after `downtimeMs`; resolves
   * when /health answers.
   */
  restart(downtimeMs?: number): Promise<void>;
  stop(): Promise<void>;
  logTail(): string;
}

async function healthy(url: string): Promise<boolean> {
  try {
    const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.status === 200;
  } catch {
    return false;
  }
}

export async function startEdge(options: EdgeOptions): Promise<Edge> {
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const configJson = JSON.stringify(options.edgeConfig);
  let proc: ManagedProcess | undefined;

  const launch = async () => {
    proc = new ManagedProcess(
      "wrangler",
      WRANGLER,
      [
        ...wranglerArgs({ port, configJson, persistDir: path.join(options.dir, "wrangler-state") }),
        "--log-level",
        "warn",
      ],
      {
        cwd: REPO_ROOT,
        logFile: path.join(options.dir, "wrangler.log"),
        env: {
          ...wranglerEnv(process.env),
          WRANGLER_LOG_PATH: path.join(options.dir, "wrangler-logs"),
          FORCE_COLOR: "0",
          NO_COLOR: "1",
        },
      },
    );
    const started = proc;
    let exited = false;
    void started.exited.then(() => {
      exited = true;
    });
    try {
      await waitFor(
        `wrangler dev /health on ${url}`,
        async () => {
          if (exited) throw new Error("wrangler exited");
          return healthy(url);
        },
        READY_TIMEOUT_MS,
        200,
      );
    } catch (error) {
      const err = withTail(`edge did not become ready: ${(error as Error).message}`, started);
      await started.stop();
      throw err;
    }
  };

  const stop = async () => {
    await proc?.stop();
    // workerd may hold the port a moment after wrangler is gone.
    await waitFor(`port ${port} to close`, async () => !(await portAccepts("127.0.0.1", port, 300)), 10_000);
  };

  await launch();
  return {
    port,
    url,
    mcpUrl: `${url}/mcp`,
    get pid() {
      return proc?.pid;
    },
    restart: async (downtimeMs = 0) => {
      await stop();
      if (downtimeMs > 0) await sleep(downtimeMs);
      await launch();
    },
    stop,
    logTail: () => proc?.logTail() ?? "",
  };
}
