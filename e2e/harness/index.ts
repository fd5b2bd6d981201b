/**
 * @module The end-to-end stack in one call: real sshd, `wrangler dev` edge, the agent
 * daemon, and MCP clients to talk to it. Everything on loopback, everything stopped by
 * `stack.stop()`, also when a start fails halfway.
 *
 *   const stack = await startStack({ permissions: true });
 *   const client = await stack.connect(stack.keys.admin);
 *   ...
 *   await stack.stop();
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { stringify } from "yaml";
import { type Agent, startAgent } from "./agent.js";
import { type Edge, startEdge } from "./edge.js";
import { AGENT_NAME, buildFleet, type ExtraVms, type Fleet } from "./fleet.js";
import { type AuthMode, connectMcp } from "./mcp.js";
import { freePort } from "./ports.js";
import { onProcessExit } from "./proc.js";
import { type Sshd, type SshdLimits, startSshd } from "./sshd.js";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

export * from "./agent.js";
export * from "./edge.js";
export * from "./fleet.js";
export * from "./many-hosts.js";
export * from "./mcp.js";
export * from "./ports.js";
export * from "./sshd.js";
export * from "./tcp-proxy.js";

export interface StackOptions {
  /** With a `users` key (default) or open mode (no `users` key). */
  permissions?: boolean;
  /** sshd's session limits; stock (`MaxSessions 10`) unless given. */
  sshdLimits?: SshdLimits;
  /** VMs and groups beside the standard five (admin may use the groups); a function gets the stack's sshd. */
  extra?: ExtraVms | ((sshd: Sshd) => ExtraVms);
  /** The agent dials the edge through a TCP relay the test can cut (`stack.relay`). */
  relay?: boolean;
}

export interface Stack extends Fleet {
  dir: string;
  sshd: Sshd;
  edge: Edge;
  agent: Agent;
  /** With `relay`: the agent's path to the edge, which a test can cut. */
  relay?: TcpProxy;
  /** Where the agent's full config (with keys) was written. */
  configPath: string;
  /** Connects an MCP client; it is closed by `stop()`. */
  connect(key?: string, mode?: AuthMode): Promise<Client>;
  stop(): Promise<void>;
}

/** Keeps the temp dir (logs, configs) for a post-mortem when E2E_KEEP_TMP=1. */
const keepTmp = () => process.env.E2E_KEEP_TMP === "1";

/** Stacks started or starting in this process, so a failed beforeAll can still be cleaned up. */
const liveStacks = new Set<() => Promise<void>>();

/** Stops every stack of this process, including one whose start is still in progress. */
export async function stopAllStacks(): Promise<void> {
  const results = await Promise.allSettled([...liveStacks].map((stop) => stop()));
  const errors = results.flatMap((r) => (r.status === "rejected" ? [r.reason] : []));
  if (errors.length) throw new AggregateError(errors, "e2e stack did not stop cleanly");
}

interface Part {
  stop(): Promise<void>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "tlc-e2e-"));
  // The test user must traverse it to read sshd's authorized_keys.
  chmodSync(dir, 0o711);
  const clients: Client[] = [];
  /** Started parts, in start order; stopped in reverse (agent, edge, sshd). */
  const parts: Part[] = [];
  let stopping = false;

  const stop = async () => {
    stopping = true;
    await Promise.allSettled(clients.splice(0).map((c) => c.close()));
    const errors: unknown[] = [];
    for (const part of parts.splice(0).reverse()) {
      try {
        await part.stop();
      } catch (error) {
        errors.push(error);
      }
    }
    liveStacks.delete(stop);
    forgetDir();
    if (keepTmp()) console.error(`e2e: kept ${dir}`);
    else rmSync(dir, { recursive: true, force: true });
    if (errors.length) throw new AggregateError(errors, "e2e stack did not stop cleanly");
  };
  liveStacks.add(stop);
  // Killed by a signal (vitest ends a worker with SIGTERM): the processes go by their own
  // exit hooks, the temp dir by this one.
  const forgetDir = onProcessExit(() => keepTmp() || rmSync(dir, { recursive: true, force: true }));

  /** Records a started part; aborts the start when stop() was called meanwhile. */
  const adopt = <T extends Part>(part: T): T => {
    parts.push(part);
    if (stopping) throw new Error("e2e stack stopped while starting");
    return part;
  };

  try {
    const sshd = adopt(await startSshd(path.join(dir, "sshd"), undefined, options.sshdLimits));
    const extra = typeof options.extra === "function" ? options.extra(sshd) : options.extra;
    const fleet = await buildFleet(sshd, await freePort(), options.permissions ?? true, extra);
    const configPath = path.join(dir, "config.yaml");
    writeFileSync(configPath, stringify(fleet.config), { mode: 0o600 });
    const edge = adopt(await startEdge({ dir: path.join(dir, "edge"), edgeConfig: fleet.edgeConfig }));
    const edgePort = Number(new URL(edge.url).port);
    const relay = options.relay ? adopt(await startTcpProxy({ host: "127.0.0.1", port: edgePort })) : undefined;
    const agent = adopt(
      await startAgent({
        dir: path.join(dir, "agent"),
        configPath,
        edgeUrl: relay?.url ?? edge.url,
        token: fleet.agentToken,
        name: AGENT_NAME,
      }),
    );
    return {
      ...fleet,
      sshd,
      edge,
      agent,
      ...(relay ? { relay } : {}),
      dir,
      configPath,
      connect: async (key, mode) => {
        const client = await connectMcp(edge.mcpUrl, key, mode);
        clients.push(client);
        return client;
      },
      stop,
    };
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
}
